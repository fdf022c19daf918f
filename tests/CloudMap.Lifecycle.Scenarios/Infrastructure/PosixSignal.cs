// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>
/// Sends a real SIGTERM. <see cref="System.Diagnostics.Process.Kill(bool)"/> sends SIGKILL on Unix, which would skip the
/// graceful shutdown the scenarios are about.
/// </summary>
internal static partial class PosixSignal
{
    private const int SigTerm = 15;

    public static void Terminate(int pid)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("The scenarios send SIGTERM and need Linux or macOS.");
        }

        if (Kill(pid, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
