// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Internal.Cleanup;

/// <summary>Log messages of proof of life (the answering side and the prober): ids 1080–1089.</summary>
internal static partial class ProofOfLifeLog
{
    [LoggerMessage(EventId = 1080, EventName = "ProofOfLifeAdvertised", Level = LogLevel.Debug,
        Message = "Instance '{InstanceId}' in service '{ServiceId}' advertises proof of life ({Scheme}); peers can verify it is alive and remove it if it crashes.")]
    public static partial void Advertised(ILogger logger, string instanceId, string serviceId, string scheme);

    [LoggerMessage(EventId = 1081, EventName = "ProofOfLifeNotAdvertised", Level = LogLevel.Information,
        Message = "Instance '{InstanceId}' in service '{ServiceId}' does not advertise proof of life: {Reason}. Peers never judge it, so its registration is not cleaned up if the process crashes.")]
    public static partial void NotAdvertised(ILogger logger, string instanceId, string serviceId, string reason);
}
