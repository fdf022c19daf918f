// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;

namespace CloudMap.Lifecycle.TestInfrastructure;

/// <summary>
/// Sends a real SIGTERM. <see cref="System.Diagnostics.Process.Kill(bool)"/> sends SIGKILL on Unix, which would skip the
/// graceful shutdown the tests and scenarios are about.
/// </summary>
public static partial class PosixSignal
{
    private const int SigTerm = 15;

    /// <summary>Sends SIGTERM to <paramref name="pid"/>, as ECS and Kubernetes do; the .NET host treats it like Ctrl+C.</summary>
    /// <param name="pid">The process id.</param>
    /// <exception cref="PlatformNotSupportedException">Not Linux or macOS.</exception>
    /// <exception cref="InvalidOperationException">kill(2) failed.</exception>
    public static void Terminate(int pid)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("SIGTERM needs Linux or macOS.");
        }

        if (Kill(pid, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
