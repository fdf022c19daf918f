// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace CloudMap.Lifecycle.Tests.Checks;

/// <summary>The bounded checks through a real host, wired as <c>AddCloudMapRegistration</c> wires them.</summary>
public sealed class BoundedChecksHostTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task Host_UnreadyPolls_NoErrorLinePerPollAndTheAppsHealthServiceUnchanged()
    {
        var time = new TimerCountingFakeTimeProvider();
        var logs = new AwaitableFakeLogs(FakeLogCollector.Create(new FakeLogCollectorOptions { TimeProvider = time }));
        var builder = TestHost.CreateBuilder(TestHost.Config(), new FakeCloudMapClient(), time, logs: logs);
        builder.Services.AddHealthChecks().AddCheck("warmup", () => HealthCheckResult.Unhealthy("warming up"), tags: ["ready"]);
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        await host.StartAsync(Ct);
        await logs.WaitForEventAsync("WaitingForReadiness", cancellationToken: Ct);

        // Until six polls have run (other timers of the host may be armed too, so the steps are not counted).
        await time.AdvanceUntilAsync(logs.WaitForEventAsync("NotReadyYet", occurrence: 6, cancellationToken: Ct), CloudMapReadinessOptions.DefaultPollInterval, cancellationToken: Ct);
        Assert.DoesNotContain(logs.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);

        // The application's own health service (its /health endpoints) is still the framework's, and still says so.
        var appHealth = host.Services.GetRequiredService<HealthCheckService>();
        Assert.IsNotType<HealthCheckRunner>(appHealth);
        Assert.Equal(HealthStatus.Unhealthy, (await appHealth.CheckHealthAsync(r => r.Tags.Contains("ready"), Ct)).Status);
        Assert.Contains(logs.Collector.GetSnapshot(), r => r.Level == LogLevel.Error && (r.Category ?? "").EndsWith("DefaultHealthCheckService", StringComparison.Ordinal));

        // A stop during the readiness wait sends nothing and waits for no timer.
        await host.StopAsync(Ct).WaitAsync(FakeClockDriver.DefaultGuard, Ct);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task Host_StopDuringHungRunningCheck_DeregistersAtOnceAndStops()
    {
        var time = new TimerCountingFakeTimeProvider();
        var logs = new AwaitableFakeLogs(FakeLogCollector.Create(new FakeLogCollectorOptions { TimeProvider = time }));
        var client = new FakeCloudMapClient();
        var db = new ScriptedCheck();
        var builder = TestHost.CreateBuilder(TestHost.Config(("CloudMap:Readiness:ConsecutiveSuccesses", "1"), ("CloudMap:Shutdown:DrainDelay", "00:00:00")), client, time, logs: logs);
        builder.Services.AddHealthChecks().AddCheck("db", db, tags: ["ready"]);
        builder.AddCloudMapRegistration();
        using var host = builder.Build();
        await host.StartAsync(Ct);
        await logs.WaitForEventAsync("Registered", cancellationToken: Ct);
        db.Next = ScriptedCheck.Behaviour.Hang;
        db.ResetInvoked();
        await time.AdvanceUntilAsync(db.Invoked, CloudMapHealthOptions.DefaultInterval, cancellationToken: Ct);
        var hungAt = time.GetUtcNow();

        var stopping = host.StopAsync(Ct);

        // No drain here, so the whole stop needs no clock at all: nothing waits for the hung check.
        await stopping.WaitAsync(FakeClockDriver.DefaultGuard, Ct);
        Assert.Equal(hungAt, time.GetUtcNow());
        Assert.True(logs.Collector.HasEvent("Deregistered"));
        Assert.Null(client.GetStoredInstance(FakeCloudMapClient.CustomServiceId, "i-host"));
        Assert.Equal(1, db.Cancellations);
    }

}
