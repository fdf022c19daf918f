// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>Placeholder until a scenario is implemented: reported as failed, never as zero.</summary>
internal sealed class NotYetAvailableScenario(int number) : IScenario
{
    public int Number => number;

    public string Title => $"Scenario {number}";

    public Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        result.Fail(RegistrationMode.Library, "not implemented yet");
        result.Fail(RegistrationMode.Baseline, "not implemented yet");
        return Task.CompletedTask;
    }
}
