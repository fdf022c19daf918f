// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Janitor;

/// <summary>The janitor's log: one line per decision, with its evidence. Event ids 4000–4049.</summary>
internal sealed partial class JanitorEngine
{
    internal static partial class Log
    {
        [LoggerMessage(EventId = 4000, EventName = "JanitorStarting", Level = LogLevel.Information,
            Message = "cloudmap-janitor {Mode}: {Targets} in {Region}; at most {MaxPerSweep} removals per sweep, confirmed after {ConfirmSeconds} s{DryRun}.")]
        public static partial void Starting(ILogger logger, string mode, string targets, string region, int maxPerSweep, double confirmSeconds, string dryRun);

        [LoggerMessage(EventId = 4001, EventName = "UnhealthyTasksRuleOn", Level = LogLevel.Information,
            Message = "--deregister-unhealthy-tasks: in services without any health check, ECS tasks that ECS reports UNHEALTHY, DEACTIVATING or STOPPING are deregistered too.")]
        public static partial void UnhealthyTasksRuleOn(ILogger logger);

        [LoggerMessage(EventId = 4002, EventName = "InstanceRemoved", Level = LogLevel.Warning,
            Message = "Removed instance '{InstanceId}' from service '{ServiceName}' ({ServiceId}): {Reason}; first answer: {Evidence}; second answer: {Confirmation}.")]
        public static partial void Removed(ILogger logger, string instanceId, string serviceName, string serviceId, string reason, string evidence, string confirmation);

        [LoggerMessage(EventId = 4003, EventName = "InstanceWouldBeRemoved", Level = LogLevel.Information,
            Message = "Dry run: would remove instance '{InstanceId}' from service '{ServiceName}' ({ServiceId}): {Reason}; {Evidence}.")]
        public static partial void WouldRemove(ILogger logger, string instanceId, string serviceName, string serviceId, string reason, string evidence);

        [LoggerMessage(EventId = 4004, EventName = "InstanceKept", Level = LogLevel.Information,
            Message = "Kept instance '{InstanceId}' of service '{ServiceName}': {Evidence}.")]
        public static partial void Kept(ILogger logger, string instanceId, string serviceName, string evidence);

        [LoggerMessage(EventId = 4005, EventName = "InstanceLeftAlone", Level = LogLevel.Information,
            Message = "Left instance '{InstanceId}' of service '{ServiceName}' alone: {Why}.")]
        public static partial void LeftAlone(ILogger logger, string instanceId, string serviceName, string why);

        [LoggerMessage(EventId = 4006, EventName = "InstanceHeldBack", Level = LogLevel.Warning,
            Message = "Held back the removal of instance '{InstanceId}' of service '{ServiceName}' ({Reason}; {Evidence}): {Limit}.")]
        public static partial void HeldBack(ILogger logger, string instanceId, string serviceName, string reason, string evidence, string limit);

        [LoggerMessage(EventId = 4007, EventName = "RemovalNotConfirmed", Level = LogLevel.Information,
            Message = "Did not remove instance '{InstanceId}' of service '{ServiceName}': {Why}.")]
        public static partial void NotConfirmed(ILogger logger, string instanceId, string serviceName, string why);

        [LoggerMessage(EventId = 4008, EventName = "RemovalFailed", Level = LogLevel.Error,
            Message = "Could not remove instance '{InstanceId}' of service '{ServiceName}': {Error}.")]
        public static partial void RemovalFailed(ILogger logger, string instanceId, string serviceName, string error);

        [LoggerMessage(EventId = 4009, EventName = "ServiceFailed", Level = LogLevel.Error,
            Message = "Could not sweep service '{ServiceName}' ({ServiceId}): {Error}.")]
        public static partial void ServiceFailed(ILogger logger, string serviceName, string serviceId, string error);

        [LoggerMessage(EventId = 4010, EventName = "ListingFailed", Level = LogLevel.Error,
            Message = "Could not find the services to sweep: {Error}.")]
        public static partial void ListingFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 4011, EventName = "PlatformUnavailable", Level = LogLevel.Warning,
            Message = "The platform did not answer about every instance of service '{ServiceName}' ({Failure}); those instances are left alone.")]
        public static partial void PlatformUnavailable(ILogger logger, string serviceName, string failure);

        [LoggerMessage(EventId = 4012, EventName = "SweepCompleted", Level = LogLevel.Information,
            Message = "Sweep done{DryRun}: {Services} services, {Instances} instances; removed {Removed}, would remove {WouldRemove}, held back {Held}, kept {Kept}, left alone {LeftAlone}, failures {Failures}; exit code {ExitCode}.")]
        public static partial void SweepCompleted(ILogger logger, string dryRun, int services, int instances, int removed, int wouldRemove, int held, int kept, int leftAlone, int failures, int exitCode);

        [LoggerMessage(EventId = 4013, EventName = "SweepInterrupted", Level = LogLevel.Warning,
            Message = "The sweep was stopped before it finished (a signal); the removals under way were finished, no other was begun.")]
        public static partial void SweepInterrupted(ILogger logger);

        [LoggerMessage(EventId = 4014, EventName = "SweepFailed", Level = LogLevel.Error,
            Message = "The sweep failed unexpectedly; the next one runs at the interval.")]
        public static partial void SweepFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 4015, EventName = "JanitorMisconfigured", Level = LogLevel.Error,
            Message = "{Problem}")]
        public static partial void Misconfigured(ILogger logger, string problem);

        [LoggerMessage(EventId = 4016, EventName = "JanitorStopping", Level = LogLevel.Information,
            Message = "Stopping between sweeps (a signal).")]
        public static partial void Stopping(ILogger logger);
    }
}
