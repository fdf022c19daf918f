// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// The process exit codes the library sets (through <see cref="Environment.ExitCode"/>, only when it is still 0) so an
/// orchestrator can tell what happened: 0 is a clean run, 1 is left to the application (a failed start), and these
/// mean the library ended the run in a state someone must look at. The README lists each case.
/// </summary>
/// <remarks>
/// A host that returns its own code from <c>Main</c> (<c>return 1;</c>) overrides <see cref="Environment.ExitCode"/>;
/// <c>app.Run()</c> and <c>await host.RunAsync()</c> in a <c>void</c>/<c>Task</c> <c>Main</c> or top-level
/// statements do not.
/// </remarks>
internal static class LifecycleExitCodes
{
    /// <summary>The library stopped the application because it never became ready (<c>Readiness:TimeoutBehavior = StopApplication</c>).</summary>
    public const int NeverReady = 3;

    /// <summary>The deregistration at stop failed: the instance may stay registered in Cloud Map.</summary>
    public const int DeregistrationFailed = 4;

    /// <summary>Sets <see cref="Environment.ExitCode"/> to <paramref name="exitCode"/> unless a non-zero code is already set (the first reason wins).</summary>
    /// <returns>Whether the exit code was set.</returns>
    public static bool SetUnlessAlreadySet(int exitCode)
    {
        if (Environment.ExitCode != 0)
        {
            return false;
        }

        Environment.ExitCode = exitCode;
        return true;
    }
}
