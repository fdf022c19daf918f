// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using CloudMap.Lifecycle.Scenarios.Load;

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>Scenario 2: each instance in turn is replaced (new one ready first, then SIGTERM to the old one) under steady load.</summary>
internal sealed class RollingRestartScenario : IScenario
{
    private const double RequestsPerSecond = 50;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    public int Number => 2;

    public string Title => "Rolling restart under load";

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        var size = context.Smoke ? new Size(2, 1, 2, TimeSpan.FromSeconds(1.5)) : new Size(3, 3, 5, TimeSpan.FromSeconds(2.5));
        result.Method = Format.Invariant($"""
            {size.Instances} sample processes (warm-up {size.WarmupSeconds} s) serve a load generator that discovers them as a client would: DiscoverInstances (HEALTHY) through the library's HTTP client, refreshed whenever DiscoverInstancesRevision (checked every {RefreshInterval.TotalSeconds} s) changes and at least every 5 s (a TTL: the revision ignores health changes, and the emulator bumps it before a new instance is listed), and sends {RequestsPerSecond} GET / per second round robin over the discovered instances (3 s timeout, pooled keep-alive connections). Then {size.Replacements} time(s): a replacement process starts; once its `/health/ready` passes and it is discoverable, the oldest instance gets a real SIGTERM. Failed = connection refused, connection reset, HTTP 5xx (including the 503 of a warming instance), timeout, or no instance discovered. *SIGTERM → undiscoverable* is polled every {Poll.TotalMilliseconds} ms. At the end every instance gets SIGTERM and the instances still registered 1.5 s after the last exit are zombies. Library drain delay {size.DrainDelay.TotalSeconds} s (greater than the 1 s refresh plus a margin); baseline has no drain. Standalone emulator process on loopback (`CloudMap.Lifecycle.Emulator --health-delay 30s`), operations 250 + 750 ms, no faults; both modes at the same time, each with its own emulator process and load generator.
            """);
        for (var rep = 0; rep < context.Repeat; rep++)
        {
            context.Log($"  repetition {rep + 1}/{context.Repeat}");
            await Task.WhenAll(
                RunModeAsync(context, result, RegistrationMode.Library, rep, size, cancellationToken),
                RunModeAsync(context, result, RegistrationMode.Baseline, rep, size, cancellationToken)).ConfigureAwait(false);
        }
    }

    private static async Task RunModeAsync(ScenarioContext context, ScenarioResult result, RegistrationMode mode, int rep, Size size, CancellationToken cancellationToken)
    {
        await using var lane = await StandaloneEmulatorLane.StartAsync(TimeSpan.FromSeconds(30), seed: 200 + rep, cancellationToken).ConfigureAwait(false);
        var settings = new SampleSettings(size.WarmupSeconds, size.DrainDelay);
        var all = new List<SampleInstance>();
        var live = new List<SampleInstance>();
        try
        {
            for (var i = 1; i <= size.Instances; i++)
            {
                var sample = SampleInstance.Start(mode, Format.Invariant($"sample-{i}"), lane.Endpoint, settings);
                all.Add(sample);
                live.Add(sample);
            }

            foreach (var sample in live)
            {
                if (!await WaitReadyAndDiscoverableAsync(lane, sample, cancellationToken).ConfigureAwait(false))
                {
                    Fail(context, result, mode, sample, "never became ready and discoverable");
                    return;
                }
            }

            await using var load = new LoadGenerator(lane.Discovery, RequestsPerSecond, RefreshInterval);
            await load.StartAsync(cancellationToken).ConfigureAwait(false);
            for (var k = 1; k <= size.Replacements; k++)
            {
                var replacement = SampleInstance.Start(mode, Format.Invariant($"sample-{size.Instances + k}"), lane.Endpoint, settings);
                all.Add(replacement);
                if (!await WaitReadyAndDiscoverableAsync(lane, replacement, cancellationToken).ConfigureAwait(false))
                {
                    Fail(context, result, mode, replacement, "replacement never became ready and discoverable");
                    return;
                }

                live.Add(replacement);
                var old = live[0];
                live.RemoveAt(0);
                old.Process.Terminate();
                var terminated = Clock.Now;
                var gone = await Clock.WaitUntilAsync(
                    async ct => !(await lane.DiscoverIdsAsync(ct).ConfigureAwait(false)).Contains(old.InstanceId),
                    TimeSpan.FromSeconds(30),
                    Poll,
                    cancellationToken).ConfigureAwait(false);
                if (gone is { } at)
                {
                    result.Metric("sigterm-to-undiscoverable", "SIGTERM → undiscoverable", "ms").Add(mode, Clock.MillisecondsBetween(terminated, at));
                }
                else
                {
                    result.Metric("sigterm-to-undiscoverable", "SIGTERM → undiscoverable", "ms").Note(mode, "an instance stayed discoverable 30 s after SIGTERM");
                }

                if (!await old.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false))
                {
                    result.AddNote(Format.Invariant($"{mode}: {old.InstanceId} did not exit within 30 s of SIGTERM."));
                }
            }

            // Let the last refresh settle, then count.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            await load.StopAsync().ConfigureAwait(false);
            result.Metric("requests-sent", "Requests sent", string.Empty).Add(mode, load.Sent);
            result.Metric("failed-requests", "Failed requests", string.Empty, goal: "0").Add(mode, load.Failed);
            result.Metric("failed-refused", "… connection refused", string.Empty).Add(mode, load.Count(RequestOutcome.ConnectionRefused));
            result.Metric("failed-reset", "… connection reset", string.Empty).Add(mode, load.Count(RequestOutcome.ConnectionReset));
            result.Metric("failed-5xx", "… HTTP 5xx", string.Empty).Add(mode, load.Count(RequestOutcome.ServerError));
            result.Metric("failed-other", "… timeout / no instance / other", string.Empty).Add(mode, load.Count(RequestOutcome.Timeout) + load.Count(RequestOutcome.NoInstanceDiscovered) + load.Count(RequestOutcome.OtherError));
            if (load.Failed > 0)
            {
                context.Log($"  {mode} failures: {string.Join(" | ", load.FailureSamples.Take(6))}");
            }

            await Task.WhenAll(live.Select(s => s.Process.StopAsync(TimeSpan.FromSeconds(30)))).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken).ConfigureAwait(false);
            result.Metric("zombies", "Zombies after stop", string.Empty, goal: "0").Add(mode, await lane.RegisteredCountAsync(cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            foreach (var sample in all)
            {
                await sample.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<bool> WaitReadyAndDiscoverableAsync(StandaloneEmulatorLane lane, SampleInstance sample, CancellationToken cancellationToken) =>
        await Clock.WaitUntilAsync(
            async ct => await sample.IsReadyAsync(ct).ConfigureAwait(false) && (await lane.DiscoverIdsAsync(ct).ConfigureAwait(false)).Contains(sample.InstanceId),
            StartTimeout,
            Poll,
            cancellationToken).ConfigureAwait(false) is not null;

    private static void Fail(ScenarioContext context, ScenarioResult result, RegistrationMode mode, SampleInstance sample, string what)
    {
        result.Fail(mode, Format.Invariant($"{sample.InstanceId} {what} within {StartTimeout.TotalSeconds} s (exit code {sample.Process.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"})"));
        context.Log($"  {mode} {sample.InstanceId} {what}; output:\n{sample.Process.Output}");
    }

    private sealed record Size(int Instances, int Replacements, double WarmupSeconds, TimeSpan DrainDelay);
}
