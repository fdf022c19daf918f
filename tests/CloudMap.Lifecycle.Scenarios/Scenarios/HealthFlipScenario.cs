// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>Scenario 3: an instance turns unhealthy, then recovers; how long until Cloud Map reflects each change, and at what API cost.</summary>
internal sealed class HealthFlipScenario : IScenario
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ExtraWait = TimeSpan.FromSeconds(25);

    public int Number => 3;

    public string Title => "Health flip";

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        result.Method = Format.Invariant($"""
            One sample process per lane; once it is ready and discoverable, `POST /admin/unhealthy` fails its readiness checks, and once Cloud Map reflects it (the instance leaves DiscoverInstances HEALTHY, polled every {Poll.TotalMilliseconds} ms) `POST /admin/healthy` restores them, until it is listed again. Measured with the emulator's health-change delay at 0 s ({context.Repeat} flips per mode) and at Cloud Map's 30 s (1 flip per mode, to keep the run bounded); a change not reflected within delay + {ExtraWait.TotalSeconds} s is reported as such, with no number. *Calls per flip* counts every control-plane call the instance made from the unhealthy toggle until recovery was reflected (or the wait ended). The library runs with the sample's settings: health checks every 5 s, 2 failures to turn UNHEALTHY, 2 passes to turn HEALTHY again. The four lanes (2 modes × 2 delays) run at the same time, each with its own standalone emulator process (`--health-delay 0s` or `30s`).
            """);
        var lanes = new List<Task>();
        foreach (var mode in Enum.GetValues<RegistrationMode>())
        {
            lanes.Add(RunLaneAsync(context, result, mode, TimeSpan.Zero, context.Repeat, cancellationToken));
            lanes.Add(RunLaneAsync(context, result, mode, TimeSpan.FromSeconds(30), 1, cancellationToken));
        }

        await Task.WhenAll(lanes).ConfigureAwait(false);
    }

    private static async Task RunLaneAsync(ScenarioContext context, ScenarioResult result, RegistrationMode mode, TimeSpan delay, int flips, CancellationToken cancellationToken)
    {
        var label = delay == TimeSpan.Zero ? "0 s" : "30 s";
        await using var lane = await StandaloneEmulatorLane.StartAsync(delay, seed: 300 + (int)delay.TotalSeconds, cancellationToken).ConfigureAwait(false);
        await using var sample = SampleInstance.Start(mode, "sample-1", lane.Endpoint, new SampleSettings(1, TimeSpan.FromSeconds(0.5)));
        try
        {
            var up = await Clock.WaitUntilAsync(
                async ct => await sample.IsReadyAsync(ct).ConfigureAwait(false) && (await lane.DiscoverIdsAsync(ct).ConfigureAwait(false)).Contains(sample.InstanceId),
                TimeSpan.FromSeconds(45),
                Poll,
                cancellationToken).ConfigureAwait(false);
            if (up is null)
            {
                result.Fail(mode, $"delay {label}: the instance never became ready and discoverable");
                context.Log($"  {mode} {label}: never up; output:\n{sample.Process.Output}");
                return;
            }

            var unhealthy = result.Metric($"unhealthy-{label}", $"Unhealthy → reflected, delay {label}", "s");
            var healthy = result.Metric($"healthy-{label}", $"Recovered → reflected, delay {label}", "s");
            var calls = result.Metric($"calls-{label}", $"Calls per flip, delay {label}", string.Empty);
            var wait = delay + ExtraWait;
            for (var flip = 0; flip < flips; flip++)
            {
                await lane.ResetCountersAsync(cancellationToken).ConfigureAwait(false);
                await sample.SetHealthyAsync(false, cancellationToken).ConfigureAwait(false);
                var toggled = Clock.Now;
                var gone = await Clock.WaitUntilAsync(
                    async ct => !(await lane.DiscoverIdsAsync(ct).ConfigureAwait(false)).Contains(sample.InstanceId),
                    wait,
                    Poll,
                    cancellationToken).ConfigureAwait(false);
                if (gone is { } goneAt)
                {
                    unhealthy.Add(mode, Clock.MillisecondsBetween(toggled, goneAt) / 1000);
                }
                else
                {
                    unhealthy.Note(mode, Format.Invariant($"never reflected (waited {wait.TotalSeconds} s)"));
                }

                await sample.SetHealthyAsync(true, cancellationToken).ConfigureAwait(false);
                var restored = Clock.Now;
                if (gone is null)
                {
                    healthy.Note(mode, "n/a: Cloud Map never saw it unhealthy");
                }
                else
                {
                    var back = await Clock.WaitUntilAsync(
                        async ct => (await lane.DiscoverIdsAsync(ct).ConfigureAwait(false)).Contains(sample.InstanceId),
                        wait,
                        Poll,
                        cancellationToken).ConfigureAwait(false);
                    if (back is { } backAt)
                    {
                        healthy.Add(mode, Clock.MillisecondsBetween(restored, backAt) / 1000);
                    }
                    else
                    {
                        healthy.Note(mode, Format.Invariant($"never reflected (waited {wait.TotalSeconds} s)"));
                    }
                }

                var spent = await lane.ControlPlaneCallsAsync(cancellationToken).ConfigureAwait(false);
                calls.Add(mode, spent);
                context.Log(Format.Invariant($"  {mode} delay {label} flip {flip + 1}: calls {spent}"));
            }
        }
        finally
        {
            await sample.Process.StopAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        }
    }

}
