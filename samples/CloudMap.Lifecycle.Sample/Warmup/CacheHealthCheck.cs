// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CloudMap.Lifecycle.Sample.Warmup;

/// <summary>Readiness: the instance can serve only once its cache is filled.</summary>
internal sealed class CacheHealthCheck(ProductCache cache) : IHealthCheck
{
    /// <summary>The registration name of this check.</summary>
    public const string Name = "cache";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(cache.IsWarm
            ? HealthCheckResult.Healthy($"{cache.Count} entries cached.")
            : HealthCheckResult.Unhealthy("The product cache is still warming up."));
}
