// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>Scenario 1: three instances start with a warm-up; when does each become discoverable, relative to ready?</summary>
internal sealed class ColdStartScenario : IScenario
{
    private const int Instances = 3;
    private const double WarmupSeconds = 5;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    public int Number => 1;

    public string Title => "Cold start";

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        result.Method = Format.Invariant($"""
            {Instances} sample processes start together (warm-up {WarmupSeconds} s: `GET /` and `/health/ready` answer 503 until the product cache is filled). The runner polls every {Poll.TotalMilliseconds} ms, for each instance, `GET /health/ready` and DiscoverInstances (HEALTHY, through the library's HTTP client, as a client would). *Ready → discoverable* is the time from the first passing readiness probe to the first DiscoverInstances answer listing the instance (negative: listed before it was ready). *Discoverable while not ready* is how long it was listed before it was ready (goal 0). The library uses the sample's settings (readiness polled every 1 s, 2 passes in a row, then RegisterInstance with AWS_INIT_HEALTH_STATUS=HEALTHY and GetOperation until SUCCESS). Standalone emulator process on loopback (`CloudMap.Lifecycle.Emulator --health-delay 30s`): operations 250 ms SUBMITTED + 750 ms PENDING, initial status applies at once, no faults. The modes run one after the other, each against its own emulator. Sampling resolution ≈ {Poll.TotalMilliseconds} ms plus one HTTP round trip.
            """);
        for (var rep = 0; rep < context.Repeat; rep++)
        {
            context.Log($"  repetition {rep + 1}/{context.Repeat}");
            // One mode at a time: three process start-ups already saturate two cores.
            await RunModeAsync(context, result, RegistrationMode.Library, rep, cancellationToken).ConfigureAwait(false);
            await RunModeAsync(context, result, RegistrationMode.Baseline, rep, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task RunModeAsync(ScenarioContext context, ScenarioResult result, RegistrationMode mode, int rep, CancellationToken cancellationToken)
    {
        await using var lane = await StandaloneEmulatorLane.StartAsync(TimeSpan.FromSeconds(30), seed: 100 + rep, cancellationToken).ConfigureAwait(false);
        var settings = new SampleSettings(WarmupSeconds, TimeSpan.FromSeconds(1));
        var samples = Enumerable.Range(1, Instances)
            .Select(i => SampleInstance.Start(mode, $"sample-{i}", lane.Endpoint, settings))
            .ToList();
        try
        {
            var started = Clock.Now;
            var readyAt = new long?[Instances];
            var discoverableAt = new long?[Instances];
            var iterations = 0;
            while (Clock.MillisecondsSince(started) < Timeout.TotalMilliseconds
                && (readyAt.Any(r => r is null) || discoverableAt.Any(d => d is null)))
            {
                var readiness = samples.Select((s, i) => readyAt[i] is null ? s.IsReadyAsync(cancellationToken) : Task.FromResult(false)).ToArray();
                var discovered = lane.DiscoverIdsAsync(cancellationToken);
                await Task.WhenAll(readiness).ConfigureAwait(false);
                var ids = await discovered.ConfigureAwait(false);
                var now = Clock.Now;
                for (var i = 0; i < Instances; i++)
                {
                    if (readyAt[i] is null && readiness[i].Result)
                    {
                        readyAt[i] = now;
                    }

                    if (discoverableAt[i] is null && ids.Contains(samples[i].InstanceId))
                    {
                        discoverableAt[i] = now;
                    }
                }

                iterations++;
                await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
            }

            context.Log(Format.Invariant($"  {mode}: {iterations} polls in {Clock.MillisecondsSince(started):F0} ms; ready {string.Join(", ", readyAt.Select(r => r is { } v ? Clock.MillisecondsBetween(started, v).ToString("F0", System.Globalization.CultureInfo.InvariantCulture) : "-"))}; discoverable {string.Join(", ", discoverableAt.Select(r => r is { } v ? Clock.MillisecondsBetween(started, v).ToString("F0", System.Globalization.CultureInfo.InvariantCulture) : "-"))}"));

            for (var i = 0; i < Instances; i++)
            {
                if (readyAt[i] is not { } ready || discoverableAt[i] is not { } discoverable)
                {
                    var what = readyAt[i] is null ? "never became ready" : "never became discoverable";
                    result.Fail(mode, $"{samples[i].InstanceId} {what} within {Timeout.TotalSeconds} s (exit code {samples[i].Process.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})");
                    context.Log($"  {mode} {samples[i].InstanceId} {what}; output:\n{samples[i].Process.Output}");
                    continue;
                }

                var readyToDiscoverable = Clock.MillisecondsBetween(ready, discoverable);
                result.Metric("ready-to-discoverable", "Ready → discoverable", "ms").Add(mode, readyToDiscoverable);
                result.Metric("discoverable-not-ready", "Discoverable while not ready", "ms", goal: "0").Add(mode, Math.Max(0, -readyToDiscoverable));
                result.Metric("start-to-discoverable", "Process start → discoverable", "ms").Add(mode, Clock.MillisecondsBetween(started, discoverable));
            }
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("SCENARIOS_DEBUG") == "1")
            {
                context.Log($"  {mode} {samples[0].InstanceId} output:\n{samples[0].Process.Output}");
            }

            await Task.WhenAll(samples.Select(s => s.Process.StopAsync(TimeSpan.FromSeconds(20)))).ConfigureAwait(false);
            foreach (var sample in samples)
            {
                await sample.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
