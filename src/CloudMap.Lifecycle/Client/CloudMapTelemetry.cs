// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;

namespace CloudMap.Lifecycle.Client;

/// <summary>Names of the library's telemetry: one ActivitySource and one Meter, both named <see cref="Name"/>.</summary>
internal static class CloudMapTelemetry
{
    /// <summary>The ActivitySource and Meter name.</summary>
    public const string Name = "CloudMap.Lifecycle";

    /// <summary>Counter of Cloud Map API calls (after retries), tagged by operation and outcome.</summary>
    public const string ClientRequestsInstrument = "cloudmap.client.requests";

    /// <summary>Histogram of Cloud Map API call durations in seconds, retries and backoff included.</summary>
    public const string ClientRequestDurationInstrument = "cloudmap.client.request.duration";

    /// <summary>Counter of retried Cloud Map attempts, tagged by operation.</summary>
    public const string ClientRetriesInstrument = "cloudmap.client.retries";

    /// <summary>Tag: the Cloud Map operation name, such as <c>RegisterInstance</c>.</summary>
    public const string OperationTag = "cloudmap.operation";

    /// <summary>Tag: <see cref="OutcomeSuccess"/>, <see cref="OutcomeError"/> or <see cref="OutcomeCanceled"/>.</summary>
    public const string OutcomeTag = "cloudmap.outcome";

    /// <summary>Tag: the error code of a failed call (semantic convention <c>error.type</c>).</summary>
    public const string ErrorTypeTag = "error.type";

    /// <summary>Tag: the AWS request id of the last answer.</summary>
    public const string RequestIdTag = "aws.request_id";

    /// <summary>Outcome of a call that succeeded.</summary>
    public const string OutcomeSuccess = "success";

    /// <summary>Outcome of a call that ended in a <see cref="CloudMapException"/>.</summary>
    public const string OutcomeError = "error";

    /// <summary>Outcome of a call cancelled by its caller.</summary>
    public const string OutcomeCanceled = "canceled";

    /// <summary>The library's ActivitySource.</summary>
    public static readonly ActivitySource ActivitySource = new(Name, typeof(CloudMapTelemetry).Assembly.GetName().Version?.ToString());
}
