// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Internal;

/// <summary>Log messages of crash cleanup's sweep (<c>.Cleanup.cs</c>): ids 1110–1129.</summary>
internal sealed partial class CloudMapRegistrationService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1110, EventName = "CleanupRemoved", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': removed instance '{PeerInstanceId}' ({PeerAddress}:{PeerPort}, owner {OwnerPrefix}…) from service '{ServiceId}' as dead: its address was found gone {GoneCount} times ({RefusedCount} refused, {ForeignCount} answered without its proof of life; last: {LastDetail}) from {FirstGone:o} to {LastGone:o} ({SpanSeconds:0.#} s), {UnknownCount} probes telling nothing; last proof of life: {LastAlive}.")]
        public static partial void CleanupRemoved(
            ILogger logger, string registration, string peerInstanceId, IPAddress peerAddress, int peerPort, string ownerPrefix, string serviceId,
            int goneCount, int refusedCount, int foreignCount, string lastDetail, DateTimeOffset firstGone, DateTimeOffset lastGone, double spanSeconds,
            int unknownCount, string lastAlive);

        [LoggerMessage(EventId = 1111, EventName = "CleanupHeld", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': {LookingDead} of the {Watched} peers this instance watches look dead at once; it may be the one cut off, so crash cleanup removes nothing until fewer do (self-preservation).")]
        public static partial void CleanupHeld(ILogger logger, string registration, int lookingDead, int watched);

        [LoggerMessage(EventId = 1112, EventName = "CleanupReleased", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': {LookingDead} of the {Watched} watched peers look dead; crash cleanup resumes.")]
        public static partial void CleanupReleased(ILogger logger, string registration, int lookingDead, int watched);

        [LoggerMessage(EventId = 1113, EventName = "CleanupLeftAlone", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': instance '{PeerInstanceId}' in service '{ServiceId}' looked dead but is left alone: {Reason}.")]
        public static partial void CleanupLeftAlone(ILogger logger, string registration, string peerInstanceId, string serviceId, string reason);

        [LoggerMessage(EventId = 1114, EventName = "CleanupSweep", Level = LogLevel.Debug,
            Message = "Cloud Map registration '{Registration}': cleanup sweep: {Members} verifiable peers of {Instances} instances, {Watched} watched; probes: {Alive} alive, {Refused} refused, {Foreign} foreign, {Unknown} unknown; {Removable} with enough evidence, {Removed} removed (at most {Cap}){HeldText}.")]
        public static partial void CleanupSweep(
            ILogger logger, string registration, int members, int instances, int watched, int alive, int refused, int foreign, int unknown,
            int removable, int removed, int cap, string heldText);

        [LoggerMessage(EventId = 1115, EventName = "CleanupSweepSkipped", Level = LogLevel.Debug,
            Message = "Cloud Map registration '{Registration}': no cleanup sweep: {Reason}.")]
        public static partial void CleanupSweepSkipped(ILogger logger, string registration, string reason);

        [LoggerMessage(EventId = 1116, EventName = "CleanupRemovalFailed", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': removing dead instance '{PeerInstanceId}' from service '{ServiceId}' failed: {Error}; the next sweep tries again.")]
        public static partial void CleanupRemovalFailed(ILogger logger, string registration, string peerInstanceId, string serviceId, string error, Exception? exception);

        [LoggerMessage(EventId = 1117, EventName = "CleanupSweepFailed", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': a cleanup sweep failed: {Error}; the next sweep tries again (further failures in a row are logged at Debug, event 1118).")]
        public static partial void CleanupSweepFailed(ILogger logger, string registration, string error, Exception? exception);

        [LoggerMessage(EventId = 1118, EventName = "CleanupSweepStillFailing", Level = LogLevel.Debug,
            Message = "Cloud Map registration '{Registration}': the cleanup sweep failed again: {Error}.")]
        public static partial void CleanupSweepStillFailing(ILogger logger, string registration, string error, Exception? exception);

        [LoggerMessage(EventId = 1119, EventName = "CleanupStarted", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': crash cleanup is on: about every {IntervalSeconds:0.###} s this instance probes up to {WatchedPeers} peers of service '{ServiceId}' and removes one after {Failures} probes over at least {SpanSeconds:0.###} s found it gone.")]
        public static partial void CleanupStarted(ILogger logger, string registration, double intervalSeconds, int watchedPeers, string serviceId, int failures, double spanSeconds);

        [LoggerMessage(EventId = 1120, EventName = "CleanupUnavailable", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': crash cleanup does not run: {Reason}.")]
        public static partial void CleanupUnavailable(ILogger logger, string registration, string reason);
    }
}
