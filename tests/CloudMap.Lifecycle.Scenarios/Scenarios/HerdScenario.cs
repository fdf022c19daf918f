// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Scenarios.Reporting;
using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>Scenario 5: a thousand registrations start together against a throttled control plane, then all stop together.</summary>
internal sealed class HerdScenario : IScenario
{
    private const int Burst = 200;
    private const double Rate = 200;
    private static readonly string[] Operations =
    [
        "RegisterInstance", "DeregisterInstance", "GetOperation", "GetService", "GetInstance", "UpdateInstanceCustomHealthStatus",
        "ListNamespaces", "ListServices", "ListInstances", "GetInstancesHealthStatus", "DiscoverInstances", "DiscoverInstancesRevision",
    ];

    /// <summary>The data plane: not under the control plane's limit, so left out of the peak and the timeline's calls.</summary>
    private static readonly string[] DataPlane = ["DiscoverInstances", "DiscoverInstancesRevision"];

    public int Number => 5;

    public string Title => "Herd under throttling";

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        var hosts = context.Smoke ? 100 : 1000;
        var budget = DeregistrationBudget();
        result.Method = Format.Invariant($"""
            {hosts} real generic hosts per mode (in-process, one process, each with its own DI container and HTTP client) start together against one in-process emulator whose **control plane** is throttled by one token bucket shared by all its operations: **assumed limit {Rate} requests/s, burst {Burst}** (Cloud Map does not publish its control-plane limits; excess requests get ThrottlingException; the data plane, DiscoverInstances and DiscoverInstancesRevision, has its own limits in AWS and is not throttled here). Hosts are given the service id (GetService once, no name lookups) and are ready at once. Library clients run in the default retry mode, **Adaptive**: each host is one process with **one pace** (retry quota and CUBIC rate limiter) shared by all its calls, learning the limit from throttling (the first retry after a host's first throttle goes at a random point of the next 4 s); the first GetOperation is sent at once, or 1 s after RegisterInstance once the host has been throttled, then after 1, 2, 4 s… *Bound* is what the limit alone allows: (hosts × minimal calls − burst) / rate, with 3 minimal calls for the library (GetService, RegisterInstance, one GetOperation reporting SUCCESS) and 2 for the baseline (GetService, RegisterInstance; it never confirms). *Time until all registered* is given from the start of the hosts (building and starting {hosts} hosts in one process on this machine takes seconds before any request) and **from the first request** (the first 100 ms sample that counted one), which is what the bound is about and what the goal applies to. *Control-plane requests* count every operation but DiscoverInstances and DiscoverInstancesRevision (the data plane), throttled ones included. *Peak request rate* is the highest count of control-plane requests received (throttled ones included) in any 1 s window, sampled every 100 ms; the first second of requests holds most hosts' first requests, which no client-side pacing can spread, so the peak is also given without it; and, for the library, from each host's own record of its calls (send times, exact windows): how long the first requests took from the first to the last, and the peak of all the other requests (those pacing can hold back); and the peak split by whether the sending host had already been answered a throttle: a pace that learns the limit from throttles, as the SDKs' adaptive mode does, has no reason to hold back a host that has only been answered (the peak of those requests is a floor no such pace goes below), and paces the rest. Then every host is stopped at the same moment (library drain delay 0, deregistration timeout {budget.TotalSeconds} s, host shutdown timeout 30 s); a library stop of an explicit instance id costs 2 calls (GetInstance ownership check + DeregisterInstance; no operation poll without a drain), so the limit allows (hosts × 2 − burst) / rate = {((hosts * 2) - Burst) / Rate} s for the whole fleet; with CLOUDMAP_HERD_IDS=task every library host is an ECS task of the emulator whose id the library reads from the task's metadata (a per-task id), and a stop costs 1 call (DeregisterInstance): (hosts − burst) / rate = {(hosts - Burst) / Rate} s; *left behind* counts instances still registered 3 s after the last host stopped. Client retries at their defaults (4 attempts, exponential backoff with jitter, base 200 ms, max 5 s; 1 s base after a throttle). The library runs a second time with **StartupJitter** set as its docs advise for a fleet starting together, 3 control-plane calls at start (GetService, RegisterInstance, GetOperation) × hosts ÷ the limit ({StartupJitterSecondsFor(hosts):0.#} s here): each host waits a random part of it before its first call (the operator knows the batch size; no process learns it), its first GetOperation waits 1 s, and its ownership watch looks the namespace up only once the jitter has passed since it registered; those rows say so. One run per mode. CLOUDMAP_HERD_BUDGET=seconds sets the deregistration timeout for a sweep; CLOUDMAP_HERD_MODE=Library (or Jitter, or Baseline) runs one pass only; CLOUDMAP_HERD_JITTER=seconds sets the jitter of that pass. The log holds a per-second timeline: control-plane requests received / throttled / hosts registered by then.
            """);
        result.Repetitions = 1;
        // CLOUDMAP_HERD_MODE=Library (or Baseline) runs one mode only, for sweeps.
        var only = Environment.GetEnvironmentVariable("CLOUDMAP_HERD_MODE");
        // CLOUDMAP_HERD_MODE=Jitter runs only the library with a startup jitter sized to the fleet.
        // CLOUDMAP_HERD_JITTER=seconds sets the jittered pass's StartupJitter for a sweep.
        var jitter = TimeSpan.FromSeconds(
            double.TryParse(Environment.GetEnvironmentVariable("CLOUDMAP_HERD_JITTER"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var j) && j > 0
                ? j
                : StartupJitterSecondsFor(hosts));
        var passes = new (string Name, RegistrationMode Mode, TimeSpan? Jitter)[]
        {
            ("Library", RegistrationMode.Library, null),
            ("Jitter", RegistrationMode.Library, jitter),
            ("Baseline", RegistrationMode.Baseline, null),
        };
        foreach (var pass in passes.Where(p => string.IsNullOrEmpty(only) || string.Equals(only, p.Name, StringComparison.OrdinalIgnoreCase)))
        {
            context.Log($"  {Describe(pass.Mode, pass.Jitter)}");
            await RunModeAsync(context, result, pass.Mode, hosts, budget, pass.Jitter, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The jitter the library's docs advise for a fleet starting together: 3 control-plane calls per host at start ÷ the limit.</summary>
    internal static double StartupJitterSecondsFor(int hosts) => 3.0 * hosts / Rate;

    private static string Describe(RegistrationMode mode, TimeSpan? jitter) =>
        jitter is { } j ? Format.Invariant($"{mode}, StartupJitter {j.TotalSeconds:0.#} s") : mode.ToString();

    /// <summary>The library's deregistration timeout: CLOUDMAP_HERD_BUDGET (seconds) or the default (15 s).</summary>
    private static TimeSpan DeregistrationBudget() =>
        double.TryParse(Environment.GetEnvironmentVariable("CLOUDMAP_HERD_BUDGET"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : CloudMapShutdownOptions.DefaultDeregistrationTimeout;

    private static async Task RunModeAsync(ScenarioContext context, ScenarioResult result, RegistrationMode mode, int count, TimeSpan budget, TimeSpan? jitter, CancellationToken cancellationToken)
    {
        // The jittered pass reports the figures the goals are about, as rows of their own under the library's column.
        string[] jitterRows = ["all-registered", "all-registered-from-first", "all-registered-vs-bound", "calls-per-host", "rate-throttled-per-host", "peak-rate", "left-behind"];
        Metric M(string key, string name, string unit, string? goal = null) => jitter is not { } j
            ? result.Metric(key, name, unit, goal)
            : jitterRows.Contains(key)
                ? result.Metric(key + "-jitter", Format.Invariant($"{name}, with StartupJitter {j.TotalSeconds:0.#} s"), unit, goal)
                : new Metric(key, name, unit, goal);
        var label = Describe(mode, jitter);
        await using var lane = await EmulatorLane.StartAsync(TimeSpan.FromSeconds(30), seed: 500, cancellationToken).ConfigureAwait(false);
        var logs = new AwaitableFakeLogs(ErrorLogTally.ErrorsOnlyCollector());
        var trace = new HostCallTrace();

        // CLOUDMAP_HERD_IDS=task: every host is an ECS task of the emulator and the library reads its id from the task's
        // metadata (a per-task id: a stop without the ownership check); otherwise explicit ids.
        var perTask = mode == RegistrationMode.Library && string.Equals(Environment.GetEnvironmentVariable("CLOUDMAP_HERD_IDS"), "task", StringComparison.OrdinalIgnoreCase);
        var ids = Enumerable.Range(0, count).Select(i => perTask ? lane.Emulator.StartTask("herd", "herd").TaskId : Format.Invariant($"herd-{i}")).ToList();
        var hosts = Enumerable.Range(0, count)
            .Select(i => ScenarioHost.Build(
                mode,
                lane.Emulator.Endpoint,
                new HostSettings(ids[i], 30000 + i, lane.ServiceId, EmulatorLane.NamespaceName, EmulatorLane.ServiceName),
                ready: () => true,
                configure: o =>
                {
                    o.Shutdown.DrainDelay = TimeSpan.Zero;
                    o.Shutdown.DeregistrationTimeout = budget;
                    o.StartupJitter = jitter ?? TimeSpan.Zero;
                },
                logs: logs,

                // Each host stands for one process of the fleet: its own retry quota and rate limiter, as on its own machine.
                client: o => o.PacingScope = Format.Invariant($"herd-{i}"),
                minimumLogLevel: LogLevel.Error,
                callTrace: mode == RegistrationMode.Library ? trace : null,
                ecsTaskMetadata: perTask ? lane.Emulator.GetEcsMetadataUri(ids[i]) : null))
            .ToList();
        lane.Emulator.Faults.Throttle(Burst, Rate, EmulatorFaults.ControlPlane);
        lane.Emulator.ResetCounters();
        using var sampling = new CancellationTokenSource();
        var samples = new List<Sample>();
        var sampler = Task.Run(
            async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    lock (samples)
                    {
                        samples.Add(new Sample(Clock.Now, ControlPlaneCalls(lane.Emulator), Throttled(lane.Emulator), hosts.Count(h => h.IsRegistered)));
                    }

                    await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
                }
            },
            CancellationToken.None);
        try
        {
            var started = Clock.Now;
            var starts = hosts.Select(h => Task.Run(() => h.Host.StartAsync(cancellationToken), cancellationToken)).ToArray();
            var allRegistered = await Clock.WaitUntilAsync(
                _ => Task.FromResult(hosts.All(h => h.IsRegistered) || (mode == RegistrationMode.Baseline && starts.All(s => s.IsCompleted))),
                TimeSpan.FromSeconds(240),
                TimeSpan.FromMilliseconds(100),
                cancellationToken).ConfigureAwait(false);
            var registered = hosts.Count(h => h.IsRegistered);
            var failedStarts = starts.Count(s => s.IsFaulted);
            var minimalCalls = mode == RegistrationMode.Library ? 3 : 2;
            M("bound", "Bound set by the limit (computed)", "s").Add(mode, ((count * minimalCalls) - Burst) / Rate);
            if (allRegistered is { } at && registered == count)
            {
                var seconds = Clock.MillisecondsBetween(started, at) / 1000;
                M("all-registered", "Time until all registered, from the start of the hosts", "s").Add(mode, seconds);
                var fromFirst = FirstRequestAt(Snapshot(samples)) is { } first ? Clock.MillisecondsBetween(first, at) / 1000 : seconds;
                M("all-registered-from-first", "Time until all registered, from the first request", "s", goal: "≤ 1.25 × bound").Add(mode, fromFirst);
                var bound = (((double)count * minimalCalls) - Burst) / Rate;
                if (bound > 0)
                {
                    // Below the burst the limit sets no bound, and a ratio to it means nothing.
                    M("all-registered-vs-bound", "Time until all registered (from the first request) ÷ bound", "×", goal: "≤ 1.25").Add(mode, fromFirst / bound);
                }
            }
            else
            {
                M("all-registered", "Time until all registered", "s", goal: "≤ 1.25 × bound").Note(mode, Format.Invariant($"never: {registered} of {count} registered, {failedStarts} hosts failed to start"));
            }

            M("registered", "Registered", string.Empty).Add(mode, registered);
            var throttled = Throttled(lane.Emulator);
            var calls = ControlPlaneCalls(lane.Emulator);
            M("calls", "Control-plane requests until registered", string.Empty).Add(mode, calls);
            M("calls-per-host", "Control-plane requests per registered host", string.Empty).Add(mode, registered == 0 ? 0 : (double)calls / registered);
            M("throttled", "Throttled responses", string.Empty).Add(mode, throttled);
            M("peak-rate", "Peak control-plane request rate", "req/s", goal: Format.Invariant($"≤ {1.5 * Rate}")).Add(mode, PeakRate(samples, skipFirstSecond: false));
            M("peak-rate-paced", "Peak control-plane request rate after the first second of requests", "req/s", goal: Format.Invariant($"≤ {1.5 * Rate}")).Add(mode, PeakRate(samples, skipFirstSecond: true));
            if (mode == RegistrationMode.Library)
            {
                var (firstSpan, laterPeak) = trace.LaterRequestsPeak(op => !DataPlane.Contains(op));
                M("first-requests-span", "Hosts' first requests sent over (first to last, from the hosts' own call records)", "s").Add(mode, firstSpan);
                M("peak-rate-later", "Peak rate of the requests that were not their host's first (any 1 s window of send times)", "req/s", goal: Format.Invariant($"≤ {1.5 * Rate}")).Add(mode, laterPeak);

                // The only 400 answer in this scenario is ThrottlingException (no other faults are set).
                var (unwarned, warned) = trace.PeakByThrottleSeen(op => !DataPlane.Contains(op), throttleStatus: 400);
                M("peak-rate-unwarned", "Peak rate of the requests sent by hosts not yet throttled (any 1 s window of send times)", "req/s").Add(mode, unwarned);
                M("peak-rate-warned", "Peak rate of the requests sent by hosts already throttled (any 1 s window of send times)", "req/s", goal: Format.Invariant($"≤ {1.5 * Rate}")).Add(mode, warned);
            }

            M("rate-throttled-per-host", "Throttled responses per registered host", string.Empty).Add(mode, registered == 0 ? 0 : (double)throttled / registered);
            context.Log(Format.Invariant($"  {label}: {registered}/{count} registered, {failedStarts} failed starts, {calls} control-plane calls, {throttled} throttled"));
            context.Log("  timeline (s: control-plane calls/throttled/registered): " + Timeline(samples));
            foreach (var line in trace.Slowest(3))
            {
                context.Log("  a last host to register (s:operation:HTTP status): " + line);
            }

            var startCalls = Breakdown(lane.Emulator);
            context.Log("  start calls (sent/throttled): " + startCalls);

            lane.Emulator.ResetCounters();
            var stopStarted = Clock.Now;
            await Task.WhenAll(hosts.Select(h => Task.Run(() => StopQuietlyAsync(h), CancellationToken.None))).ConfigureAwait(false);
            M("stop-time", "Time until all stopped", "s").Add(mode, Clock.MillisecondsSince(stopStarted) / 1000);
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);
            var left = lane.RegisteredCount();
            M("left-behind", "Left behind after a simultaneous stop", string.Empty, goal: "0").Add(mode, left);
            M("stop-throttled", "Throttled responses while stopping", string.Empty).Add(mode, Throttled(lane.Emulator));
            var stopSent = ControlPlaneCalls(lane.Emulator);
            var stopThrottled = Throttled(lane.Emulator);
            M("stop-calls-per-host", "Control-plane requests per host while stopping (throttled ones included)", string.Empty).Add(mode, (double)stopSent / count);
            M("stop-answered-per-host", "Control-plane requests answered per host while stopping (the calls a stop costs)", string.Empty).Add(mode, (double)(stopSent - stopThrottled) / count);
            var stopCalls = Breakdown(lane.Emulator);
            context.Log("  stop calls (sent/throttled): " + stopCalls);
            result.AddNote(Format.Invariant($"{label}, calls per operation (sent/throttled) until all registered: {startCalls}; while stopping: {stopCalls}."));
            var errors = new ErrorLogTally();
            errors.Add(logs.Collector);
            result.AddNote(Format.Invariant($"{label}: {registered} of {count} registered ({failedStarts} hosts failed to start); {left} instances left behind after the simultaneous stop; error-level logs: {(errors.Counts.Count == 0 ? "none" : string.Join(", ", errors.Counts.Select(c => $"{c.Key} × {c.Value}")))}."));
        }
        finally
        {
            await sampling.CancelAsync().ConfigureAwait(false);
            await sampler.ConfigureAwait(false);
            foreach (var host in hosts)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static string Breakdown(CloudMapEmulator emulator) => string.Join(
        ", ",
        Operations.Where(op => emulator.GetCallCount(op) > 0).Select(op => Format.Invariant($"{op} {emulator.GetCallCount(op)}/{emulator.GetThrottledCount(op)}")));

    private static async Task StopQuietlyAsync(ScenarioHost host)
    {
        try
        {
            await host.Host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or AggregateException or InvalidOperationException)
        {
            // A host whose start failed may refuse to stop cleanly; what matters is what it left registered.
        }
    }

    /// <summary>Per whole second since the first sample: requests received and throttled in it, and hosts registered by its end.</summary>
    private static string Timeline(List<Sample> samples)
    {
        lock (samples)
        {
            if (samples.Count == 0)
            {
                return "none";
            }

            var first = samples[0].At;
            var parts = new List<string>();
            var start = new Sample(first, 0, 0, 0); // the counts when the current second began
            var end = start; // the last sample in the current second
            var second = 1;
            foreach (var sample in samples)
            {
                while (Clock.MillisecondsBetween(first, sample.At) > second * 1000)
                {
                    parts.Add(Format.Invariant($"{second}: {end.Calls - start.Calls}/{end.Throttled - start.Throttled}/{end.Registered}"));
                    start = end;
                    second++;
                }

                end = sample;
            }

            parts.Add(Format.Invariant($"{second}: {end.Calls - start.Calls}/{end.Throttled - start.Throttled}/{end.Registered}"));
            return string.Join(", ", parts);
        }
    }

    /// <summary>The first sample that counted a control-plane request (its time is within 100 ms after that request).</summary>
    private static long? FirstRequestAt(Sample[] samples) =>
        Array.Find(samples, s => s.Calls > 0) is { Calls: > 0 } first ? first.At : null;

    /// <summary>The samples so far (the sampler adds to the list under its lock).</summary>
    private static Sample[] Snapshot(List<Sample> samples)
    {
        lock (samples)
        {
            return [.. samples];
        }
    }

    /// <summary>Throttled answers of every counted operation (only the control plane is throttled).</summary>
    private static long Throttled(CloudMapEmulator emulator) => Operations.Sum(op => (long)emulator.GetThrottledCount(op));

    private static long ControlPlaneCalls(CloudMapEmulator emulator) =>
        Operations.Where(op => !DataPlane.Contains(op)).Sum(op => (long)emulator.GetCallCount(op));

    private static double PeakRate(List<Sample> samples, bool skipFirstSecond)
    {
        var copy = Snapshot(samples);
        if (skipFirstSecond && FirstRequestAt(copy) is { } first)
        {
            copy = [.. copy.Where(c => Clock.MillisecondsBetween(first, c.At) >= 1000)];
        }

        var peak = 0d;
        var j = 0;
        for (var i = 0; i < copy.Length; i++)
        {
            while (Clock.MillisecondsBetween(copy[j].At, copy[i].At) > 1000)
            {
                j++;
            }

            var span = Clock.MillisecondsBetween(copy[j].At, copy[i].At);
            if (span >= 900)
            {
                peak = Math.Max(peak, (copy[i].Calls - copy[j].Calls) * 1000 / span);
            }
        }

        return peak;
    }

    /// <summary>One sample of the emulator's counters and the fleet's progress, every 100 ms.</summary>
    private readonly record struct Sample(long At, long Calls, long Throttled, int Registered);
}
