// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// The process exit codes the library sets (through <see cref="Environment.ExitCode"/>) when it ends or fails a run in a
/// way an orchestrator should see. An exit code the application or another component already set is never
/// overwritten: the first non-zero code wins. The README lists each case.
/// </summary>
/// <remarks>
/// A host that returns its own code from <c>Main</c> (<c>return 1;</c>) overrides <see cref="Environment.ExitCode"/>;
/// <c>app.Run()</c> and <c>await host.RunAsync()</c> in a <c>void</c>/<c>Task</c> <c>Main</c> or top-level
/// statements do not.
/// </remarks>
internal static class LifecycleExitCodes
{
    /// <summary>
    /// 3: the library stopped the application because its readiness checks did not pass within
    /// <see cref="CloudMapReadinessOptions.Timeout"/> (<see cref="ReadinessTimeoutBehavior.StopApplication"/>); nothing
    /// was registered.
    /// </summary>
    public const int NeverReady = 3;

    /// <summary>4: the library could not deregister the instance at stop; it may stay registered.</summary>
    public const int DeregistrationFailed = 4;

    /// <summary>Sets <see cref="Environment.ExitCode"/> to <paramref name="code"/> unless it is already non-zero.</summary>
    /// <param name="code">One of the codes above.</param>
    public static void Report(int code)
    {
        if (Environment.ExitCode == 0)
        {
            Environment.ExitCode = code;
        }
    }
}
