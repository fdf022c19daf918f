// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Text;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>A child process (sample app or emulator) with its output captured, stopped gracefully with SIGTERM.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private const int MaxLines = 400;
    private readonly Process process;
    private readonly Queue<string> lines = new();

    private ChildProcess(string name, Process process)
    {
        Name = name;
        this.process = process;
    }

    public string Name { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public int? ExitCode => process.HasExited ? process.ExitCode : null;

    /// <summary>Gets the time the SIGTERM was sent (Stopwatch timestamp), or null.</summary>
    public long? TerminatedAt { get; private set; }

    public static ChildProcess Start(string name, string dll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // A child must not inherit the runner's own settings by accident (e.g. ASPNETCORE_URLS from a dev shell).
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => child.Capture(e.Data);
        process.ErrorDataReceived += (_, e) => child.Capture(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {name} ({dll}).");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Sends SIGTERM (graceful stop).</summary>
    public void Terminate()
    {
        if (!process.HasExited)
        {
            TerminatedAt = Stopwatch.GetTimestamp();
            PosixSignal.Terminate(process.Id);
        }
    }

    /// <summary>Waits for the process to exit; returns false on timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, then wait; SIGKILL if it did not stop in time. Returns true when it stopped gracefully.</summary>
    public async Task<bool> StopAsync(TimeSpan timeout)
    {
        if (process.HasExited)
        {
            return true;
        }

        Terminate();
        if (await WaitForExitAsync(timeout).ConfigureAwait(false))
        {
            return true;
        }

        process.Kill(entireProcessTree: true);
        await WaitForExitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        return false;
    }

    public string Output()
    {
        lock (lines)
        {
            var builder = new StringBuilder();
            foreach (var line in lines)
            {
                builder.AppendLine(line);
            }

            return builder.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await WaitForExitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (lines)
        {
            lines.Enqueue(line);
            while (lines.Count > MaxLines)
            {
                lines.Dequeue();
            }
        }
    }
}
