// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Scenarios.Reporting;
using CloudMap.Lifecycle.Scenarios.Scenarios;

namespace CloudMap.Lifecycle.Scenarios.Tests;

/// <summary>The pure parts of scenario 12: the ECS deployment steps, the call tally and the command line.</summary>
public sealed class DeploymentScenarioTests
{
    [Fact]
    public void Steps_TwoHundredTasksHalfAndFull_TwoStepsOfAHundred()
    {
        var steps = EcsDeploymentPlan.Steps(200, minimumHealthyPercent: 50, maximumPercent: 100);

        Assert.Equal([new EcsDeploymentStep(100, 100), new EcsDeploymentStep(100, 100)], steps);
    }

    [Fact]
    public void Steps_FullMinimumDoubleMaximum_StartsAllBeforeStoppingAny()
    {
        var steps = EcsDeploymentPlan.Steps(200, minimumHealthyPercent: 100, maximumPercent: 200);

        Assert.Equal([new EcsDeploymentStep(0, 200), new EcsDeploymentStep(200, 0)], steps);
    }

    [Fact]
    public void Steps_OddCount_RoundsTheHealthyMinimumUp()
    {
        // 3 × 50 % = 1.5 → 2 must stay healthy: one task at a time.
        var steps = EcsDeploymentPlan.Steps(3, minimumHealthyPercent: 50, maximumPercent: 100);

        Assert.Equal([new EcsDeploymentStep(1, 1), new EcsDeploymentStep(1, 1), new EcsDeploymentStep(1, 1)], steps);
    }

    [Fact]
    public void Steps_NoRoomEitherWay_ThrowsNamingTheSettings()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => EcsDeploymentPlan.Steps(200, minimumHealthyPercent: 100, maximumPercent: 100));

        Assert.Equal("maximumPercent", error.ParamName);
        Assert.Contains("minimumHealthyPercent 100 and maximumPercent 100", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 50, 100, "desiredCount")]
    [InlineData(200, 101, 200, "minimumHealthyPercent")]
    [InlineData(200, 50, 99, "maximumPercent")]
    [InlineData(200, 50, 201, "maximumPercent")]
    public void Steps_SettingOutOfRange_ThrowsNamingIt(int desired, int minimum, int maximum, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => EcsDeploymentPlan.Steps(desired, minimum, maximum));

        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void CallTally_From_CountsByOperationAndTakesOutTheScenariosOwnCalls()
    {
        (string, string?)[] log =
        [
            ("RegisterInstance", null), ("RegisterInstance", "ThrottlingException"), ("DeregisterInstance", null),
            ("DiscoverInstances", null), ("DiscoverInstances", null), ("DiscoverInstances", "RequestLimitExceeded"),
            ("DiscoverInstancesRevision", null), ("GetOperation", "InvalidInput"),
        ];

        var tally = CallTally.From(log, new Dictionary<string, long> { ["DiscoverInstances"] = 2, ["DiscoverInstancesRevision"] = 1, ["ListServices"] = 4 });

        Assert.Equal(["DeregisterInstance", "DiscoverInstances", "GetOperation", "RegisterInstance"], tally.Calls.Keys);
        Assert.Equal(2, tally.Calls["RegisterInstance"]);
        Assert.Equal(1, tally.Calls["DiscoverInstances"]);
        Assert.Equal(5, tally.TotalCalls);
        Assert.Equal(1, tally.Throttled["RegisterInstance"]);
        Assert.Equal(1, tally.Throttled["DiscoverInstances"]);
        Assert.Equal(2, tally.TotalThrottled);
        Assert.False(tally.Throttled.ContainsKey("GetOperation"));
    }

    [Fact]
    public void CallTally_PerInstance_DividesByTheTasksReplaced()
    {
        var tally = CallTally.From([("RegisterInstance", null), ("RegisterInstance", null), ("GetOperation", null)], new Dictionary<string, long>());

        Assert.Equal(1.5, tally.PerInstance(null, 2));
        Assert.Equal(1, tally.PerInstance("RegisterInstance", 2));
        Assert.Equal(0, tally.PerInstance("DeregisterInstance", 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => tally.PerInstance(null, 0));
    }

    [Fact]
    public void Parse_ScenarioTwelve_SelectsTheDeployment()
    {
        var options = RunOptions.Parse(["--scenario", "12", "--scenario", "7"], out var error);

        Assert.Null(error);
        Assert.Equal([7, 12], options!.Scenarios);
        Assert.Contains(12, RunOptions.Parse(["--full"], out _)!.Scenarios);
        Assert.DoesNotContain(12, RunOptions.Parse(["--smoke"], out _)!.Scenarios);
        Assert.Null(RunOptions.Parse(["--scenario", "14"], out error));
        Assert.Equal("Unknown or incomplete argument '--scenario'.", error);
    }
}
