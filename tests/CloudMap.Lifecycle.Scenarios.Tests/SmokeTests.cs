// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Scenarios;
using CloudMap.Lifecycle.Scenarios.Reporting;
using CloudMap.Lifecycle.TestInfrastructure;

namespace CloudMap.Lifecycle.Scenarios.Tests;

/// <summary>
/// The CI smoke run of the scenario suite (scenarios 2 and 6, reduced, both modes; scenario 8's SIGKILL-while-running
/// case, library mode): real sample processes under load, randomized start/stop trials against a faulty emulator, and a
/// crashed instance among three. Fails if the library dropped a request, left a zombie or removed a live instance.
/// </summary>
public sealed class SmokeTests
{
    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task Smoke_LibraryMode_DropsNoRequestAndLeavesNoZombie()
    {
        var output = new StringWriter();
        var options = RunOptions.Parse(["--smoke", "--out", Path.Combine(Path.GetTempPath(), "cloudmap-scenarios-smoke-test")], out var error)!;
        Assert.Null(error);
        options.Log = output;

        var report = await ScenarioRunner.RunAsync(options, TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(output.ToString());

        Assert.Equal([2, 6, 8], report.Scenarios.Select(s => s.Number));
        foreach (var scenario in report.Scenarios)
        {
            Assert.False(scenario.Failures.ContainsKey(RegistrationMode.Library), $"scenario {scenario.Number} failed in library mode: {scenario.Failures.GetValueOrDefault(RegistrationMode.Library)}");
        }

        // The gate itself must have looked at real figures, not at empty ones.
        var requests = report.Scenarios.Single(s => s.Number == 2).Find("requests-sent")!.Samples(RegistrationMode.Library);
        Assert.NotEmpty(requests);
        Assert.All(requests, r => Assert.True(r > 0, "the load generator sent no request"));
        Assert.Equal([0d], report.Scenarios.Single(s => s.Number == 2).Find("failed-requests")!.Samples(RegistrationMode.Library));
        Assert.Equal([0d], report.Scenarios.Single(s => s.Number == 2).Find("zombies")!.Samples(RegistrationMode.Library));
        var faults = report.Scenarios.Single(s => s.Number == 6);
        var zombies = faults.Find("zombies")!.Samples(RegistrationMode.Library);
        Assert.True(
            zombies is [0d],
            $"library zombies in scenario 6: {string.Join(", ", zombies)}\n{string.Join("\n", faults.ScenarioNotes.Where(n => n.StartsWith("Library zombie", StringComparison.Ordinal)))}");
        Assert.Equal([0d], report.Scenarios.Single(s => s.Number == 6).Find("unexpected-exceptions")!.Samples(RegistrationMode.Library));
        var crash = report.Scenarios.Single(s => s.Number == 8);
        var removal = crash.Find("crash-removal-running-s")!;
        Assert.True(removal.Samples(RegistrationMode.Library) is [var seconds] && seconds <= 90, $"SIGKILL while running → undiscoverable: {string.Join(", ", removal.Samples(RegistrationMode.Library))} {string.Join("; ", removal.Notes(RegistrationMode.Library))} (goal ≤ 90 s)");
        Assert.Equal([0d], crash.Find("crash-zombies")!.Samples(RegistrationMode.Library));
        Assert.Equal([0d], crash.Find("crash-wrongful-removals")!.Samples(RegistrationMode.Library));
        Assert.Empty(report.GateFailures);
    }

    [Fact]
    public void Gate_LibraryDroppedRequest_FailsTheRun()
    {
        var report = new RunReport { Command = "test", Smoke = true, Repeat = 1 };
        var scenario = new ScenarioResult(2, "Rolling restart under load");
        scenario.Metric("failed-requests", "Failed requests", string.Empty, goal: "0").Add(RegistrationMode.Library, 1);
        scenario.Metric("zombies", "Zombies after stop", string.Empty, goal: "0").Add(RegistrationMode.Baseline, 3);
        report.Scenarios.Add(scenario);

        ScenarioRunner.Gate(report);

        var failure = Assert.Single(report.GateFailures);
        Assert.Contains("Failed requests", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(6, "adv-zombies", "Zombies, adversarial cases (sum)")]
    [InlineData(6, "adv-superseded-pushes", "Superseded owner: status pushes onto the new owner's entry")]
    [InlineData(8, "crash-zombies", "Zombies: dead instances still registered at the end (sum over the cases)")]
    [InlineData(8, "crash-wrongful-removals", "Wrongful removals of live instances (sum over the cases)")]
    public void Gate_LibraryBrokeAGuarantee_FailsTheRun(int number, string key, string name)
    {
        var report = new RunReport { Command = "test", Smoke = false, Repeat = 1 };
        var scenario = new ScenarioResult(number, "Scenario");
        scenario.Metric(key, name, string.Empty, goal: "0").Add(RegistrationMode.Library, 1);
        scenario.Metric(key + "-baseline-only", "Baseline figure", string.Empty, goal: "0").Add(RegistrationMode.Baseline, 3);
        report.Scenarios.Add(scenario);

        ScenarioRunner.Gate(report);

        var failure = Assert.Single(report.GateFailures);
        Assert.Contains(name, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Gate_CrashScenarioBaselineLeftZombies_PassesTheRun()
    {
        var report = new RunReport { Command = "test", Smoke = false, Repeat = 1 };
        var scenario = new ScenarioResult(8, "Crash cleanup");
        scenario.Metric("crash-zombies", "Zombies", string.Empty, goal: "0").Add(RegistrationMode.Library, 0);
        scenario.Metric("crash-zombies", "Zombies", string.Empty, goal: "0").Add(RegistrationMode.Baseline, 5);
        report.Scenarios.Add(scenario);

        ScenarioRunner.Gate(report);

        Assert.Empty(report.GateFailures);
    }

    [Fact]
    public void Gate_LibraryModeDidNotRun_FailsTheRun()
    {
        var report = new RunReport { Command = "test", Smoke = true, Repeat = 1 };
        var scenario = new ScenarioResult(6, "Faults");
        scenario.Fail(RegistrationMode.Library, "emulator did not start");
        report.Scenarios.Add(scenario);

        ScenarioRunner.Gate(report);

        Assert.Contains(report.GateFailures, f => f.Contains("emulator did not start", StringComparison.Ordinal));
    }

    [Fact]
    public void Summary_OddAndEvenCounts_InterpolatesPercentiles()
    {
        var summary = Summary.Of([4, 1, 3, 2]);

        Assert.Equal(2.5, summary.Median);
        Assert.Equal(1, summary.Min);
        Assert.Equal(4, summary.Max);
        Assert.Equal(1.15, summary.P5, 6);
        Assert.Equal(3.85, summary.P95, 6);
        Assert.Equal(3, Summary.Of([5, 3, 1]).Median);
    }

    [Fact]
    public void Report_FailedMode_SaysFailedNeverZero()
    {
        var report = new RunReport { Command = "test", Smoke = false, Repeat = 1 };
        var scenario = new ScenarioResult(4, "Steady-state cost");
        scenario.Metric("calls", "Calls per instance-hour", string.Empty).Add(RegistrationMode.Baseline, 361);
        scenario.Fail(RegistrationMode.Library, "host did not register");
        report.Scenarios.Add(scenario);

        var markdown = ReportWriter.Markdown(report);
        var svg = SvgChart.Render(scenario);

        Assert.Contains("| 4 | Calls per instance-hour |  | **failed** | 361 |", markdown, StringComparison.Ordinal);
        Assert.Contains("host did not register", markdown, StringComparison.Ordinal);
        Assert.Contains(">failed<", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SmokeWithoutScenario_SelectsScenariosTwoSixAndEight()
    {
        var options = RunOptions.Parse(["--smoke"], out var error);

        Assert.Null(error);
        Assert.Equal([2, 6, 8], options!.Scenarios);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], RunOptions.Parse([], out _)!.Scenarios);
        Assert.Equal([13], RunOptions.Parse(["--scenario", "13"], out _)!.Scenarios);
        Assert.Equal([8], RunOptions.Parse(["--scenario", "8"], out _)!.Scenarios);
        Assert.Equal(1, options.EffectiveRepeat);
        Assert.Null(RunOptions.Parse(["--scenario", "14"], out error));
        Assert.NotNull(error);
    }
}
