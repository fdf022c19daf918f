// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Text;

namespace CloudMap.Lifecycle.TestInfrastructure;

/// <summary>
/// A child process (the standalone emulator, the sample app, a conformance script) whose merged stdout/stderr is
/// captured line by line. It can be waited on for a line or for its exit, stopped gracefully with SIGTERM, and is
/// killed with its whole process tree on dispose, so no test leaves a process behind.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable, IDisposable
{
    /// <summary>How many output lines are kept by default (the oldest are dropped first).</summary>
    public const int DefaultMaxLines = 10_000;

    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly int _maxLines;
    private readonly Lock _gate = new();
    private readonly Queue<string> _lines = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _watchers = [];
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _hasExited;

    private ChildProcess(string name, Process process, int maxLines)
    {
        Name = name;
        _process = process;
        _maxLines = maxLines;
    }

    /// <summary>Gets the name the process was started under (for messages).</summary>
    public string Name { get; }

    /// <summary>Gets the process id.</summary>
    public int Id => _process.Id;

    /// <summary>Gets a value indicating whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Gets the exit code, or <see langword="null"/> while the process runs.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Gets the time SIGTERM was sent (a <see cref="Stopwatch"/> timestamp), or <see langword="null"/>.</summary>
    public long? TerminatedAt { get; private set; }

    /// <summary>Gets a task that completes with the exit code once the process has exited and both streams are drained.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>Gets the output lines kept so far (stdout and stderr merged, in arrival order).</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Gets the output kept so far as one text.</summary>
    public string Output => string.Join(Environment.NewLine, Lines);

    /// <summary>Starts <paramref name="fileName"/> with its output captured and its standard input closed.</summary>
    /// <param name="name">A name for messages.</param>
    /// <param name="fileName">The program.</param>
    /// <param name="arguments">The arguments, passed one by one (no shell quoting).</param>
    /// <param name="workingDirectory">The working directory; the current one when <see langword="null"/>.</param>
    /// <param name="environment">Edits the inherited environment before the start.</param>
    /// <param name="maxLines">How many output lines to keep.</param>
    /// <returns>The running process.</returns>
    public static ChildProcess Start(
        string name,
        string fileName,
        IEnumerable<string> arguments,
        string? workingDirectory = null,
        Action<IDictionary<string, string?>>? environment = null,
        int maxLines = DefaultMaxLines)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLines, 1);
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        environment?.Invoke(info.Environment);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process, maxLines);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        if (!process.Start())
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start {name} ({fileName}).");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = child.WatchExitAsync();
        return child;
    }

    /// <summary>
    /// Starts <c>dotnet <paramref name="dll"/></c> in the folder of the dll, without the runner's own
    /// <c>ASPNETCORE_URLS</c> (a dev shell's setting must not leak into a child) and without the SDK banner.
    /// </summary>
    /// <param name="name">A name for messages.</param>
    /// <param name="dll">The built assembly to run.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="environment">Edits the environment after those defaults.</param>
    /// <param name="maxLines">How many output lines to keep.</param>
    /// <returns>The running process.</returns>
    public static ChildProcess StartDotnet(
        string name,
        string dll,
        IEnumerable<string> arguments,
        Action<IDictionary<string, string?>>? environment = null,
        int maxLines = DefaultMaxLines)
    {
        ArgumentException.ThrowIfNullOrEmpty(dll);
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{name}: {dll} was not built. Build the solution (or the project that references it) first.", dll);
        }

        return Start(
            name,
            "dotnet",
            [dll, .. arguments],
            Path.GetDirectoryName(dll),
            env =>
            {
                env.Remove("ASPNETCORE_URLS");
                env["DOTNET_NOLOGO"] = "1";
                environment?.Invoke(env);
            },
            maxLines);
    }

    /// <summary>Completes with the first line (already printed or still to come) that matches; faults if the process exits first.</summary>
    /// <param name="match">The line to wait for.</param>
    /// <returns>The matching line.</returns>
    public Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        lock (_gate)
        {
            foreach (var line in _lines)
            {
                if (match(line))
                {
                    return Task.FromResult(line);
                }
            }

            if (_hasExited)
            {
                return Task.FromException<string>(new InvalidOperationException($"{Name} exited before printing the expected line."));
            }

            var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _watchers.Add((match, found));
            return found.Task;
        }
    }

    /// <summary>Sends SIGTERM (a graceful stop) unless the process has exited.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            TerminatedAt = Stopwatch.GetTimestamp();
            PosixSignal.Terminate(_process.Id);
        }
    }

    /// <summary>Waits for the exit; returns <see langword="false"/> when <paramref name="timeout"/> passed first.</summary>
    /// <param name="timeout">How long to wait (real time: a hang guard, not a timing assumption).</param>
    /// <returns>Whether the process exited.</returns>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _exited.Task.WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, then waits; kills the process tree if it did not stop in time.</summary>
    /// <param name="timeout">How long the graceful stop may take.</param>
    /// <returns><see langword="true"/> when the process stopped gracefully.</returns>
    public async Task<bool> StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return true;
        }

        Terminate();
        if (await WaitForExitAsync(timeout).ConfigureAwait(false))
        {
            return true;
        }

        Kill();
        await WaitForExitAsync(KillWait).ConfigureAwait(false);
        return false;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Kill())
        {
            await WaitForExitAsync(KillWait).ConfigureAwait(false);
        }

        _process.Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Kill())
        {
            _process.WaitForExit(KillWait);
        }

        _process.Dispose();
    }

    private bool Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                return true;
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }

        return false;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource<string>>? matched = null;
        lock (_gate)
        {
            _lines.Enqueue(line);
            while (_lines.Count > _maxLines)
            {
                _lines.Dequeue();
            }

            for (var i = _watchers.Count - 1; i >= 0; i--)
            {
                if (_watchers[i].Match(line))
                {
                    (matched ??= []).Add(_watchers[i].Found);
                    _watchers.RemoveAt(i);
                }
            }
        }

        matched?.ForEach(found => found.TrySetResult(line));
    }

    /// <summary>Waits (off the stream callbacks) for the exit and the end of both streams, then settles every waiter.</summary>
    private async Task WatchExitAsync()
    {
        int exitCode;
        try
        {
            await _process.WaitForExitAsync().ConfigureAwait(false);
            exitCode = _process.ExitCode;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // Disposed after a kill whose exit did not arrive in time: nobody reads the code any more.
            exitCode = -1;
        }

        List<TaskCompletionSource<string>> orphaned;
        lock (_gate)
        {
            _hasExited = true;
            orphaned = [.. _watchers.Select(w => w.Found)];
            _watchers.Clear();
        }

        foreach (var found in orphaned)
        {
            found.TrySetException(new InvalidOperationException($"{Name} exited (code {exitCode}) before printing the expected line."));
        }

        _exited.TrySetResult(exitCode);
    }
}
