// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Scenarios.Load;
using CloudMap.Lifecycle.ServiceDiscovery;

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>Scenario 2: each instance in turn is replaced (new one ready first, then SIGTERM to the old one) under steady load.</summary>
internal sealed class RollingRestartScenario : IScenario
{
    private const double RequestsPerSecond = 50;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    public int Number => 2;

    public string Title => "Rolling restart under load";

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        // The library's default drain: it is what covers the provider's default staleness (the two defaults agree).
        var drain = CloudMapShutdownOptions.DefaultDrainDelay;
        var size = context.Smoke ? new Size(2, 1, 2, drain) : new Size(3, 3, 5, drain);
        result.Method = Format.Invariant($"""
            {size.Instances} sample processes (warm-up {size.WarmupSeconds} s) serve a client written as users write one: an `HttpClient` from `IHttpClientFactory` with `AddServiceDiscovery()`, resolving `{LoadGenerator.Target}` through Microsoft.Extensions.ServiceDiscovery and the CloudMap.Lifecycle.ServiceDiscovery provider (`AddServiceDiscoveryCore().AddCloudMapServiceEndpointProvider()`, configured with the namespace only: its defaults, DiscoverInstancesRevision every {CloudMapServiceEndpointProviderOptions.DefaultRevisionInterval.TotalSeconds} s, DiscoverInstances on each revision change and every {CloudMapServiceEndpointProviderOptions.DefaultRefreshInterval.TotalSeconds} s, health filter HEALTHY_OR_ELSE_ALL), sending {RequestsPerSecond} GET / per second that the resolver spreads round robin (3 s timeout, pooled keep-alive connections, no retry). Both modes use the same client. Then {size.Replacements} time(s): a replacement process starts; once its `/health/ready` passes and it is discoverable, the oldest instance gets a real SIGTERM. Failed = connection refused, connection reset, HTTP 5xx (including the 503 of a warming instance), timeout, or no instance resolved. *SIGTERM → undiscoverable* is polled every {Poll.TotalMilliseconds} ms (DiscoverInstances HEALTHY, by the scenario's own probe, not the client). *Consumer staleness* (per restart) = the `CreateDate` of the emulator's DEREGISTER_INSTANCE operation for the replaced instance (GET /_emulator/state) → the last request the client sent to that instance's port (recorded by a handler inside the resolving handler; both on this machine's wall clock). *Cloud Map calls per client-hour* = the client's own `cloudmap.client.requests` counter (tag `rpc.method`; the probe's calls are not in it) over the load period, scaled to one hour: the period is mostly restarts, so DiscoverInstances (one per revision change) is far above the steady state (3,600 / {CloudMapServiceEndpointProviderOptions.DefaultRefreshInterval.TotalSeconds} per hour); *client processes per account* = 3,000/s ÷ the measured DiscoverInstancesRevision rate (one watched service per client); in steady state DiscoverInstances (1,000/s × 30 s = 30,000 clients) is not the binding quota, but each revision change makes every client call DiscoverInstances within one revision interval (1,000/s, burst 2,000: about 4,000 clients per change, the README's figure), beyond which a deployment's changes are throttled (the provider backs off and keeps its list). At the end every instance gets SIGTERM and the instances still registered 1.5 s after the last exit are zombies. Library drain delay {size.DrainDelay.TotalSeconds} s, the library's default (it exceeds the provider's default staleness, revision interval + one round trip); baseline has no drain. Standalone emulator process on loopback (`CloudMap.Lifecycle.Emulator --health-delay 30s`), operations 250 + 750 ms, no faults; both modes at the same time, each with its own emulator process and client.
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
        await using var fleet = new SampleFleet(context, result, mode, lane.Endpoint, settings, lane.DiscoverIdsAsync, "discoverable");
        if (!await fleet.StartAsync(size.Instances, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await using var load = await LoadGenerator.StartAsync(lane.Endpoint, RequestsPerSecond, cancellationToken).ConfigureAwait(false);
        var replaced = new List<SampleInstance>();
        for (var k = 1; k <= size.Replacements; k++)
        {
            if (await fleet.StartReplacementAsync(cancellationToken).ConfigureAwait(false) is not { } replacement)
            {
                return;
            }

            var (old, terminated) = fleet.Retire(replacement);
            replaced.Add(old);
            if (await fleet.WaitGoneAsync(old, cancellationToken).ConfigureAwait(false) is { } at)
            {
                result.Metric("sigterm-to-undiscoverable", "SIGTERM → undiscoverable", "ms").Add(mode, Clock.MillisecondsBetween(terminated, at));
            }
            else
            {
                result.Metric("sigterm-to-undiscoverable", "SIGTERM → undiscoverable", "ms").Note(mode, "an instance stayed discoverable 30 s after SIGTERM");
            }

            await fleet.WaitExitAsync(old).ConfigureAwait(false);
        }

        // Let the last refresh settle, then count.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        await load.StopAsync().ConfigureAwait(false);
        LoadOutcomes.Report(result, mode, load);
        if (load.Failed > 0)
        {
            context.Log($"  {mode} failures: {string.Join(" | ", load.FailureSamples.Take(6))}");
        }

        await ReportDiscoveryAsync(result, mode, lane, load, replaced, cancellationToken).ConfigureAwait(false);

        await fleet.StopAllAsync(cancellationToken).ConfigureAwait(false);
        result.Metric("zombies", "Zombies after stop", string.Empty, goal: "0").Add(mode, await lane.RegisteredCountAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The provider's figures: consumer staleness per restart, Cloud Map calls per client-hour, clients per account.</summary>
    private static async Task ReportDiscoveryAsync(ScenarioResult result, RegistrationMode mode, StandaloneEmulatorLane lane, LoadGenerator load, List<SampleInstance> replaced, CancellationToken cancellationToken)
    {
        var accepted = await EmulatorDeregistrations.ReadAsync(lane.Endpoint, cancellationToken).ConfigureAwait(false);
        var staleness = result.Metric("sd-staleness", "Consumer staleness: deregistration accepted → last request sent to that instance (per restart)", "ms");
        foreach (var old in replaced)
        {
            if (!accepted.TryGetValue(old.InstanceId, out var at))
            {
                staleness.Note(mode, Format.Invariant($"{old.InstanceId}: the emulator recorded no DeregisterInstance"));
            }
            else if (load.LastSentTo(old.Port) is not { } last)
            {
                staleness.Note(mode, Format.Invariant($"{old.InstanceId}: the client never sent it a request"));
            }
            else
            {
                staleness.Add(mode, (last - at).TotalMilliseconds);
            }
        }

        var hours = load.Elapsed.TotalHours;
        var discover = load.Calls("DiscoverInstances") / hours;
        var revision = load.Calls("DiscoverInstancesRevision") / hours;
        result.Metric("sd-discover-instances-per-hour", "Provider DiscoverInstances per client-hour (measured during the restarts)", string.Empty).Add(mode, Math.Round(discover));
        result.Metric("sd-revision-per-hour", "Provider DiscoverInstancesRevision per client-hour (measured)", string.Empty).Add(mode, Math.Round(revision));
        if (revision > 0)
        {
            // The binding quota in steady state: DiscoverInstancesRevision 3,000/s per account.
            result.Metric("sd-clients-per-account", "Client processes one account supports at the measured revision rate (3,000/s ÷ rate; one watched service each)", string.Empty).Add(mode, Math.Floor(3_000 * 3_600 / revision));
        }
    }

    private sealed record Size(int Instances, int Replacements, double WarmupSeconds, TimeSpan DrainDelay);
}
