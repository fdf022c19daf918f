// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Platform;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Internal;

/// <summary>Log messages of platform identity and evidence (<c>.Platform.cs</c>): ids 1140–1149 (1140 is the identity resolver's).</summary>
internal sealed partial class CloudMapRegistrationService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1141, EventName = "PlatformIdentityFound", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}' carries its platform identity (from {IdentitySource}): {PlatformAttributes}.")]
        public static partial void PlatformIdentityFound(ILogger logger, string registration, string identitySource, string platformAttributes);

        [LoggerMessage(EventId = 1142, EventName = "PlatformAttributesDropped", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': the platform attributes {Keys} do not fit Cloud Map's attribute quotas (30 attributes, 5000 characters) with the custom Attributes and are left out; peers cannot ask the platform about this instance.")]
        public static partial void PlatformAttributesDropped(ILogger logger, string registration, string keys);

        [LoggerMessage(EventId = 1143, EventName = "CleanupRemovedByPlatform", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': removed instance '{PeerInstanceId}' ({PeerAddress}:{PeerPort}, owner {OwnerPrefix}…) from service '{ServiceId}' as dead on the platform's word: {PlatformEvidence}, {PlatformDeadCount} answers in a row since {DeadSince:o}; probes: gone {GoneCount} times, {UnknownCount} telling nothing; last proof of life: {LastAlive}.")]
        public static partial void CleanupRemovedByPlatform(
            ILogger logger, string registration, string peerInstanceId, IPAddress peerAddress, int peerPort, string ownerPrefix, string serviceId,
            string platformEvidence, int platformDeadCount, DateTimeOffset deadSince, int goneCount, int unknownCount, string lastAlive);

        [LoggerMessage(EventId = 1144, EventName = "PlatformEvidenceUnavailable", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': the platform cannot be asked about peers ({Failure}); crash cleanup falls back to the probes until it answers (check the ecs:DescribeTasks / ec2:DescribeInstances permissions and endpoints). Said once until it recovers.")]
        public static partial void PlatformEvidenceUnavailable(ILogger logger, string registration, string failure);

        [LoggerMessage(EventId = 1145, EventName = "PlatformEvidenceRecovered", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': the platform answers again; its evidence joins crash cleanup.")]
        public static partial void PlatformEvidenceRecovered(ILogger logger, string registration);

        [LoggerMessage(EventId = 1146, EventName = "PlatformVerdict", Level = LogLevel.Debug,
            Message = "Cloud Map registration '{Registration}': the platform says instance '{PeerInstanceId}' is {PlatformState}: {PlatformEvidence}.")]
        public static partial void PlatformVerdict(ILogger logger, string registration, string peerInstanceId, PlatformState platformState, string platformEvidence);
    }
}
