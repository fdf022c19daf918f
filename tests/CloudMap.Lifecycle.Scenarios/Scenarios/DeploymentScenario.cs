// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Scenarios.Load;
using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>
/// Scenario 12: an ECS rolling deployment at scale. A service of 200 tasks is replaced in batches of 50 %
/// (minimumHealthyPercent 50, maximumPercent 100) against the same assumed account limit as scenario 5, while a client
/// keeps calling the service through discovery.
/// </summary>
internal sealed class DeploymentScenario : IScenario
{
    /// <summary>The assumed control-plane limit, scenario 5's.</summary>
    private const int Burst = 200;
    private const double Rate = 200;
    private const int MinimumHealthyPercent = 50;
    private const int MaximumPercent = 100;
    private const double RequestsPerSecond = 100;
    private const string Cluster = "prod";
    private const string EcsService = "orders";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(180);

    public int Number => 12;

    public string Title => "ECS deployment at scale";

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        var tasks = context.Smoke ? 20 : 200;
        var steps = EcsDeploymentPlan.Steps(tasks, MinimumHealthyPercent, MaximumPercent);
        result.Method = Format.Invariant($"""
            {tasks} tasks of one service, each a real in-process web host (all in one process: {2 * tasks} processes over the run, {tasks} at a time, do not fit 2 shared cores; each host has its own DI container, Cloud Map client, retry quota and rate limiter, and its own **Kestrel listener on a loopback port** answering `GET /`), registering through the library or the sample's hand-rolled baseline, are replaced as an ECS rolling deployment with minimumHealthyPercent {MinimumHealthyPercent} / maximumPercent {MaximumPercent} does it: {string.Join(", then ", steps.Select(s => Format.Invariant($"stop {s.Stop} old tasks at the same moment (host StopAsync: what SIGTERM starts; host shutdown timeout 30 s, ECS's default stopTimeout), once they are stopped start {s.Start} new ones and wait until every one of them is discoverable (DiscoverInstances HEALTHY, polled every {Poll.TotalMilliseconds} ms by the scenario's probe)")))}. One in-process emulator (custom health, health change delay 30 s) with scenario 5's **assumed account limit: {Rate} requests/s, burst {Burst}, one token bucket shared by every control-plane operation**; the data plane (DiscoverInstances, DiscoverInstancesRevision: 1,000/s and 3,000/s published quotas) is not throttled. Library at its defaults (adaptive retry mode, drain delay {CloudMapShutdownOptions.DefaultDrainDelay.TotalSeconds} s, deregistration timeout 10 s); each host is an ECS task of the emulator (`StartTask`; `StopTask` just before its host stops, as ECS sets the desired status before SIGTERM): the library reads its instance id, the task id, from the task's metadata endpoint (ECS_CONTAINER_METADATA_URI_V4 as ECS sets it), so it is a per-task id and a stop costs DeregisterInstance and one GetOperation after the drain, with no ownership check; the baseline is given the same id. Baseline: registers at start, heartbeats, deregisters after the web server stopped. The client is scenario 2's: `HttpClient` + `AddServiceDiscovery()` through the CloudMap.Lifecycle.ServiceDiscovery provider at its defaults, {RequestsPerSecond} GET / per second round robin (3 s timeout, no retry), started once all {tasks} are discoverable, stopped 3 s after the deployment. *Failed requests*: connection refused/reset, 5xx, timeout, no instance. *Deployment time*: first stop → last new task discoverable. *Calls per task replaced* (by kind): the emulator's request log from the first stop to the end of the deployment, less the client's own calls (its `cloudmap.client.requests` counter) and the probe's DiscoverInstances, divided by {tasks} replaced tasks; it includes the health pushes or heartbeats of the tasks not being replaced at that moment. *Calls per task stopped*: the same, only the requests that arrived while a step's old tasks were stopping (first StopAsync → last one returned), less the client's calls in those windows: the cost of a graceful stop. *Throttled*: ThrottlingException answers in that period. *Old tasks left registered*: replaced tasks still registered when the deployment ends (goal 0); *zombies*: instances registered 3 s after the remaining tasks stopped at the end. One run per mode.
            """);
        result.Repetitions = 1;
        var tallies = new Dictionary<RegistrationMode, (CallTally All, CallTally Stopping)>();
        foreach (var mode in Enum.GetValues<RegistrationMode>())
        {
            context.Log($"  {mode}");
            if (await RunModeAsync(context, result, mode, tasks, steps, cancellationToken).ConfigureAwait(false) is { } tally)
            {
                tallies[mode] = tally;
            }
        }

        ReportCalls(result, tallies, tasks);
    }

    /// <summary>The calls by kind, once both modes ran, so an operation only one mode calls shows 0 for the other.</summary>
    private static void ReportCalls(ScenarioResult result, Dictionary<RegistrationMode, (CallTally All, CallTally Stopping)> tallies, int tasks)
    {
        var phases = new (string Key, string Name, Func<(CallTally All, CallTally Stopping), CallTally> Pick)[]
        {
            ("calls-per-replaced", "Calls per task replaced, whole deployment", t => t.All),
            ("calls-per-stop", "Calls per task stopped, while the old tasks stop", t => t.Stopping),
        };
        foreach (var (key, name, pick) in phases)
        {
            var operations = tallies.Values.SelectMany(t => pick(t).Calls.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
            foreach (var (mode, tally) in tallies)
            {
                result.Metric(key, name + " (all kinds)", string.Empty).Add(mode, pick(tally).PerInstance(null, tasks));
                foreach (var operation in operations)
                {
                    result.Metric(key + "-" + operation, "… " + operation, string.Empty).Add(mode, pick(tally).PerInstance(operation, tasks));
                }
            }
        }

        foreach (var (mode, tally) in tallies)
        {
            result.Metric("throttled", "Throttled responses during the deployment", string.Empty).Add(mode, tally.All.TotalThrottled);
        }
    }

    private static async Task<(CallTally All, CallTally Stopping)?> RunModeAsync(ScenarioContext context, ScenarioResult result, RegistrationMode mode, int tasks, IReadOnlyList<EcsDeploymentStep> steps, CancellationToken cancellationToken)
    {
        await using var lane = await EmulatorLane.StartAsync(TimeSpan.FromSeconds(30), seed: 1200, cancellationToken, requestLogCapacity: 200_000).ConfigureAwait(false);
        lane.Emulator.Faults.Throttle(Burst, Rate, EmulatorFaults.ControlPlane);
        var logs = new AwaitableFakeLogs(ErrorLogTally.ErrorsOnlyCollector());
        var probe = new Probe(lane);
        var all = new List<ScenarioHost>();
        ScenarioHost CreateTask()
        {
            // An ECS task of the service: the library reads its id from the task's metadata (a per-task id); the
            // baseline is given the same id.
            var id = lane.Emulator.StartTask(Cluster, EcsService).TaskId;
            var host = ScenarioHost.Build(
                mode,
                lane.Emulator.Endpoint,
                new HostSettings(id, FreePorts.Next(), lane.ServiceId, EmulatorLane.NamespaceName, EmulatorLane.ServiceName),
                ready: () => true,
                logs: logs,

                // Each task is its own process in ECS: its own retry quota and rate limiter.
                client: o => o.PacingScope = id,
                minimumLogLevel: LogLevel.Error,
                web: true,
                ecsTaskMetadata: mode == RegistrationMode.Library ? lane.Emulator.GetEcsMetadataUri(id) : null);
            all.Add(host);
            return host;
        }

        try
        {
            var running = Enumerable.Range(0, tasks).Select(_ => CreateTask()).ToList();
            if (!await StartAndWaitAsync(context, result, mode, probe, running, "initial fleet", cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            await using var load = await LoadGenerator.StartAsync(lane.Emulator.Endpoint, RequestsPerSecond, cancellationToken).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            var oldIds = running.Select(h => h.Settings.InstanceId).ToHashSet(StringComparer.Ordinal);
            lane.Emulator.ResetCounters();
            var clientAtStart = ClientCalls(load);
            probe.Reset();
            var deploymentStarted = Clock.Now;

            // The stop phases on the emulator's clock (the system clock here), and the client's calls within them.
            var stopWindows = new List<(DateTimeOffset From, DateTimeOffset To)>();
            var clientWhileStopping = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (step, number) in steps.Select((s, i) => (s, i + 1)))
            {
                var stepStarted = Clock.Now;
                var stopping = running.Where(h => oldIds.Contains(h.Settings.InstanceId)).Take(step.Stop).ToList();
                var windowFrom = DateTimeOffset.UtcNow;
                var clientBefore = ClientCalls(load);

                // As ECS does: the task's desired status is STOPPED, then its container gets SIGTERM.
                stopping.ForEach(h => lane.Emulator.StopTask(h.Settings.InstanceId));
                await Task.WhenAll(stopping.Select(h => Task.Run(h.StopQuietlyAsync, CancellationToken.None))).ConfigureAwait(false);
                stopWindows.Add((windowFrom, DateTimeOffset.UtcNow));
                foreach (var (operation, count) in ClientCalls(load))
                {
                    clientWhileStopping[operation] = clientWhileStopping.GetValueOrDefault(operation) + count - clientBefore.GetValueOrDefault(operation);
                }

                running.RemoveAll(stopping.Contains);
                result.Metric("step-stop-time", "Time to stop one step's old tasks (per step)", "s").Add(mode, Clock.MillisecondsSince(stepStarted) / 1000);
                var started = Enumerable.Range(0, step.Start).Select(_ => CreateTask()).ToList();
                running.AddRange(started);
                if (!await StartAndWaitAsync(context, result, mode, probe, started, Format.Invariant($"step {number}"), cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                result.Metric("step-time", "Time per step (stop → the new tasks discoverable)", "s").Add(mode, Clock.MillisecondsSince(stepStarted) / 1000);
            }

            var deploymentTime = Clock.MillisecondsSince(deploymentStarted) / 1000;
            var log = lane.Emulator.GetRequestLog();
            var requests = log.Select(r => (r.Operation, r.ErrorCode)).ToList();
            var stopRequests = log.Where(r => stopWindows.Exists(w => r.Time >= w.From && r.Time <= w.To)).Select(r => (r.Operation, r.ErrorCode)).ToList();
            var notFromHosts = ClientCalls(load).ToDictionary(c => c.Key, c => c.Value - clientAtStart.GetValueOrDefault(c.Key), StringComparer.Ordinal);
            notFromHosts["DiscoverInstances"] = notFromHosts.GetValueOrDefault("DiscoverInstances") + probe.Calls;
            var tally = CallTally.From(requests, notFromHosts);
            var stopTally = CallTally.From(stopRequests, clientWhileStopping);
            var leftRegistered = lane.Emulator.GetInstances(lane.ServiceId).Count(i => oldIds.Contains(i.InstanceId));
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);
            await load.StopAsync().ConfigureAwait(false);

            result.Metric("deployment-time", "Time for the whole deployment", "s").Add(mode, deploymentTime);
            LoadOutcomes.Report(result, mode, load);
            if (load.Failed > 0)
            {
                context.Log($"  {mode} failures: {string.Join(" | ", load.FailureSamples.Take(6))}");
            }

            result.Metric("old-left-registered", "Old tasks left registered after the deployment", string.Empty, goal: "0").Add(mode, leftRegistered);

            await Task.WhenAll(running.Select(h => Task.Run(h.StopQuietlyAsync, CancellationToken.None))).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);
            result.Metric("zombies", "Zombies after the remaining tasks stopped", string.Empty, goal: "0").Add(mode, lane.RegisteredCount());
            var errors = new ErrorLogTally();
            errors.Add(logs.Collector);
            result.AddNote(Format.Invariant($"{mode}: {tally.TotalCalls} host calls and {tally.TotalThrottled} throttled answers during the deployment ({string.Join(", ", tally.Calls.Select(c => $"{c.Key} {c.Value}"))}); {load.Sent} client requests, {load.Failed} failed; error-level logs: {(errors.Counts.Count == 0 ? "none" : string.Join(", ", errors.Counts.Select(c => $"{c.Key} × {c.Value}")))}."));
            context.Log(Format.Invariant($"  {mode}: deployment {deploymentTime:F1} s, {load.Failed}/{load.Sent} failed, {tally.PerInstance(null, tasks):F1} calls per task replaced, {tally.TotalThrottled} throttled"));
            return (tally, stopTally);
        }
        finally
        {
            foreach (var host in all)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Starts <paramref name="hosts"/> together and waits until all are discoverable; false (and a failed mode) when not within <see cref="StepTimeout"/>.</summary>
    private static async Task<bool> StartAndWaitAsync(ScenarioContext context, ScenarioResult result, RegistrationMode mode, Probe probe, List<ScenarioHost> hosts, string what, CancellationToken cancellationToken)
    {
        var starts = hosts.Select(h => Task.Run(() => h.Host.StartAsync(cancellationToken), cancellationToken)).ToArray();
        var ids = hosts.Select(h => h.Settings.InstanceId).ToList();
        var visible = 0;
        var at = await Clock.WaitUntilAsync(
            async ct =>
            {
                var discovered = await probe.DiscoverIdsAsync(ct).ConfigureAwait(false);
                visible = ids.Count(discovered.Contains);
                return visible == ids.Count;
            },
            StepTimeout,
            Poll,
            cancellationToken).ConfigureAwait(false);
        if (at is not null)
        {
            return true;
        }

        var reason = Format.Invariant($"{what}: {visible} of {ids.Count} tasks discoverable after {StepTimeout.TotalSeconds} s ({starts.Count(s => s.IsFaulted)} failed to start)");
        result.Fail(mode, reason);
        context.Log($"  {mode} {reason}");
        return false;
    }

    private static Dictionary<string, long> ClientCalls(LoadGenerator load) => new(StringComparer.Ordinal)
    {
        ["DiscoverInstances"] = load.Calls("DiscoverInstances"),
        ["DiscoverInstancesRevision"] = load.Calls("DiscoverInstancesRevision"),
    };

    /// <summary>The scenario's own view of what is discoverable, counting its calls so they can be taken out of the hosts' tally.</summary>
    private sealed class Probe(EmulatorLane lane)
    {
        private int calls;

        public int Calls => Volatile.Read(ref calls);

        public void Reset() => Interlocked.Exchange(ref calls, 0);

        public Task<HashSet<string>> DiscoverIdsAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref calls);
            return lane.DiscoverIdsAsync(cancellationToken);
        }
    }
}
