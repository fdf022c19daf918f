// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Frozen;
using System.Net;
using Polly.Timeout;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// Which failures of one attempt are worth another attempt: the classification of the AWS SDKs' standard retry mode
/// (botocore <c>retries/standard.py</c>, AWSSDK.Core <c>StandardRetryPolicy</c>). Transport-neutral: it looks at the
/// <see cref="CloudMapException"/> an attempt threw (its code and HTTP status) or at the transport failure.
/// </summary>
internal static class CloudMapRetryClassifier
{
    /// <summary>The error codes that mean "slow down": backed off from <see cref="CloudMapCallPipeline.ThrottlingBaseDelay"/>.</summary>
    public static readonly FrozenSet<string> ThrottlingCodes = FrozenSet.ToFrozenSet(
    [
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "EC2ThrottledException",
    ], StringComparer.Ordinal);

    /// <summary>The error codes of a transient fault: backed off from <c>BaseDelay</c>.</summary>
    public static readonly FrozenSet<string> TransientCodes = FrozenSet.ToFrozenSet(
    [
        "TransactionInProgressException",
        "PriorRequestNotComplete",
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalFailure",
        "ServiceUnavailable",
    ], StringComparer.Ordinal);

    /// <summary>Every retryable error code: <see cref="ThrottlingCodes"/> ∪ <see cref="TransientCodes"/>.</summary>
    public static readonly FrozenSet<string> RetryableCodes = ThrottlingCodes.Union(TransientCodes).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Gets a value indicating whether an error code names throttling (as opposed to a transient fault).</summary>
    public static bool IsThrottlingErrorCode(string? code) => code is not null && ThrottlingCodes.Contains(code);

    /// <summary>Gets a value indicating whether an error code names throttling or a transient server fault.</summary>
    public static bool IsRetryableErrorCode(string? code) => code is not null && RetryableCodes.Contains(code);

    /// <summary>Gets a value indicating whether an HTTP status is a transient server fault (500, 502, 503, 504).</summary>
    public static bool IsRetryableStatus(HttpStatusCode status)
        => status is HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    /// <summary>
    /// Gets a value indicating whether an attempt that failed with <paramref name="failure"/> is retried: an answer
    /// with a retryable status or code, or a transport failure (see <see cref="IsTransportFailure"/>).
    /// </summary>
    public static bool IsRetryable(Exception failure, CancellationToken callerToken)
        => failure is CloudMapException answer
            ? (answer.StatusCode is { } status && IsRetryableStatus(status)) || IsRetryableErrorCode(answer.ErrorCode)
            : IsTransportFailure(failure, callerToken);

    /// <summary>Gets a value indicating whether <paramref name="failure"/> is an answer that says "slow down".</summary>
    public static bool IsThrottling(Exception failure) => failure is CloudMapException answer && IsThrottlingErrorCode(answer.ErrorCode);

    /// <summary>
    /// Gets a value indicating whether <paramref name="failure"/> means "no answer": the attempt timed out, or the
    /// connection failed (refused, reset, dropped) while the caller still wanted the answer.
    /// </summary>
    public static bool IsTransportFailure(Exception failure, CancellationToken callerToken)
        => failure switch
        {
            TimeoutRejectedException => true,
            OperationCanceledException => false,
            HttpRequestException or IOException => !callerToken.IsCancellationRequested,
            _ => false,
        };
}
