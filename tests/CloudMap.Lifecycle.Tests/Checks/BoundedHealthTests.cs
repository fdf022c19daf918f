// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Tests.Checks;

/// <summary>
/// Issue 9 items 1 and 5, running health: a health check that hangs counts as failing after
/// <see cref="CloudMapHealthOptions.CheckTimeout"/>, so Cloud Map turns UNHEALTHY after the threshold; and a stop during a
/// hung check ends the background work at once and deregisters.
/// </summary>
public sealed class BoundedHealthTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task RunHealthCycleAsync_CheckHangs_UnhealthyPushedAfterTheThreshold(bool honoursCancellation)
    {
        var db = new ScriptedCheck();
        using var h = new CheckHarness(c => c.AddCheck("db", db, tags: ["ready"]));
        var service = await h.RegisteredAsync();
        db.Next = ScriptedCheck.Behaviour.Hang;
        db.HonoursCancellation = honoursCancellation;

        for (var cycle = 1; cycle < CloudMapHealthOptions.DefaultUnhealthyThreshold; cycle++)
        {
            await h.Fakes.DriveUntilAsync(service.RunHealthCycleAsync(Ct), Step);
            Assert.Empty(h.Fakes.Client.HealthPushes);
        }

        await h.Fakes.DriveUntilAsync(service.RunHealthCycleAsync(Ct), Step);

        Assert.Equal([CloudMapHealthStatus.Unhealthy], h.Fakes.Client.HealthPushes);
        Assert.Equal(CloudMapHealthStatus.Unhealthy, service.EffectiveStatus);
        var timedOut = Assert.Single(h.Fakes.Logs.Collector.GetSnapshot(), r => r.Id.Name == "CheckTimedOut");
        Assert.Equal(LogLevel.Warning, timedOut.Level);
        Assert.Contains("health check(s) 'db' did not complete within 5 s", timedOut.Message, StringComparison.Ordinal);

        // Ignoring cancellation, the check is started once and then reported at once while it still runs (one 5 s wait
        // in all); honouring it, it ends when cancelled and each cycle waits its 5 s again.
        Assert.Equal(honoursCancellation ? 3 : 1, db.Invocations);
        Assert.Equal(TimeSpan.FromSeconds(honoursCancellation ? 15 : 5), h.Fakes.Time.GetUtcNow() - h.Fakes.Time.Start);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task RunHealthCycleAsync_HungCheckCompletesLater_HealthyAgainAfterTheThreshold()
    {
        var db = new ScriptedCheck();
        using var h = new CheckHarness(c => c.AddCheck("db", db, tags: ["ready"]), o => o.Health.UnhealthyThreshold = 1);
        var service = await h.RegisteredAsync();
        db.Next = ScriptedCheck.Behaviour.Hang;
        await h.Fakes.DriveUntilAsync(service.RunHealthCycleAsync(Ct), Step);
        Assert.Equal([CloudMapHealthStatus.Unhealthy], h.Fakes.Client.HealthPushes);

        db.Next = ScriptedCheck.Behaviour.Pass;
        db.Release();
        for (var cycle = 0; cycle < CloudMapHealthOptions.DefaultHealthyThreshold; cycle++)
        {
            await h.Fakes.DriveUntilAsync(service.RunHealthCycleAsync(Ct), Step);
        }

        Assert.Equal([CloudMapHealthStatus.Unhealthy, CloudMapHealthStatus.Healthy], h.Fakes.Client.HealthPushes);
        Assert.Equal(1, h.Fakes.Logs.CountEvents("ChecksCompleteAgain"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task StoppingAsync_DuringHungRunningCheck_BackgroundEndsAtOnceAndDeregisters(bool honoursCancellation)
    {
        var db = new ScriptedCheck { HonoursCancellation = honoursCancellation };
        using var h = new CheckHarness(c => c.AddCheck("db", db, tags: ["ready"]), o => o.Readiness.ConsecutiveSuccesses = 1);
        await h.Service.StartingAsync(Ct);
        await h.Service.StartAsync(Ct);
        h.Fakes.Lifetime.FireStarted();
        await h.Fakes.Logs.WaitForEventAsync("Registered", cancellationToken: Ct);
        db.Next = ScriptedCheck.Behaviour.Hang;
        db.ResetInvoked();
        await h.Fakes.Time.AdvanceUntilAsync(db.Invoked, CloudMapHealthOptions.DefaultInterval, cancellationToken: Ct);
        var hungAt = h.Fakes.Time.GetUtcNow();

        var stopping = h.Service.StoppingAsync(Ct);

        // Without the clock moving: the loop ends on the cancellation and the deregistration starts.
        await h.Service.Execution.WaitAsync(FakeClockDriver.DefaultGuard, Ct);
        await h.Fakes.Logs.WaitForEventAsync("Deregistered", cancellationToken: Ct);
        Assert.Equal(hungAt, h.Fakes.Time.GetUtcNow());
        Assert.Equal(1, h.Fakes.Client.CallCount("DeregisterInstance"));
        Assert.Equal(1, db.Cancellations);

        await h.Fakes.Time.AdvanceUntilAsync(stopping, Step, cancellationToken: Ct);
        Assert.Equal(CloudMapRegistrationPhase.Stopped, h.Fakes.State.Phase);
    }
}
