// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;

namespace CloudMap.Lifecycle.Client;

/// <summary>Which answers are worth another attempt: the classification of the AWS SDKs' standard retry mode.</summary>
internal static class CloudMapRetryClassifier
{
    // The throttling and transient codes of the AWS SDKs' standard retry mode (botocore retries/standard.py,
    // AWSSDK.Core StandardRetryPolicy).
    private static readonly HashSet<string> RetryableCodes = new(StringComparer.Ordinal)
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalFailure",
        "ServiceUnavailable",
    };

    /// <summary>Gets a value indicating whether an error code names throttling or a transient server fault.</summary>
    public static bool IsRetryableErrorCode(string? code) => code is not null && RetryableCodes.Contains(code);

    /// <summary>Gets a value indicating whether an HTTP status is a transient server fault (500, 502, 503, 504).</summary>
    public static bool IsRetryableStatus(HttpStatusCode status)
        => status is HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
}
