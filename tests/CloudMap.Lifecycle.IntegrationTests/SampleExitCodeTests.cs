// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.IntegrationTests;

/// <summary>
/// Exit codes tell an orchestrator what happened (issue 9 item 8): the sample process, stopped with SIGTERM, exits with
/// the code the library set (4: the deregistration failed, the instance may stay registered), not a constant 0.
/// </summary>
public sealed class SampleExitCodeTests
{
    private static readonly TimeSpan ProcessGuard = TimeSpan.FromSeconds(60);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task Sample_DeregistrationFailsForTheWholeBudget_ExitsWithCode4()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { RandomSeed = 1 }, Token);
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("exit.local"), "orders");
        await using var process = ChildProcess.StartDotnet(
            "sample",
            Path.Combine(AppContext.BaseDirectory, "CloudMap.Lifecycle.Sample.dll"),
            [
                "--urls", "http://127.0.0.1:0", "--Sample:WarmupSeconds=0",
                $"--AWS:ServiceURL={emulator.Endpoint}", $"--AWS:Region={emulator.Region}",
                "--CloudMap:NamespaceName=exit.local", "--CloudMap:ServiceName=orders", "--CloudMap:InstanceId=exit-1",
                "--CloudMap:Shutdown:DrainDelay=00:00:00",
            ],
            env =>
            {
                foreach (var key in env.Keys.Where(k => k.StartsWith("AWS", StringComparison.OrdinalIgnoreCase)
                    || k.StartsWith("CloudMap__", StringComparison.OrdinalIgnoreCase)
                    || k.StartsWith("Sample__", StringComparison.OrdinalIgnoreCase)
                    || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)).ToList())
                {
                    env.Remove(key);
                }

                env["AWS_ACCESS_KEY_ID"] = "exit";
                env["AWS_SECRET_ACCESS_KEY"] = "exit";
            });
        await process.WaitForLineAsync(l => l.Contains("registered instance 'exit-1'", StringComparison.Ordinal)).WaitAsync(ProcessGuard, Token);

        // Cloud Map fails every DeregisterInstance for the whole deregistration timeout (10 s by the sample's settings).
        emulator.Faults.ErrorRate(1.0, 503, "DeregisterInstance");
        process.Terminate();
        var exitCode = await process.Exited.WaitAsync(ProcessGuard, Token);

        Assert.True(exitCode == 4, $"Exit code {exitCode}.{Environment.NewLine}{process.Output}");
        Assert.Contains(process.Lines, l => l.Contains("may stay registered", StringComparison.Ordinal));
        Assert.NotNull(emulator.FindInstance(serviceId, "exit-1")); // what the exit code warns about
    }
}
