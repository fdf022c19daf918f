// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests;

/// <summary>DI wiring and the whole timeline through a real generic host with a fake server, client and clock.</summary>
public sealed class HostIntegrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task Host_FullTimeline_RegistersAfterReadinessDeregistersFirstThenDrains()
    {
        var client = new FakeCloudMapClient();
        var time = new TimerCountingFakeTimeProvider();
        var logs = new AwaitableFakeLogs(FakeLogCollector.Create(new FakeLogCollectorOptions { TimeProvider = time }));
        var ready = new FlippableCheck(healthy: false);
        var builder = TestHost.CreateBuilder(TestHost.Config(), client, time, logs: logs);
        builder.Services.AddHealthChecks().AddCheck("warmup", ready, tags: ["ready"]);
        builder.AddCloudMapRegistration();
        using var host = builder.Build();
        var state = host.Services.GetRequiredService<ICloudMapRegistrationState>();
        var healthChecks = host.Services.GetRequiredService<HealthCheckService>();

        await host.StartAsync(Ct);
        await logs.WaitForEventAsync("WaitingForReadiness", cancellationToken: Ct);
        await time.WaitForTimersAsync(1, Ct);
        Assert.Equal(0, client.CallCount("RegisterInstance"));
        Assert.Equal(HealthStatus.Degraded, (await healthChecks.CheckHealthAsync(r => r.Tags.Contains("cloudmap"), Ct)).Status);

        ready.Healthy = true;
        time.Advance(CloudMapReadinessOptions.DefaultPollInterval);
        await time.WaitForTimersAsync(1, Ct);
        Assert.Equal(0, client.CallCount("RegisterInstance"));
        time.Advance(CloudMapReadinessOptions.DefaultPollInterval);
        await logs.WaitForEventAsync("Registered", cancellationToken: Ct);

        Assert.Equal(CloudMapRegistrationPhase.Registered, state.Phase);
        Assert.Equal("i-host", state.InstanceId);
        Assert.Equal(49152, state.Port);
        Assert.Equal("127.0.0.1", state.Address);
        Assert.Equal(FakeCloudMapClient.CustomServiceId, state.ServiceId);
        Assert.Equal(HealthStatus.Healthy, (await healthChecks.CheckHealthAsync(r => r.Tags.Contains("cloudmap"), Ct)).Status);

        var stopping = host.StopAsync(Ct);
        await logs.WaitForEventAsync("Draining", cancellationToken: Ct);
        Assert.Null(client.GetStoredInstance(FakeCloudMapClient.CustomServiceId, "i-host"));
        Assert.False(stopping.IsCompleted);
        time.Advance(CloudMapShutdownOptions.DefaultDrainDelay);
        await stopping.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(CloudMapRegistrationPhase.Stopped, state.Phase);
    }

    [Fact]
    public async Task AddCloudMapRegistration_CalledTwice_AddsServicesOnce()
    {
        var builder = TestHost.CreateBuilder(TestHost.Config(), new FakeCloudMapClient(), new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        builder.AddCloudMapRegistration(o => o.Attributes["extra"] = "1");
        builder.Services.AddCloudMapRegistration();
        using var host = builder.Build();

        Assert.Single(host.Services.GetServices<CloudMapRegistrationService>());
        Assert.Single(host.Services.GetServices<IHostedService>().OfType<CloudMapRegistrationCoordinator>());
        var checks = host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;
        Assert.Single(checks, c => c.Name == "cloudmap");
        Assert.Equal("1", host.Services.GetRequiredService<IOptionsMonitor<CloudMapRegistrationOptions>>().Get(Options.DefaultName).Attributes["extra"]);
    }

    [Fact]
    public async Task AddCloudMapRegistration_Named_TwoRegistrationsBindTheirOwnSections()
    {
        var client = new FakeCloudMapClient();
        var time = new TimerCountingFakeTimeProvider();
        var logs = new AwaitableFakeLogs(FakeLogCollector.Create(new FakeLogCollectorOptions { TimeProvider = time }));
        var builder = TestHost.CreateBuilder(
            TestHost.Config(
                ("CloudMap:Readiness:ConsecutiveSuccesses", "1"),
                ("CloudMap:grpc:ServiceId", FakeCloudMapClient.NoHealthServiceId),
                ("CloudMap:grpc:InstanceId", "i-grpc"),
                ("CloudMap:grpc:Port", "5001"),
                ("CloudMap:grpc:Readiness:ConsecutiveSuccesses", "1")),
            client,
            time,
            logs: logs);
        builder.AddCloudMapRegistration();
        builder.AddCloudMapRegistration("grpc");
        using var host = builder.Build();
        var provider = host.Services.GetRequiredService<ICloudMapRegistrationStateProvider>();

        await host.StartAsync(Ct);
        await WaitUntilAsync(() => provider.GetState("").Phase == CloudMapRegistrationPhase.Registered && provider.GetState("grpc").Phase == CloudMapRegistrationPhase.Registered, time);

        Assert.Equal(["", "grpc"], provider.Names);
        Assert.Equal(5001, provider.GetState("grpc").Port);
        Assert.Equal(49152, provider.GetState("").Port);
        Assert.NotNull(client.GetStoredInstance(FakeCloudMapClient.NoHealthServiceId, "i-grpc"));
        Assert.NotNull(client.GetStoredInstance(FakeCloudMapClient.CustomServiceId, "i-host"));
        Assert.Equal(2, host.Services.GetServices<CloudMapRegistrationService>().Count());
        var checks = host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Select(r => r.Name);
        Assert.Contains("cloudmap-grpc", checks);
        Assert.Throws<KeyNotFoundException>(() => provider.GetState("http2"));

        var stopping = host.StopAsync(Ct);
        await logs.WaitForEventAsync("Draining", occurrence: 2, cancellationToken: Ct);
        Assert.Null(client.GetStoredInstance(FakeCloudMapClient.NoHealthServiceId, "i-grpc"));
        Assert.Null(client.GetStoredInstance(FakeCloudMapClient.CustomServiceId, "i-host"));
        time.Advance(CloudMapShutdownOptions.DefaultDrainDelay);
        await stopping.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Empty(await client.ListInstancesAsync(FakeCloudMapClient.NoHealthServiceId, Ct));
    }

    [Theory]
    [InlineData(CloudMapRegistrationPhase.Registered, HealthStatus.Healthy)]
    [InlineData(CloudMapRegistrationPhase.Disabled, HealthStatus.Healthy)]
    [InlineData(CloudMapRegistrationPhase.NotStarted, HealthStatus.Degraded)]
    [InlineData(CloudMapRegistrationPhase.WaitingForReadiness, HealthStatus.Degraded)]
    [InlineData(CloudMapRegistrationPhase.Registering, HealthStatus.Degraded)]
    [InlineData(CloudMapRegistrationPhase.DeregisteredWhileUnhealthy, HealthStatus.Degraded)]
    [InlineData(CloudMapRegistrationPhase.Failed, HealthStatus.Unhealthy)]
    public async Task CloudMapHealthCheck_Phase_MapsToStatus(CloudMapRegistrationPhase phase, HealthStatus expected)
    {
        var state = new CloudMapRegistrationState("") { Phase = phase, LastError = "boom", InstanceId = "i-1" };
        var check = new CloudMapRegistrationHealthCheck(state);

        var result = await check.CheckHealthAsync(new HealthCheckContext(), Ct);

        Assert.Equal(expected, result.Status);
        Assert.Equal(phase.ToString(), result.Data["phase"]);
    }

    /// <summary>Waits for a condition that the background work makes true; every log entry re-checks it (no polling on time).</summary>
    /// <summary>
    /// Moves the fake clock a readiness poll at a time, each once the code under test is parked on a timer, until
    /// <paramref name="condition"/> holds. Waiting for log records instead raced the first readiness poll: when it was
    /// not due at once, nothing moved the clock and the wait hung.
    /// </summary>
    private static async Task WaitUntilAsync(Func<bool> condition, TimerCountingFakeTimeProvider time)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            // Both registrations parked on a timer (readiness poll, operation poll) before the clock moves.
            await time.WaitForTimersAsync(2, Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
            if (!condition())
            {
                time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        Assert.True(condition());
    }

    private sealed class FlippableCheck(bool healthy) : IHealthCheck
    {
        public bool Healthy { get; set; } = healthy;

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(Healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("warming up"));
    }
}
