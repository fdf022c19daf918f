// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CloudMap.Lifecycle.Tests.Fakes;

/// <summary>A health check service with named, tagged checks whose status a test flips; it honours the predicate.</summary>
internal sealed class FakeHealthCheckService : HealthCheckService
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string[] Tags, HealthStatus Status)> _checks = new(StringComparer.Ordinal);

    public FakeHealthCheckService()
    {
        Set("app", HealthStatus.Healthy, "ready");
    }

    public int Runs { get; private set; }

    public List<string> LastSelected { get; private set; } = [];

    public Exception? ThrowOnNextRun { get; set; }

    /// <summary>Flips the default <c>app</c> check (tagged <c>ready</c>).</summary>
    public bool Healthy
    {
        set => Set("app", value ? HealthStatus.Healthy : HealthStatus.Unhealthy, "ready");
    }

    public void Set(string name, HealthStatus status, params string[] tags)
    {
        lock (_lock)
        {
            _checks[name] = (tags, status);
        }
    }

    public override Task<HealthReport> CheckHealthAsync(Func<HealthCheckRegistration, bool>? predicate, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            Runs++;
            if (ThrowOnNextRun is { } error)
            {
                ThrowOnNextRun = null;
                throw error;
            }

            var entries = new Dictionary<string, HealthReportEntry>(StringComparer.Ordinal);
            foreach (var (name, (tags, status)) in _checks)
            {
                var registration = new HealthCheckRegistration(name, new StaticCheck(), failureStatus: null, tags);
                if (predicate is null || predicate(registration))
                {
                    entries[name] = new HealthReportEntry(status, null, TimeSpan.Zero, null, null, tags);
                }
            }

            LastSelected = entries.Keys.Order(StringComparer.Ordinal).ToList();
            return Task.FromResult(new HealthReport(entries, TimeSpan.Zero));
        }
    }

    private sealed class StaticCheck : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(HealthCheckResult.Healthy());
    }
}
