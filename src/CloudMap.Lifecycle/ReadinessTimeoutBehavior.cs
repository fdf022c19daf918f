// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle;

/// <summary>What happens when the readiness checks have not passed within <see cref="CloudMapReadinessOptions.Timeout"/>.</summary>
public enum ReadinessTimeoutBehavior
{
    /// <summary>Log a warning and keep waiting; the instance is registered as soon as it becomes ready.</summary>
    KeepWaiting,

    /// <summary>Log an error and stop the application (<c>IHostApplicationLifetime.StopApplication</c>), so the orchestrator replaces it.</summary>
    StopApplication,
}
