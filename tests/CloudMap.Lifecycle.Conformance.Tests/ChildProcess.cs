// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Text;

namespace CloudMap.Lifecycle.Conformance.Tests;

/// <summary>A child process whose merged stdout/stderr is captured line by line; killed (with its tree) on dispose.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _watchers = [];
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _exitedFlag;

    private ChildProcess(Process process) => _process = process;

    /// <summary>Gets everything the process printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Completes with the exit code once the process has exited and both streams are drained.</summary>
    public Task<int> Exited => _exited.Task;

    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string workingDirectory,
        Action<IDictionary<string, string?>>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
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
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {fileName}.");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = child.WatchExitAsync();
        return child;
    }

    /// <summary>Completes with the first line (past or future) that matches; faults if the process exits first.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var existing = _output.ToString().Split('\n').FirstOrDefault(l => match(l.TrimEnd('\r')));
            if (existing is not null)
            {
                found.SetResult(existing.TrimEnd('\r'));
                return found.Task;
            }

            if (_exitedFlag)
            {
                found.SetException(new InvalidOperationException("The process exited before printing the expected line."));
                return found.Task;
            }

            _watchers.Add((match, found));
        }

        return found.Task;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource<string>> matched = [];
        lock (_gate)
        {
            _output.AppendLine(line);
            foreach (var watcher in _watchers.Where(w => w.Match(line)).ToList())
            {
                matched.Add(watcher.Found);
                _watchers.Remove(watcher);
            }
        }

        foreach (var found in matched)
        {
            found.TrySetResult(line);
        }
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
        catch (InvalidOperationException)
        {
            exitCode = -1;
        }

        List<TaskCompletionSource<string>> orphaned;
        lock (_gate)
        {
            _exitedFlag = true;
            orphaned = [.. _watchers.Select(w => w.Found)];
            _watchers.Clear();
        }

        foreach (var found in orphaned)
        {
            found.TrySetException(new InvalidOperationException($"The process exited (code {exitCode}) before printing the expected line."));
        }

        _exited.TrySetResult(exitCode);
    }
}
