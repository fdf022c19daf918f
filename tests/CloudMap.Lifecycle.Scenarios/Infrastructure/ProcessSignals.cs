// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>
/// SIGSTOP and SIGCONT through libc <c>kill(2)</c>: a paused process keeps its sockets (the kernel still accepts
/// connections into the listen backlog) but answers nothing, as an overloaded or frozen process does. SIGKILL is
/// <see cref="System.Diagnostics.Process.Kill()"/> and SIGTERM <see cref="PosixSignal.Terminate(int)"/>.
/// </summary>
internal static partial class ProcessSignals
{
    /// <summary>Kills the process at once with <see cref="System.Diagnostics.Process.Kill()"/> (SIGKILL on Linux and macOS); false when it had exited already.</summary>
    public static bool Kill(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // Exited already (a baseline that finished its stop before the SIGKILL).
            return false;
        }
    }

    // Linux numbers (x86-64 and arm64); macOS uses 17 and 19.
    private const int LinuxSigStop = 19;
    private const int LinuxSigCont = 18;
    private const int MacSigStop = 17;
    private const int MacSigCont = 19;

    /// <summary>Pauses the process (SIGSTOP).</summary>
    public static void Stop(int pid) => Send(pid, OperatingSystem.IsMacOS() ? MacSigStop : LinuxSigStop, "SIGSTOP");

    /// <summary>Resumes a paused process (SIGCONT).</summary>
    public static void Continue(int pid) => Send(pid, OperatingSystem.IsMacOS() ? MacSigCont : LinuxSigCont, "SIGCONT");

    private static void Send(int pid, int signal, string name)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException($"{name} needs Linux or macOS.");
        }

        if (Kill(pid, signal) != 0)
        {
            throw new InvalidOperationException(Format.Invariant($"kill({pid}, {name}) failed with errno {Marshal.GetLastPInvokeError()}."));
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
