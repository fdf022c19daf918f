// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CloudMap.Lifecycle.IntegrationTests;

/// <summary>A readiness check (tagged <c>ready</c>) the test flips.</summary>
internal sealed class ReadinessFlag : IHealthCheck
{
    private volatile bool _ready;

    public ReadinessFlag(bool ready) => _ready = ready;

    public bool IsReady
    {
        get => _ready;
        set => _ready = value;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_ready ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Not ready (test flag)."));
}
