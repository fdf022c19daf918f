// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using BenchmarkDotNet.Attributes;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Scenarios.InProcess;
using CloudMap.Lifecycle.Scenarios.Infrastructure;
using CloudMap.Lifecycle.Scenarios.Reporting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace CloudMap.Lifecycle.Scenarios.Benchmarks;

/// <summary>
/// Scenario 7: the cost of one running-health cycle. The library's cycle in steady state runs the health checks, applies
/// the thresholds and decides there is nothing to send; the hand-rolled baseline's cycle is one UpdateInstanceCustomHealthStatus.
/// </summary>
[MemoryDiagnoser]
public class HealthCycleBenchmarks
{
    private EmulatorLane? lane;
    private ScenarioHost? host;
    private CloudMapRegistrationService? service;
    private HealthCheckService? healthChecks;
    private ServiceProvider? clientServices;
    private ICloudMapClient? client;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    /// <summary>What the user's own health checks cost anyway (the ones the library runs for its cycle).</summary>
    [Benchmark]
    public Task<HealthReport> HealthChecksAlone() => healthChecks!.CheckHealthAsync(CancellationToken.None);

    /// <summary>One library health cycle in steady state (healthy, already pushed: no API call).</summary>
    [Benchmark]
    public Task LibraryHealthCycle() => service!.RunHealthCycleAsync(CancellationToken.None);

    /// <summary>One baseline heartbeat: UpdateInstanceCustomHealthStatus(HEALTHY) over loopback to the in-process emulator.</summary>
    [Benchmark]
    public Task BaselineHeartbeat() => client!.UpdateInstanceCustomHealthStatusAsync(lane!.ServiceId, "bench-1", CloudMapHealthStatus.Healthy, CancellationToken.None);

    private async Task SetupAsync()
    {
        lane = await EmulatorLane.StartAsync(TimeSpan.Zero, seed: 700, CancellationToken.None).ConfigureAwait(false);
        host = ScenarioHost.Build(
            RegistrationMode.Library,
            lane.Emulator.Endpoint,
            new HostSettings("bench-1", 40000, lane.ServiceId, EmulatorLane.NamespaceName, EmulatorLane.ServiceName),
            ready: () => true,
            configure: o =>
            {
                o.Readiness.PollInterval = TimeSpan.FromMilliseconds(100);
                o.Readiness.ConsecutiveSuccesses = 1;

                // The benchmark drives the cycles; the library's own loop stays asleep.
                o.Health.Interval = TimeSpan.FromHours(1);
                o.Health.ReassertInterval = TimeSpan.FromHours(2);
                o.Shutdown.DrainDelay = TimeSpan.Zero;
            });
        await host.Host.StartAsync().ConfigureAwait(false);
        var registered = await Clock.WaitUntilAsync(_ => Task.FromResult(host.IsRegistered), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50), CancellationToken.None).ConfigureAwait(false);
        if (registered is null)
        {
            throw new InvalidOperationException("The benchmark host did not register within 30 s.");
        }

        service = host.Host.Services.GetServices<CloudMapRegistrationService>().Single();
        healthChecks = host.Host.Services.GetRequiredService<HealthCheckService>();

        // Push once so the steady state (nothing to send) is what the cycles measure.
        await service.RunHealthCycleAsync(CancellationToken.None).ConfigureAwait(false);
        clientServices = ClientFactory.Create(lane.Emulator.Endpoint);
        client = clientServices.GetRequiredService<ICloudMapClient>();
    }

    private async Task CleanupAsync()
    {
        if (host is not null)
        {
            await host.Host.StopAsync().ConfigureAwait(false);
            await host.DisposeAsync().ConfigureAwait(false);
        }

        if (clientServices is not null)
        {
            await clientServices.DisposeAsync().ConfigureAwait(false);
        }

        if (lane is not null)
        {
            await lane.DisposeAsync().ConfigureAwait(false);
        }
    }
}
