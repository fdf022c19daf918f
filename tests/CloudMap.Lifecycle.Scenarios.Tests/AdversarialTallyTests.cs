// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Scenarios.Infrastructure;
using CloudMap.Lifecycle.Scenarios.Reporting;
using CloudMap.Lifecycle.Scenarios.Scenarios;

namespace CloudMap.Lifecycle.Scenarios.Tests;

/// <summary>The pure parts of scenario 6's adversarial cases: per-process call counts and how capped waits become figures.</summary>
public sealed class AdversarialTallyTests
{
    [Fact]
    public void ProcessCallLog_Count_CountsOnlyTheOperationInsideTheWindow()
    {
        var log = new ProcessCallLog();
        log.Add("UpdateInstanceCustomHealthStatus", 100);
        log.Add("UpdateInstanceCustomHealthStatus", 200);
        log.Add("GetInstance", 250);
        log.Add("UpdateInstanceCustomHealthStatus", 300);

        Assert.Equal(2, log.Count("UpdateInstanceCustomHealthStatus", 150, 301));
        Assert.Equal(1, log.Count("UpdateInstanceCustomHealthStatus", 200, 300));
        Assert.Equal(0, log.Count("DeregisterInstance", 0, 1000));
    }

    [Fact]
    public void ProcessCallLog_FirstAt_IgnoresCallsBeforeTheMoment()
    {
        var log = new ProcessCallLog();
        log.Add("DeregisterInstance", 100);
        log.Add("GetInstance", 500);
        log.Add("DeregisterInstance", 700);

        Assert.Equal(700, log.FirstAt("DeregisterInstance", 101));
        Assert.Null(log.FirstAt("DeregisterInstance", 701));
        Assert.Equal(["GetInstance", "DeregisterInstance"], log.OperationsSince(500));
    }

    [Fact]
    public void RecordStop_StopNeverEnded_NotesTheWaitInsteadOfANumber()
    {
        var metric = new Metric("stop", "SIGTERM → stopped", "s");

        Verdicts.RecordStop(metric, RegistrationMode.Library, elapsed: null, TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(30));

        Assert.Empty(metric.Samples(RegistrationMode.Library));
        Assert.Equal(["did not stop within 45 s (ShutdownTimeout 30 s)"], metric.Notes(RegistrationMode.Library));
    }

    [Fact]
    public void RecordStop_StopOverShutdownTimeout_KeepsTheFigureAndSaysSo()
    {
        var metric = new Metric("stop", "SIGTERM → stopped", "s");

        Verdicts.RecordStop(metric, RegistrationMode.Library, TimeSpan.FromSeconds(31.5), TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(30));
        Verdicts.RecordStop(metric, RegistrationMode.Baseline, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(45), TimeSpan.FromSeconds(30));

        Assert.Equal([31.5], metric.Samples(RegistrationMode.Library));
        Assert.Equal(["over ShutdownTimeout (30 s)"], metric.Notes(RegistrationMode.Library));
        Assert.Equal([2d], metric.Samples(RegistrationMode.Baseline));
        Assert.Empty(metric.Notes(RegistrationMode.Baseline));
    }

    [Fact]
    public void RecordElapsed_HappenedOrNot_SecondsOrTheNeverNote()
    {
        var metric = new Metric("heal", "Removed → registered again", "s");
        var start = Clock.Now;
        var later = start + (System.Diagnostics.Stopwatch.Frequency * 3 / 2);

        Verdicts.RecordElapsed(metric, RegistrationMode.Library, start, later, "not back after 60 s");
        Verdicts.RecordElapsed(metric, RegistrationMode.Baseline, start, at: null, "not back after 60 s");

        Assert.Equal(1.5, Assert.Single(metric.Samples(RegistrationMode.Library)), 6);
        Assert.Empty(metric.Samples(RegistrationMode.Baseline));
        Assert.Equal(["not back after 60 s"], metric.Notes(RegistrationMode.Baseline));
    }

    [Fact]
    public void ZombieTally_Write_SumsMeasuredCasesAndNamesTheOthers()
    {
        var tally = new ZombieTally();
        tally.Add(RegistrationMode.Library, zombie: true);
        tally.Add(RegistrationMode.Library, zombie: false);
        tally.Add(RegistrationMode.Library, zombie: true);
        tally.NotMeasured(RegistrationMode.Library, "Hung running check");
        tally.NotMeasured(RegistrationMode.Baseline, "Hung readiness check");
        var metric = new Metric("adv-zombies", "Zombies", string.Empty, goal: "0");

        tally.Write(metric);

        Assert.Equal([2d], metric.Samples(RegistrationMode.Library));
        Assert.Equal(["not measured in: Hung running check"], metric.Notes(RegistrationMode.Library));
        Assert.Empty(metric.Samples(RegistrationMode.Baseline));
        Assert.Equal(["not measured in: Hung readiness check"], metric.Notes(RegistrationMode.Baseline));
    }

    [Fact]
    public void Parse_Adversarial_RunsOnlyScenarioSixsAdversarialCases()
    {
        var adversarial = RunOptions.Parse(["--adversarial"], out var error)!;
        var smoke = RunOptions.Parse(["--smoke"], out _)!;
        var full = RunOptions.Parse(["--scenario", "6"], out _)!;

        Assert.Null(error);
        Assert.Equal([6], adversarial.Scenarios);
        Assert.True(adversarial.RunsAdversarialCases);
        Assert.False(adversarial.RunsRandomTrials);
        Assert.False(smoke.RunsAdversarialCases);
        Assert.True(smoke.RunsRandomTrials);
        Assert.True(full.RunsAdversarialCases);
        Assert.True(full.RunsRandomTrials);
    }

    [Fact]
    public void TakeBackWatch_GoneThenBack_MeasuresFromTheRemoval()
    {
        var watch = new TakeBackWatch(started: 0, Cap(15), Cap(60));

        Assert.False(watch.Observe(At(0.1), present: true, oldOwners: false, stopEnded: false));
        Assert.False(watch.Observe(At(0.5), present: false, oldOwners: false, stopEnded: true));
        Assert.False(watch.Observe(At(1.0), present: false, oldOwners: false, stopEnded: true));
        Assert.True(watch.Observe(At(2.0), present: true, oldOwners: true, stopEnded: true));

        Assert.Equal(At(0.5), watch.GoneAt);
        Assert.Equal(At(2.0), watch.BackAt);
    }

    [Fact]
    public void TakeBackWatch_NeverBack_GivesUpAfterTheHealCapWithoutABackTime()
    {
        var watch = new TakeBackWatch(started: 0, Cap(15), Cap(60));

        Assert.False(watch.Observe(At(1), present: false, oldOwners: false, stopEnded: true));
        Assert.False(watch.Observe(At(60.5), present: false, oldOwners: false, stopEnded: true));
        Assert.True(watch.Observe(At(61.5), present: false, oldOwners: false, stopEnded: true));

        Assert.Equal(At(1), watch.GoneAt);
        Assert.Null(watch.BackAt);
    }

    [Fact]
    public void TakeBackWatch_NewOwnerNeverRemovedIt_GivesUpAfterTheRemovalCap()
    {
        var watch = new TakeBackWatch(started: 0, Cap(15), Cap(60));

        Assert.False(watch.Observe(At(14), present: true, oldOwners: false, stopEnded: true));
        Assert.True(watch.Observe(At(16), present: true, oldOwners: false, stopEnded: true));

        Assert.Null(watch.GoneAt);
        Assert.Null(watch.BackAt);
    }

    [Fact]
    public void TakeBackWatch_OldOwnerListedBeforeTheNewOwnersStopEnded_IsNotCountedAsBack()
    {
        var watch = new TakeBackWatch(started: 0, Cap(15), Cap(60));

        // The old owner's entry can only be "back" once the new owner's entry went away or its stop returned.
        Assert.False(watch.Observe(At(0.2), present: true, oldOwners: true, stopEnded: false));
        Assert.True(watch.Observe(At(0.4), present: true, oldOwners: true, stopEnded: true));

        Assert.Equal(At(0.4), watch.GoneAt);
        Assert.Equal(At(0.4), watch.BackAt);
    }

    private static TimeSpan Cap(double seconds) => TimeSpan.FromSeconds(seconds);

    private static long At(double seconds) => (long)(seconds * System.Diagnostics.Stopwatch.Frequency);
}
