// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CloudMap.Lifecycle.Sample;

/// <summary>
/// A readiness check an operator can fail on demand (<c>POST /admin/unhealthy</c>, <c>POST /admin/healthy</c>),
/// to watch Cloud Map turn the instance UNHEALTHY after the thresholds and back.
/// </summary>
public sealed class ReadinessToggle : IHealthCheck
{
    /// <summary>The registration name of this check.</summary>
    public const string Name = "toggle";

    private volatile bool _healthy = true;

    /// <summary>Gets or sets a value indicating whether the check passes.</summary>
    public bool IsHealthy
    {
        get => _healthy;
        set => _healthy = value;
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_healthy
            ? HealthCheckResult.Healthy("Not failed on demand.")
            : HealthCheckResult.Unhealthy("Failed on demand by POST /admin/unhealthy."));
}
