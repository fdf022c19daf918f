// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.ServiceDiscovery.Internal;

/// <summary>The provider's log events (ids 3000–3019).</summary>
internal sealed partial class CloudMapServiceWatch
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 3000, EventName = "DiscoveryWatchStarted", Level = LogLevel.Debug,
            Message = "Watching Cloud Map service '{ServiceName}' in namespace '{NamespaceName}': revision every {RevisionSeconds} s, full refresh every {RefreshSeconds} s, health filter {HealthStatus}.")]
        public static partial void WatchStarted(ILogger logger, string serviceName, string namespaceName, double revisionSeconds, double refreshSeconds, string healthStatus);

        [LoggerMessage(EventId = 3001, EventName = "DiscoveryInstancesChanged", Level = LogLevel.Information,
            Message = "Cloud Map service '{ServiceName}' in namespace '{NamespaceName}' has {Count} instance(s) (revision {Revision}; {Previous} before).")]
        public static partial void InstancesChanged(ILogger logger, string serviceName, string namespaceName, int count, long revision, int previous);

        [LoggerMessage(EventId = 3002, EventName = "DiscoveryFailed", Level = LogLevel.Warning,
            Message = "Discovering Cloud Map service '{ServiceName}' in namespace '{NamespaceName}' failed ({ErrorCode}); still using the last known {Count} instance(s), confirmed {AgeSeconds:0.#} s ago; next poll in {DelaySeconds:0.#} s.")]
        public static partial void DiscoveryFailed(ILogger logger, string serviceName, string namespaceName, string errorCode, int count, double ageSeconds, double delaySeconds);

        [LoggerMessage(EventId = 3003, EventName = "DiscoveryFirstFailed", Level = LogLevel.Warning,
            Message = "Cloud Map service '{ServiceName}' in namespace '{NamespaceName}' could not be discovered ({Reason}); requests for it fail until it is; next poll in {DelaySeconds:0.#} s.")]
        public static partial void FirstDiscoveryFailed(ILogger logger, Exception exception, string serviceName, string namespaceName, string reason, double delaySeconds);

        [LoggerMessage(EventId = 3004, EventName = "DiscoveryEmptyAnswerIgnored", Level = LogLevel.Warning,
            Message = "Cloud Map answered no instance of service '{ServiceName}' in namespace '{NamespaceName}'; keeping the last known {Count} instance(s), confirmed {AgeSeconds:0.#} s ago, until it answers some again (fail static).")]
        public static partial void EmptyAnswerIgnored(ILogger logger, string serviceName, string namespaceName, int count, double ageSeconds);

        [LoggerMessage(EventId = 3005, EventName = "DiscoveryRecovered", Level = LogLevel.Information,
            Message = "Cloud Map answers again for service '{ServiceName}' in namespace '{NamespaceName}' after {Failures} failed poll(s).")]
        public static partial void DiscoveryRecovered(ILogger logger, string serviceName, string namespaceName, int failures);

        [LoggerMessage(EventId = 3006, EventName = "DiscoveryWatchStopped", Level = LogLevel.Debug,
            Message = "Stopped watching Cloud Map service '{ServiceName}' in namespace '{NamespaceName}': no provider uses it.")]
        public static partial void WatchStopped(ILogger logger, string serviceName, string namespaceName);
    }
}
