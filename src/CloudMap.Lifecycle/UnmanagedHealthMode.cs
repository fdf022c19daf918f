// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle;

/// <summary>
/// How the running health is reflected when the Cloud Map service has no custom health check
/// (no <c>HealthCheckCustomConfig</c>, or <c>UpdateInstanceCustomHealthStatus</c> answers <c>CustomHealthNotFound</c>).
/// </summary>
public enum UnmanagedHealthMode
{
    /// <summary>
    /// Deregister the instance while the application is unhealthy and register it again once it is healthy.
    /// Without a health check every registered instance is routable, so this is the only lever that keeps traffic away.
    /// </summary>
    DeregisterWhileUnhealthy,

    /// <summary>Keep the registration and only report the observed health (logs, metrics, the registration state).</summary>
    ReportOnly,
}
