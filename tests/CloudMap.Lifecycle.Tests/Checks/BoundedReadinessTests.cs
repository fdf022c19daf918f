// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Tests.Checks;

/// <summary>
/// Issue 9 items 1 and 5, readiness: a readiness check that hangs (ignoring cancellation or not) counts as failing after
/// <see cref="CloudMapReadinessOptions.CheckTimeout"/>, so the readiness timeout and StopApplication still fire, and the
/// host's stop ends the wait at once.
/// </summary>
public sealed class BoundedReadinessTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task WaitForReadinessAsync_CheckHangs_TimeoutFiresAndStopsTheApplication(bool honoursCancellation)
    {
        var db = new ScriptedCheck { Next = ScriptedCheck.Behaviour.Hang, HonoursCancellation = honoursCancellation };
        using var h = new CheckHarness(c => c.AddCheck("db", db, tags: ["ready"]), o =>
        {
            o.Readiness.Timeout = TimeSpan.FromSeconds(10);
            o.Readiness.TimeoutBehavior = ReadinessTimeoutBehavior.StopApplication;
        });

        var waiting = h.Service.WaitForReadinessAsync(Ct);
        await h.Fakes.DriveUntilAsync(waiting, Step);

        Assert.False(await waiting);
        Assert.Equal(1, h.Fakes.Lifetime.StopApplicationCalls);
        Assert.Equal(CloudMapRegistrationPhase.Failed, h.Fakes.State.Phase);
        Assert.Empty(h.Fakes.Client.Calls);

        // The timeout is reached on the clock, not after the check returns. Ignoring cancellation: timed out at 5 s, then
        // reported at once while still running (polls at 7, 9 and 11 s). Honouring it: it ends when cancelled, so each
        // poll runs it again for 5 s (0-5 s, 7-12 s).
        var stopped = h.Fakes.Logs.Collector.GetSnapshot().Single(r => r.Id.Name == "ReadinessTimedOutStopping");
        Assert.Equal(TimeSpan.FromSeconds(honoursCancellation ? 12 : 11), stopped.Timestamp - h.Fakes.Time.Start);

        // Logged once with the check's name; a check that ignores cancellation is not started again while it runs.
        var timedOut = Assert.Single(h.Fakes.Logs.Collector.GetSnapshot(), r => r.Id.Name == "CheckTimedOut");
        Assert.Equal(LogLevel.Warning, timedOut.Level);
        Assert.Contains("readiness check(s) 'db' did not complete within 5 s", timedOut.Message, StringComparison.Ordinal);
        Assert.Equal(honoursCancellation ? 1 : 3, h.Fakes.Logs.CountEvents("CheckStillTimedOut"));
        Assert.Equal(honoursCancellation ? 2 : 1, db.Invocations);
        Assert.Equal(db.Invocations, db.Cancellations);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task WaitForReadinessAsync_HungCheckCompletesLater_RunsAgainAndPasses()
    {
        var db = new ScriptedCheck { Next = ScriptedCheck.Behaviour.Hang };
        using var h = new CheckHarness(c => c.AddCheck("db", db, tags: ["ready"]), o => o.Readiness.ConsecutiveSuccesses = 1);

        var waiting = h.Service.WaitForReadinessAsync(Ct);
        await h.Fakes.Time.AdvanceUntilAsync(h.Fakes.Logs.WaitForEventAsync("CheckTimedOut", cancellationToken: Ct), Step, cancellationToken: Ct);
        Assert.False(waiting.IsCompleted);

        db.Next = ScriptedCheck.Behaviour.Pass;
        db.Release();
        await h.Fakes.DriveUntilAsync(waiting, Step);

        Assert.True(await waiting);
        Assert.Equal(2, db.Invocations);
        Assert.True(h.Fakes.Logs.Collector.HasEvent("ChecksCompleteAgain"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task WaitForReadinessAsync_NotReady_LogsNothingAboveDebugPerPoll()
    {
        var warmup = new ScriptedCheck { Next = ScriptedCheck.Behaviour.Fail };
        using var h = new CheckHarness(c => c.AddCheck("warmup", warmup, tags: ["ready"]));

        var waiting = h.Service.WaitForReadinessAsync(Ct);
        for (var i = 0; i < 5; i++)
        {
            await h.Fakes.Time.StepAsync(CloudMapReadinessOptions.DefaultPollInterval, cancellationToken: Ct);
        }

        await h.Fakes.Time.WaitUntilParkedAsync(cancellationToken: Ct);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(6, warmup.Invocations);
        var records = h.Fakes.Logs.Collector.GetSnapshot();
        Assert.Equal(["WaitingForReadiness"], records.Where(r => r.Level > LogLevel.Debug).Select(r => r.Id.Name));
        Assert.Equal(6, records.Count(r => r.Id.Name == "NotReadyYet" && r.Message.EndsWith("failing readiness check(s): 'warmup'.", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task StoppingAsync_DuringHungReadinessCheck_EndsTheWaitAtOnceAndSendsNothing(bool honoursCancellation)
    {
        var db = new ScriptedCheck { Next = ScriptedCheck.Behaviour.Hang, HonoursCancellation = honoursCancellation };
        using var h = new CheckHarness(c => c.AddCheck("db", db, tags: ["ready"]));
        await h.Service.StartingAsync(Ct);
        await h.Service.StartAsync(Ct);
        h.Fakes.Lifetime.FireStarted();
        await db.Invoked.WaitAsync(FakeClockDriver.DefaultGuard, Ct);

        var stopping = h.Service.StoppingAsync(Ct);

        // The clock does not move: the background work ends on the cancellation itself, not on any timeout.
        await h.Service.Execution.WaitAsync(FakeClockDriver.DefaultGuard, Ct);
        await stopping.WaitAsync(FakeClockDriver.DefaultGuard, Ct);
        Assert.Equal(h.Fakes.Time.Start, h.Fakes.Time.GetUtcNow());
        Assert.True(h.Fakes.Logs.Collector.HasEvent("StoppedBeforeRegistration"));
        Assert.True(h.Fakes.Logs.Collector.HasEvent("NothingToDeregister"));
        Assert.Equal(0, h.Fakes.Client.CallCount("RegisterInstance"));
        Assert.Equal(1, db.Cancellations);
    }
}
