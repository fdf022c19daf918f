// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// The names of the library's telemetry, in one place: one <see cref="ActivitySource"/> and one Meter, both named
/// <see cref="Name"/>, the client's instruments, and every tag (attribute) key and value the client writes.
/// </summary>
/// <remarks>
/// <para>
/// One Cloud Map API request is one span and one count, made by <see cref="CloudMapCallPipeline"/> where the request
/// is made (a paged listing makes one request per page). The span follows OpenTelemetry's semantic conventions for
/// AWS SDK calls, so a Cloud Map call made by this library looks like one made by the official SDK: name
/// <c>ServiceDiscovery.&lt;Operation&gt;</c>, kind Client, <c>rpc.system</c> = <c>aws-api</c>, <c>rpc.service</c>,
/// <c>rpc.method</c>, <c>aws.request_id</c>, <c>cloud.region</c>, <c>server.address</c>/<c>server.port</c>,
/// <c>error.type</c> and status Error on failure. Retries are events on that span, never nested spans.
/// </para>
/// <para>
/// <see cref="OutcomeTag"/> has one meaning wherever it appears: how the call ended, once, after its retries.
/// <see cref="OutcomeSuccess"/> — Cloud Map answered with success; <see cref="OutcomeError"/> — the call ended in an
/// error (an error answer, no answer, an answer that could not be read, no credentials; <see cref="ErrorTypeTag"/>
/// names it); <see cref="OutcomeCanceled"/> — the caller cancelled it before it ended (<see cref="ErrorTypeTag"/> is
/// <see cref="ErrorTypeCanceled"/>). <see cref="ErrorTypeTag"/> is present exactly when the outcome is not success.
/// </para>
/// </remarks>
internal static class CloudMapTelemetry
{
    /// <summary>The ActivitySource and Meter name.</summary>
    public const string Name = "CloudMap.Lifecycle";

    /// <summary>The AWS SDKs' service name of Cloud Map (<c>rpc.service</c>, and the first half of a span name).</summary>
    public const string ServiceName = "ServiceDiscovery";

    /// <summary>The value of <see cref="RpcSystemTag"/> for AWS API calls.</summary>
    public const string RpcSystemAwsApi = "aws-api";

    /// <summary>Counter of Cloud Map API calls: one per request sent (retries included in the one), after it ended.</summary>
    public const string ClientRequestsInstrument = "cloudmap.client.requests";

    /// <summary>Histogram of Cloud Map API call durations in seconds, from the first attempt to the end, retries and backoff included.</summary>
    public const string ClientRequestDurationInstrument = "cloudmap.client.request.duration";

    /// <summary>Counter of retries: attempts that failed and were followed by another attempt.</summary>
    public const string ClientRetriesInstrument = "cloudmap.client.retries";

    /// <summary>Span attribute and metric tag: <see cref="RpcSystemAwsApi"/>.</summary>
    public const string RpcSystemTag = "rpc.system";

    /// <summary>Span attribute and metric tag: <see cref="ServiceName"/>.</summary>
    public const string RpcServiceTag = "rpc.service";

    /// <summary>Span attribute and metric tag: the Cloud Map operation, such as <c>RegisterInstance</c>.</summary>
    public const string RpcMethodTag = "rpc.method";

    /// <summary>Span attribute and metric tag: see the remarks of <see cref="CloudMapTelemetry"/>.</summary>
    public const string OutcomeTag = "cloudmap.outcome";

    /// <summary>Span attribute and metric tag: the error code of a failed call (<c>ThrottlingException</c>, <c>RequestFailed</c>, ...), the exception type name for other failures, or <see cref="ErrorTypeCanceled"/>.</summary>
    public const string ErrorTypeTag = "error.type";

    /// <summary>Span attribute (and retry event attribute): the AWS request id of the last answer received.</summary>
    public const string RequestIdTag = "aws.request_id";

    /// <summary>Span attribute: the AWS region requests are signed for.</summary>
    public const string CloudRegionTag = "cloud.region";

    /// <summary>Span attribute: the host requests are sent to.</summary>
    public const string ServerAddressTag = "server.address";

    /// <summary>Span attribute: the port requests are sent to.</summary>
    public const string ServerPortTag = "server.port";

    /// <summary>Span attribute (and retry event attribute): the HTTP status of the last answer received.</summary>
    public const string HttpStatusCodeTag = "http.response.status_code";

    /// <summary>Span attribute: how many attempts the call made (1 when it was not retried).</summary>
    public const string AttemptsTag = "cloudmap.attempts";

    /// <summary>Retry event attribute: the number of the attempt that failed (1 is the first).</summary>
    public const string AttemptTag = "cloudmap.attempt";

    /// <summary>Retry event attribute: the backoff before the next attempt, in seconds.</summary>
    public const string RetryDelayTag = "cloudmap.retry.delay";

    /// <summary>Helper span attribute: the id of the operation <c>WaitForOperation</c> polls.</summary>
    public const string OperationIdTag = "cloudmap.operation.id";

    /// <summary>Helper span attribute: the status <c>WaitForOperation</c> last saw.</summary>
    public const string OperationStatusTag = "cloudmap.operation.status";

    /// <summary>Helper span attribute: how many GetOperation calls <c>WaitForOperation</c> made.</summary>
    public const string PollsTag = "cloudmap.polls";

    /// <summary>Helper span attribute: the namespace name <c>ResolveService</c> looks in.</summary>
    public const string NamespaceNameTag = "cloudmap.namespace.name";

    /// <summary>Helper span attribute: the service name (or id/ARN) <c>ResolveService</c> looks for.</summary>
    public const string ServiceTag = "cloudmap.service";

    /// <summary>The name of the event added to a call's span for each retry.</summary>
    public const string RetryEventName = "cloudmap.retry";

    /// <summary>The name of the span around the polls of <c>WaitForOperation</c> (a parent of its GetOperation spans).</summary>
    public const string WaitForOperationSpanName = "CloudMap.Lifecycle WaitForOperation";

    /// <summary>The name of the span around the calls of <c>ResolveService</c> (a parent of its API call spans).</summary>
    public const string ResolveServiceSpanName = "CloudMap.Lifecycle ResolveService";

    /// <summary>Outcome of a call that succeeded.</summary>
    public const string OutcomeSuccess = "success";

    /// <summary>Outcome of a call that ended in an error.</summary>
    public const string OutcomeError = "error";

    /// <summary>Outcome of a call cancelled by its caller.</summary>
    public const string OutcomeCanceled = "canceled";

    /// <summary>The <see cref="ErrorTypeTag"/> of a call cancelled by its caller.</summary>
    public const string ErrorTypeCanceled = "canceled";

    /// <summary>The <see cref="ErrorTypeTag"/> of a retry event after an attempt that got no answer in time.</summary>
    public const string ErrorTypeAttemptTimeout = "timeout";

    /// <summary>The library's one ActivitySource; the lifecycle's own spans use it too.</summary>
    public static readonly ActivitySource ActivitySource = new(Name, typeof(CloudMapTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>The span name of one API call, in the convention's <c>Service.Operation</c> form: <c>ServiceDiscovery.RegisterInstance</c>.</summary>
    public static string SpanName(string operation) => ServiceName + "." + operation;
}
