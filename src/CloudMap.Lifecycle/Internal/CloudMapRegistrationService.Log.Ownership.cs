// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Internal;

/// <summary>Log messages of the ownership and vanish watch (<c>.Ownership.cs</c>): ids 1037–1039 and 1070–1079.</summary>
internal sealed partial class CloudMapRegistrationService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1037, EventName = "Superseded", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': instance '{InstanceId}' in service '{ServiceId}' was taken over by another process (owner '{Owner}'); this process stops reporting health for it, will not deregister it, and registers again only if that registration disappears.")]
        public static partial void Superseded(ILogger logger, string registration, string instanceId, string serviceId, string owner);

        [LoggerMessage(EventId = 1038, EventName = "SupersedingRegistrationVanished", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': instance '{InstanceId}', registered by another process (owner '{Owner}'), disappeared from service '{ServiceId}'; registering this process again.")]
        public static partial void SupersedingRegistrationVanished(ILogger logger, string registration, string instanceId, string owner, string serviceId);

        [LoggerMessage(EventId = 1039, EventName = "RegistrationVerified", Level = LogLevel.Debug,
            Message = "Cloud Map registration '{Registration}': service '{ServiceId}' changed (revision {Revision}); instance '{InstanceId}' is still registered and ours.")]
        public static partial void RegistrationVerified(ILogger logger, string registration, string serviceId, long revision, string instanceId);

        [LoggerMessage(EventId = 1070, EventName = "RevisionWatchUnavailable", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': cannot read the revision of service '{ServiceId}' (DiscoverInstancesRevision): {Error}. A registration removed or taken over behind this process's back is noticed late: at the next status change, or after up to {Seconds:0.###} s (Health:ReassertInterval; a takeover only without custom health). Allow servicediscovery:DiscoverInstancesRevision and servicediscovery:DiscoverInstances to notice both within two health intervals.")]
        public static partial void RevisionWatchUnavailable(ILogger logger, string registration, string serviceId, string error, double seconds);

        [LoggerMessage(EventId = 1071, EventName = "OwnershipCheckFailed", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': checking that instance '{InstanceId}' is still registered and ours failed: {Error}; checking again on the next cycle.")]
        public static partial void OwnershipCheckFailed(ILogger logger, string registration, string instanceId, string error, Exception? exception);
    }
}
