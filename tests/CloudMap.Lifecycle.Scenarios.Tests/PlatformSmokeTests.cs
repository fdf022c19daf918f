// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Scenarios;
using CloudMap.Lifecycle.Scenarios.Reporting;
using CloudMap.Lifecycle.TestInfrastructure;

namespace CloudMap.Lifecycle.Scenarios.Tests;

/// <summary>
/// The reduced case of scenario 11 (about 35 s here, alone; its smoke: the ECS case, platform evidence only): three
/// sample processes run as ECS tasks of the standalone emulator, reading their identity from its task metadata v4;
/// one is SIGKILLed and ECS reports it STOPPED. Fails unless the dead registration goes, on the platform's word (ECS
/// was asked), and no live instance is removed.
/// </summary>
public sealed class PlatformSmokeTests
{
    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Smoke_EcsTaskStoppedWithoutShutdownHook_RemovedOnEcsEvidence_NothingElse()
    {
        var output = new StringWriter();
        var options = new RunOptions
        {
            Smoke = true,
            Scenarios = [11],
            OutputDirectory = Path.Combine(Path.GetTempPath(), "cloudmap-scenarios-platform-smoke-test"),
            Log = output,
        };

        var report = await ScenarioRunner.RunAsync(options, TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(output.ToString());

        var scenario = Assert.Single(report.Scenarios);
        Assert.Equal(11, scenario.Number);
        Assert.False(scenario.Failures.ContainsKey(RegistrationMode.Library), $"scenario 11 failed: {scenario.Failures.GetValueOrDefault(RegistrationMode.Library)}\n{output}");
        var removal = scenario.Find("platform-removal-ecs-stopped-s")!.Samples(RegistrationMode.Library);
        Assert.True(removal is [> 0], $"removal: {string.Join(", ", removal)}; {string.Join("; ", scenario.Find("platform-removal-ecs-stopped-s")!.Notes(RegistrationMode.Library))}\n{output}");
        var platformCalls = scenario.Find("platform-calls-ecs-stopped")!.Samples(RegistrationMode.Library);
        Assert.True(platformCalls is [> 0], $"DescribeTasks calls between the crash and the removal: {string.Join(", ", platformCalls)}");
        Assert.Equal([0d], scenario.Find("platform-wrongful-removals")!.Samples(RegistrationMode.Library));
        Assert.Equal([0d], scenario.Find("platform-zombies")!.Samples(RegistrationMode.Library));
    }
}
