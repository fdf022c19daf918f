// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

internal interface IScenario
{
    int Number { get; }

    string Title { get; }

    /// <summary>Runs every repetition for both modes, adding samples to <paramref name="result"/>.</summary>
    Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken);
}
