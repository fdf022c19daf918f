// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// The client's log events, one table: ids 2000–2099 belong to the client (the lifecycle uses 1000–1999).
/// Never log credentials, signatures or request headers.
/// </summary>
internal static partial class CloudMapClientLog
{
    [LoggerMessage(EventId = 2000, EventName = "CloudMapEndpointResolved", Level = LogLevel.Information,
        Message = "Cloud Map client signs for region '{Region}' and calls '{ControlPlane}' (data plane '{DataPlane}').")]
    public static partial void EndpointResolved(ILogger logger, string region, Uri controlPlane, Uri dataPlane);

    [LoggerMessage(EventId = 2001, EventName = "CloudMapRetrying", Level = LogLevel.Information,
        Message = "Cloud Map call '{Operation}' will be retried (retry {Retry}) after '{Reason}', in {Delay}.")]
    public static partial void Retrying(ILogger logger, string operation, int retry, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 2002, EventName = "CloudMapCallFailed", Level = LogLevel.Warning,
        Message = "Cloud Map call '{Operation}' failed with '{ErrorCode}' (HTTP {StatusCode}, request id '{RequestId}'): {Detail}")]
    public static partial void CallFailed(ILogger logger, string operation, string errorCode, int? statusCode, string? requestId, string detail);
}
