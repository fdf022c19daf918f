// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace CloudMap.Lifecycle.IntegrationTests;

/// <summary>
/// The README's first command, proven: the built sample started as a child process with no Cloud Map configuration
/// (so it embeds the emulator), then stopped with SIGTERM as an orchestrator would.
/// </summary>
public sealed partial class SampleProcessTests
{
    private static readonly TimeSpan ProcessGuard = TimeSpan.FromSeconds(60);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sample_NoConfiguration_RegistersWhenWarmAndDeregistersBeforeStopping()
    {
        var output = new ProcessOutput();
        using var process = StartSample(output, "--urls", "http://127.0.0.1:0", "--Sample:WarmupSeconds=1", "--CloudMap:InstanceId=proc-1", "--CloudMap:Shutdown:DrainDelay=00:00:01");
        try
        {
            var listening = await output.WaitForLineAsync(l => l.Contains("Now listening on: ", StringComparison.Ordinal)).WaitAsync(ProcessGuard, Token);
            var baseAddress = new Uri(ListeningUrl().Match(listening).Value);
            await output.WaitForLineAsync(l => l.Contains("registered instance 'proc-1'", StringComparison.Ordinal)).WaitAsync(ProcessGuard, Token);

            using var http = new HttpClient { BaseAddress = baseAddress };
            Assert.Equal("proc-1", await http.GetStringAsync(new Uri("/", UriKind.Relative), Token));
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/ready", UriKind.Relative), Token)).StatusCode);

            SendSigterm(process);
            await process.WaitForExitAsync(Token).WaitAsync(ProcessGuard, Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var lines = output.Lines;
        Assert.True(process.ExitCode == 0, $"Exit code {process.ExitCode}.{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");
        Assert.Contains(lines, l => l.Contains("No Cloud Map configured: using the embedded emulator at http://127.0.0.1:", StringComparison.Ordinal));
        var warmed = IndexOf(lines, "Product cache filled");
        var registering = IndexOf(lines, "registering instance 'proc-1'");
        var deregistered = IndexOf(lines, "deregistered instance 'proc-1'");
        var drained = IndexOf(lines, "drain completed");
        Assert.True(warmed < registering, "Registered before the cache was warm.");
        Assert.True(registering < deregistered && deregistered < drained, string.Join(Environment.NewLine, lines));
    }

    private static int IndexOf(IReadOnlyList<string> lines, string text)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Contains(text, StringComparison.Ordinal))
            {
                return i;
            }
        }

        Assert.Fail($"No line contains \"{text}\":{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");
        return -1;
    }

    private static Process StartSample(ProcessOutput output, params string[] args)
    {
        // The sample is built next to the tests (project reference), with its appsettings.json.
        var directory = AppContext.BaseDirectory;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(directory, "CloudMap.Lifecycle.Sample.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // A fresh machine: nothing about Cloud Map or AWS in the environment.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AWS", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("CloudMap__", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("Sample__", StringComparison.OrdinalIgnoreCase)
            || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void SendSigterm(Process process)
    {
        // What ECS and Kubernetes send; the .NET host treats it like Ctrl+C.
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex ListeningUrl();

    private sealed class ProcessOutput
    {
        private readonly Lock _lock = new();
        private readonly List<string> _lines = [];
        private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Completion)> _waiters = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lock)
                {
                    return [.. _lines];
                }
            }
        }

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            List<(Func<string, bool> Match, TaskCompletionSource<string> Completion)> matched;
            lock (_lock)
            {
                _lines.Add(line);
                matched = _waiters.Where(w => w.Match(line)).ToList();
                _waiters.RemoveAll(matched.Contains);
            }

            foreach (var waiter in matched)
            {
                waiter.Completion.TrySetResult(line);
            }
        }

        public Task<string> WaitForLineAsync(Func<string, bool> match)
        {
            lock (_lock)
            {
                var seen = _lines.FirstOrDefault(match);
                if (seen is not null)
                {
                    return Task.FromResult(seen);
                }

                var completion = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((match, completion));
                return completion.Task;
            }
        }
    }
}
