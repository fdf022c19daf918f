// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Client;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// Log messages of the registration lifecycle. Event ids are stable (1000–1999) and tell the story at Information
/// level: 1000s start-up, 1010s readiness, 1020s registration, 1030s running health, 1040s shutdown, 1090s errors.
/// </summary>
internal sealed partial class CloudMapRegistrationService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1000, EventName = "RegistrationDisabled", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}' is disabled ({KeyPrefix}:Enabled is false); nothing will be sent.")]
        public static partial void RegistrationDisabled(ILogger logger, string registration, string keyPrefix);

        [LoggerMessage(EventId = 1001, EventName = "ShutdownBudgetExceeded", Level = LogLevel.Warning,
            Message = "{Message}")]
        public static partial void ShutdownBudgetExceeded(ILogger logger, string message);

        [LoggerMessage(EventId = 1002, EventName = "TargetResolved", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}' will register instance '{InstanceId}' at {Address}:{Port} in service '{ServiceId}' (health check: {HealthCheckKind}; identity from: {IdentitySource}).")]
        public static partial void TargetResolved(ILogger logger, string registration, string instanceId, IPAddress address, int port, string serviceId, ServiceHealthCheckKind healthCheckKind, string identitySource);

        [LoggerMessage(EventId = 1003, EventName = "ResolveFailed", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}' could not resolve its service (attempt {Attempt}): {Error}; retrying.")]
        public static partial void ResolveFailed(ILogger logger, string registration, int attempt, string error, Exception? exception);

        [LoggerMessage(EventId = 1004, EventName = "ConfigurationProblem", Level = LogLevel.Error,
            Message = "Cloud Map registration '{Registration}' cannot register: {Problem}")]
        public static partial void ConfigurationProblem(ILogger logger, string registration, string problem);

        [LoggerMessage(EventId = 1005, EventName = "ConfigurationProblemRetrying", Level = LogLevel.Error,
            Message = "Cloud Map registration '{Registration}' cannot resolve its service (attempt {Attempt}): {Problem} Retrying with backoff until it is fixed.")]
        public static partial void ConfigurationProblemRetrying(ILogger logger, string registration, int attempt, string problem);

        [LoggerMessage(EventId = 1006, EventName = "LoopbackAddress", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': the host has no non-loopback IPv4 interface and the server is not bound to a specific address; registering {Address}, which only this host can reach. Set {KeyPrefix}:Address to register another address.")]
        public static partial void LoopbackAddress(ILogger logger, string registration, IPAddress address, string keyPrefix);

        [LoggerMessage(EventId = 1010, EventName = "WaitingForReadiness", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}' is waiting for the readiness checks (tag '{Tag}') to pass {ConsecutiveSuccesses} times in a row.")]
        public static partial void WaitingForReadiness(ILogger logger, string registration, string tag, int consecutiveSuccesses);

        [LoggerMessage(EventId = 1011, EventName = "ReadinessPassed", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': the application is ready after {Seconds:0.###} s.")]
        public static partial void ReadinessPassed(ILogger logger, string registration, double seconds);

        [LoggerMessage(EventId = 1012, EventName = "ReadinessTimedOutWaiting", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': the application is still not ready after {Seconds:0.###} s; still waiting before registering.")]
        public static partial void ReadinessTimedOutWaiting(ILogger logger, string registration, double seconds);

        [LoggerMessage(EventId = 1013, EventName = "ReadinessTimedOutStopping", Level = LogLevel.Error,
            Message = "Cloud Map registration '{Registration}': the application did not become ready within {Seconds:0.###} s; stopping the application.")]
        public static partial void ReadinessTimedOutStopping(ILogger logger, string registration, double seconds);

        [LoggerMessage(EventId = 1014, EventName = "StoppedBeforeRegistration", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': the host is stopping before anything was registered (the target was being resolved or the readiness checks had not passed).")]
        public static partial void StoppedBeforeRegistration(ILogger logger, string registration);

        [LoggerMessage(EventId = 1015, EventName = "HealthCheckThrew", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': running the health checks failed; counted as unhealthy.")]
        public static partial void HealthCheckThrew(ILogger logger, string registration, Exception exception);

        [LoggerMessage(EventId = 1020, EventName = "Registering", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': registering instance '{InstanceId}' in service '{ServiceId}'.")]
        public static partial void Registering(ILogger logger, string registration, string instanceId, string serviceId);

        [LoggerMessage(EventId = 1021, EventName = "Registered", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': registered instance '{InstanceId}' in service '{ServiceId}' at {Address}:{Port}.")]
        public static partial void Registered(ILogger logger, string registration, string instanceId, string serviceId, IPAddress address, int port);

        [LoggerMessage(EventId = 1022, EventName = "RegistrationAttemptFailed", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': registration attempt {Attempt} failed: {Error}; retrying with backoff.")]
        public static partial void RegistrationAttemptFailed(ILogger logger, string registration, int attempt, string error, Exception? exception);

        [LoggerMessage(EventId = 1023, EventName = "DuplicateRequest", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': {Operation} answered DuplicateRequest; waiting for operation '{OperationId}' first.")]
        public static partial void DuplicateRequest(ILogger logger, string registration, string operation, string operationId);

        [LoggerMessage(EventId = 1024, EventName = "ResumingRegistration", Level = LogLevel.Debug,
            Message = "Cloud Map registration '{Registration}': RegisterInstance for instance '{InstanceId}' was accepted (operation '{OperationId}') but its outcome was not read; reading it again instead of registering again.")]
        public static partial void ResumingRegistration(ILogger logger, string registration, string instanceId, string operationId);

        [LoggerMessage(EventId = 1030, EventName = "HealthChanged", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': the application is now {Status} ({Threshold} results in a row).")]
        public static partial void HealthChanged(ILogger logger, string registration, CloudMapHealthStatus status, int threshold);

        [LoggerMessage(EventId = 1031, EventName = "HealthPushed", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': pushed custom health status {Status} ({Reason}).")]
        public static partial void HealthPushed(ILogger logger, string registration, CloudMapHealthStatus status, string reason);

        [LoggerMessage(EventId = 1032, EventName = "HealthCycleFailed", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': reflecting the running health in Cloud Map failed: {Error}; retrying on the next cycle.")]
        public static partial void HealthCycleFailed(ILogger logger, string registration, string error, Exception? exception);

        [LoggerMessage(EventId = 1033, EventName = "InstanceNotPropagatedYet", Level = LogLevel.Debug,
            Message = "Cloud Map registration '{Registration}': instance '{InstanceId}' is not found yet right after registering; retrying on the next cycle.")]
        public static partial void InstanceNotPropagatedYet(ILogger logger, string registration, string instanceId);

        [LoggerMessage(EventId = 1034, EventName = "RegistrationVanished", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': instance '{InstanceId}' disappeared from service '{ServiceId}'; registering it again.")]
        public static partial void RegistrationVanished(ILogger logger, string registration, string instanceId, string serviceId);

        [LoggerMessage(EventId = 1035, EventName = "CustomHealthNotFound", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': service '{ServiceId}' has no custom health check (CustomHealthNotFound); switching to {Mode}.")]
        public static partial void CustomHealthNotFound(ILogger logger, string registration, string serviceId, HealthReportingMode mode);

        [LoggerMessage(EventId = 1036, EventName = "DeregisteredWhileUnhealthy", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': deregistered instance '{InstanceId}' while it is unhealthy; it is registered again once healthy.")]
        public static partial void DeregisteredWhileUnhealthy(ILogger logger, string registration, string instanceId);

        [LoggerMessage(EventId = 1040, EventName = "Deregistering", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': the host is stopping; deregistering instance '{InstanceId}' from service '{ServiceId}'.")]
        public static partial void Deregistering(ILogger logger, string registration, string instanceId, string serviceId);

        [LoggerMessage(EventId = 1041, EventName = "Deregistered", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': deregistered instance '{InstanceId}' from service '{ServiceId}'.")]
        public static partial void Deregistered(ILogger logger, string registration, string instanceId, string serviceId);

        [LoggerMessage(EventId = 1042, EventName = "NotOwned", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': instance '{InstanceId}' now belongs to another process (owner '{Owner}'); leaving it alone.")]
        public static partial void NotOwned(ILogger logger, string registration, string instanceId, string owner);

        [LoggerMessage(EventId = 1043, EventName = "AlreadyGone", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': instance '{InstanceId}' is not registered; nothing to remove.")]
        public static partial void AlreadyGone(ILogger logger, string registration, string instanceId);

        [LoggerMessage(EventId = 1044, EventName = "DeregistrationAttemptFailed", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': deregistration attempt {Attempt} failed: {Error}; retrying within the deregistration timeout.")]
        public static partial void DeregistrationAttemptFailed(ILogger logger, string registration, int attempt, string error, Exception? exception);

        [LoggerMessage(EventId = 1045, EventName = "DeregistrationFailed", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': could not deregister instance '{InstanceId}' from service '{ServiceId}' within {Seconds:0.###} s (last error: {LastError}); it may stay registered.")]
        public static partial void DeregistrationFailed(ILogger logger, string registration, string instanceId, string serviceId, double seconds, string? lastError);

        [LoggerMessage(EventId = 1046, EventName = "WaitingForRegistrationInFlight", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': the host is stopping while a registration is in flight; waiting for it to finish before deregistering.")]
        public static partial void WaitingForRegistrationInFlight(ILogger logger, string registration);

        [LoggerMessage(EventId = 1047, EventName = "NothingToDeregister", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': the host is stopping and nothing is registered; nothing to do.")]
        public static partial void NothingToDeregister(ILogger logger, string registration);

        [LoggerMessage(EventId = 1048, EventName = "Draining", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': draining for {Seconds:0.###} s while the server still serves.")]
        public static partial void Draining(ILogger logger, string registration, double seconds);

        [LoggerMessage(EventId = 1049, EventName = "DrainCompleted", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': drain completed; the server may stop now.")]
        public static partial void DrainCompleted(ILogger logger, string registration);

        [LoggerMessage(EventId = 1050, EventName = "ShutdownCutShort", Level = LogLevel.Warning,
            Message = "Cloud Map registration '{Registration}': the host's shutdown timeout cut deregistration or drain short.")]
        public static partial void ShutdownCutShort(ILogger logger, string registration);

        [LoggerMessage(EventId = 1051, EventName = "WaitingForPendingRegistration", Level = LogLevel.Information,
            Message = "Cloud Map registration '{Registration}': RegisterInstance operation '{OperationId}' was accepted but not seen to finish; waiting for it before deregistering.")]
        public static partial void WaitingForPendingRegistration(ILogger logger, string registration, string operationId);

        [LoggerMessage(EventId = 1091, EventName = "ErrorDetails", Level = LogLevel.Debug,
            Message = "Cloud Map registration '{Registration}': details of the {ErrorCode} error logged above.")]
        public static partial void ErrorDetails(ILogger logger, string registration, string errorCode, Exception exception);

        [LoggerMessage(EventId = 1090, EventName = "UnexpectedError", Level = LogLevel.Error,
            Message = "Cloud Map registration '{Registration}' failed unexpectedly; the application keeps running.")]
        public static partial void UnexpectedError(ILogger logger, string registration, Exception exception);
    }
}
