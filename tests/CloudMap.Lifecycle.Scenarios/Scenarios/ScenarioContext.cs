// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>What a scenario needs from the runner.</summary>
internal sealed class ScenarioContext(RunOptions options)
{
    public bool Smoke => options.Smoke;

    public int Repeat => options.EffectiveRepeat;

    public bool RunsRandomTrials => options.RunsRandomTrials;

    public bool RunsAdversarialCases => options.RunsAdversarialCases;

    public string OutputDirectory => options.EffectiveOutputDirectory;

    public void Log(string message)
    {
        lock (options.Log)
        {
            options.Log.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
        }
    }
}
