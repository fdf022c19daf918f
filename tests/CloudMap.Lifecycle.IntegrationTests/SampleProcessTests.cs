// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

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
    [Trait(Guarantees.Trait, Guarantees.G1)]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task Sample_NoConfiguration_RegistersWhenWarmAndDeregistersBeforeStopping()
    {
        await using var process = StartSample("--urls", "http://127.0.0.1:0", "--Sample:WarmupSeconds=1", "--CloudMap:InstanceId=proc-1", "--CloudMap:Shutdown:DrainDelay=00:00:01");
        var listening = await process.WaitForLineAsync(l => l.Contains("Now listening on: ", StringComparison.Ordinal)).WaitAsync(ProcessGuard, Token);
        var baseAddress = new Uri(ListeningUrl().Match(listening).Value);
        await process.WaitForLineAsync(l => l.Contains("registered instance 'proc-1'", StringComparison.Ordinal)).WaitAsync(ProcessGuard, Token);

        using var http = new HttpClient { BaseAddress = baseAddress };
        Assert.Equal("proc-1", await http.GetStringAsync(new Uri("/", UriKind.Relative), Token));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/ready", UriKind.Relative), Token)).StatusCode);

        // What ECS and Kubernetes send; the .NET host treats it like Ctrl+C.
        process.Terminate();
        var exitCode = await process.Exited.WaitAsync(ProcessGuard, Token);

        var lines = process.Lines;
        Assert.True(exitCode == 0, $"Exit code {exitCode}.{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");
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

    private static ChildProcess StartSample(params string[] args) =>

        // The sample is built next to the tests (project reference), with its appsettings.json.
        ChildProcess.StartDotnet("sample", Path.Combine(AppContext.BaseDirectory, "CloudMap.Lifecycle.Sample.dll"), args, env =>
        {
            // A fresh machine: nothing about Cloud Map or AWS in the environment.
            foreach (var key in env.Keys.Where(k => k.StartsWith("AWS", StringComparison.OrdinalIgnoreCase)
                || k.StartsWith("CloudMap__", StringComparison.OrdinalIgnoreCase)
                || k.StartsWith("Sample__", StringComparison.OrdinalIgnoreCase)
                || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                env.Remove(key);
            }
        });

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex ListeningUrl();
}
