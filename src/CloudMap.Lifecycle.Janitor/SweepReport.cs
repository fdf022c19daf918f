// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Janitor;

/// <summary>What one sweep did, counted per decision; its <see cref="ExitCode"/> is what <c>--once</c> exits with.</summary>
internal sealed class SweepReport
{
    /// <summary>Gets or sets the services swept.</summary>
    public int Services { get; set; }

    /// <summary>Gets or sets the instances listed.</summary>
    public int Instances { get; set; }

    /// <summary>Gets or sets the instances deregistered.</summary>
    public int Removed { get; set; }

    /// <summary>Gets or sets the instances a dry run would deregister.</summary>
    public int WouldRemove { get; set; }

    /// <summary>Gets or sets the instances with enough evidence that a safety limit held back.</summary>
    public int Held { get; set; }

    /// <summary>Gets or sets the instances the platform reports alive (and healthy enough).</summary>
    public int Kept { get; set; }

    /// <summary>Gets or sets the instances that could not be judged, or whose removal the second look did not confirm.</summary>
    public int LeftAlone { get; set; }

    /// <summary>Gets or sets the calls (or groups of calls) that failed.</summary>
    public int Failures { get; set; }

    /// <summary>Gets or sets a value indicating whether the sweep stopped before it finished (a signal).</summary>
    public bool Interrupted { get; set; }

    /// <summary>Gets the exit code: 1 when a call failed or the sweep did not finish, else 3 when a limit held removals back, else 0.</summary>
    public int ExitCode => Failures > 0 || Interrupted ? JanitorExitCodes.CallsFailed
        : Held > 0 ? JanitorExitCodes.HeldBack
        : JanitorExitCodes.Ok;
}
