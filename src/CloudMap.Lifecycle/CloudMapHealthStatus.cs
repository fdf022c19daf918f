// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle;

/// <summary>A custom health status as pushed to Cloud Map.</summary>
public enum CloudMapHealthStatus
{
    /// <summary>HEALTHY: the instance is routable.</summary>
    Healthy,

    /// <summary>UNHEALTHY: the instance is not routable.</summary>
    Unhealthy,
}
