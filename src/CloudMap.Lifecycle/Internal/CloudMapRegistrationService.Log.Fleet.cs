// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Internal;

/// <summary>Log messages of the fleet-scale stop (issue 15): one call per deregistration where it can, confirmed after the drain.</summary>
internal sealed partial class CloudMapRegistrationService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1151, EventName = "DeregistrationOperationSeen", Level = LogLevel.Debug,
            Message = "Cloud Map registration '{Registration}': DeregisterInstance operation '{OperationId}' is {Status} after the drain.")]
        public static partial void DeregistrationOperationSeen(ILogger logger, string registration, string operationId, CloudMapOperationStatus status);

        [LoggerMessage(EventId = 1153, EventName = "DeregistrationOperationUnread", Level = LogLevel.Debug,
            Message = "Cloud Map registration '{Registration}': DeregisterInstance operation '{OperationId}' could not be read after the drain; it was accepted, and Cloud Map completes accepted operations.")]
        public static partial void DeregistrationOperationUnread(ILogger logger, string registration, string operationId, Exception exception);

        [LoggerMessage(EventId = 1154, EventName = "StopBudgetShortForService", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': service '{ServiceId}' will hold {Instances} instances with this one; if they all stop at once, the deregistration timeout of {TimeoutSeconds:0.###} s supports {Supported} of them at an assumed {Rate} control-plane requests/s and {Calls} calls per stop ({TimeoutSeconds:0.###} s × {Rate}/s ÷ {Calls} = {Supported}; all of them need {NeededSeconds:0.#} s). Cloud Map does not publish its limits; raise {Key} (and the host's shutdown timeout) or stop the fleet in batches.")]
        public static partial void StopBudgetShortForService(ILogger logger, string registration, string serviceId, int instances, double timeoutSeconds, double rate, int calls, long supported, double neededSeconds, string key);

        [LoggerMessage(EventId = 1155, EventName = "StartupJitter", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': waiting {DelaySeconds:0.###} s (a random part of {Key}, {JitterSeconds:0.###} s) before the first Cloud Map call.")]
        public static partial void StartupJitter(ILogger logger, string registration, double delaySeconds, string key, double jitterSeconds);

        [LoggerMessage(EventId = 1152, EventName = "DeregistrationOperationFailed", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': DeregisterInstance operation '{OperationId}' of instance '{InstanceId}' failed ({ErrorCode}); deregistering again within the {Seconds:0.###} s left of the deregistration timeout.")]
        public static partial void DeregistrationOperationFailed(ILogger logger, string registration, string instanceId, string operationId, string errorCode, double seconds);
    }
}
