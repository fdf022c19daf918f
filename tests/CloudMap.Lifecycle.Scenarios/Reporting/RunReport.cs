// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Reporting;

/// <summary>The outcome of one runner invocation.</summary>
public sealed class RunReport
{
    public required string Command { get; init; }

    public required bool Smoke { get; init; }

    public required int Repeat { get; init; }

    /// <summary>Gets what the run covered, as the report's first line says it: "full run", "smoke: reduced sizes", ….</summary>
    public string Scope { get; init; } = "full run";

    public DateTimeOffset StartedAt { get; init; } = DateTimeOffset.UtcNow;

    public TimeSpan Elapsed { get; set; }

    public List<ScenarioResult> Scenarios { get; } = [];

    /// <summary>Gets the reasons the smoke gate fails (library dropped a request, left a zombie, or a scenario failed to run).</summary>
    public List<string> GateFailures { get; } = [];
}
