// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Internal;

/// <summary>Log messages of the stop path's budget (1052–1059; the shutdown range 1040s continues here).</summary>
internal sealed partial class CloudMapRegistrationService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1052, EventName = "BackgroundWorkAbandoned", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': the background work (phase {Phase}) did not end within {Seconds:0.###} s of the stop (a health check or a call that ignores cancellation?); going on without it.")]
        public static partial void BackgroundWorkAbandoned(ILogger logger, string registration, CloudMapRegistrationPhase phase, double seconds);

        [LoggerMessage(EventId = 1053, EventName = "DeregisteredAnswerLost", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': instance '{InstanceId}' is gone after a DeregisterInstance whose answer was lost; it was applied.")]
        public static partial void DeregisteredAnswerLost(ILogger logger, string registration, string instanceId);

        [LoggerMessage(EventId = 1054, EventName = "DeregistrationUnconfirmed", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': DeregisterInstance of instance '{InstanceId}' was accepted (operation '{OperationId}', last seen {Status}) but had not finished by the end of the deregistration timeout (or of the drain); Cloud Map completes accepted operations, so it is taken as removed.")]
        public static partial void DeregistrationUnconfirmed(ILogger logger, string registration, string instanceId, string operationId, string status);

        [LoggerMessage(EventId = 1055, EventName = "PendingRegistrationUnknown", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': RegisterInstance operation '{OperationId}' cannot be read ({Error}); it may have succeeded, so deregistering anyway.")]
        public static partial void PendingRegistrationUnknown(ILogger logger, string registration, string operationId, string error);

        [LoggerMessage(EventId = 1056, EventName = "DrainSkipped", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': no drain, nothing of ours was discoverable ({Reason}).")]
        public static partial void DrainSkipped(ILogger logger, string registration, string reason);

        [LoggerMessage(EventId = 1057, EventName = "ExitCodeSet", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': the process exit code is set to {ExitCode}: {Reason}.")]
        public static partial void ExitCodeSet(ILogger logger, string registration, int exitCode, string reason);
    }
}
