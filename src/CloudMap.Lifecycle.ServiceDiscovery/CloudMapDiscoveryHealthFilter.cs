// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.ServiceDiscovery;

/// <summary>Which instances DiscoverInstances returns, by health (its <c>HealthStatus</c> parameter).</summary>
public enum CloudMapDiscoveryHealthFilter
{
    /// <summary>
    /// <c>HEALTHY_OR_ELSE_ALL</c>: the healthy instances, or every instance when none is healthy (fail open, as Cloud Map's
    /// own DNS answers do). The default.
    /// </summary>
    HealthyOrElseAll = 0,

    /// <summary><c>HEALTHY</c>: only the healthy instances (strict); an all-unhealthy service answers no instance.</summary>
    Healthy = 1,

    /// <summary><c>ALL</c>: every instance, whatever its health.</summary>
    All = 2,
}
