// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using CloudMap.Lifecycle.Testing;
using Microsoft.Extensions.Hosting;

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>
/// Scenario 6's adversarial cases (issue 9): hung checks, one hung answer at stop, a superseded owner, a vanished
/// registration. Each case runs once per mode, all at the same time, each on its own in-process emulator, with every
/// real-time wait capped so the whole set takes about 100 s.
/// </summary>
internal static class AdversarialCases
{
    private const string UpdateHealth = "UpdateInstanceCustomHealthStatus";
    private const string PortAttribute = "AWS_INSTANCE_PORT";
    private const string StopGoal = "≤ 30 (ShutdownTimeout)";
    private const string NoticeGoal = "≤ 2 (2 health intervals)";

    // Listed again = noticed (G6: two health intervals) + the registration's own operation (250 + 750 ms in this emulator).
    private const string HealGoal = "≤ 3 (2 intervals + 1 s operation)";

    private static readonly TimeSpan HealthInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReadinessPoll = TimeSpan.FromMilliseconds(200);

    // HostOptions' default, set explicitly so the cases do not depend on it.
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopCap = ShutdownTimeout + TimeSpan.FromSeconds(15);
    private static readonly TimeSpan HealCap = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RegisterCap = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan RemovalCap = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan HungAnswer = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ZombieGrace = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ReleaseCap = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    // Steady state for the self-healing cases: past the library's 30 s visibility grace after a registration
    // (RegistrationLedger.VisibilityGracePeriod), in which InstanceNotFound may only mean "not visible yet".
    private static readonly TimeSpan Steady = TimeSpan.FromSeconds(35);

    private static readonly IReadOnlyList<AdversarialCase> All =
    [
        new(0, "hung-ready", "Hung readiness check", [
            new("adv-hung-ready-registered", "Hung readiness check: registered though never ready", string.Empty, "0"),
            new("adv-hung-ready-stop", "Hung readiness check: SIGTERM → stopped", "s", StopGoal),
            new("adv-hung-ready-zombie", "Hung readiness check: zombie", string.Empty, "0")],
            HungReadinessAsync),
        new(1, "hung-health", "Hung running check", [
            new("adv-hung-health-stop", "Hung running check: SIGTERM → stopped", "s", StopGoal),
            new("adv-hung-health-deregister", "Hung running check: SIGTERM → DeregisterInstance sent", "s", null),
            new("adv-hung-health-zombie", "Hung running check: zombie", string.Empty, "0")],
            HungHealthAsync),
        new(2, "hung-get", "Hung GetInstance answer at stop", [
            new("adv-hung-get-stop", "Hung GetInstance answer at stop: SIGTERM → stopped", "s", StopGoal),
            new("adv-hung-get-zombie", "Hung GetInstance answer at stop: zombie", string.Empty, "0")],
            run => HungAnswerAtStopAsync(run, "GetInstance")),
        new(3, "hung-deregister", "Hung DeregisterInstance answer at stop", [
            new("adv-hung-deregister-stop", "Hung DeregisterInstance answer at stop: SIGTERM → stopped", "s", StopGoal),
            new("adv-hung-deregister-zombie", "Hung DeregisterInstance answer at stop: zombie", string.Empty, "0")],
            run => HungAnswerAtStopAsync(run, "DeregisterInstance")),
        new(4, "superseded", "Superseded owner", [
            new("adv-superseded-pushes", "Superseded owner: status pushes onto the new owner's entry", string.Empty, "0"),
            new("adv-superseded-noticed", "Superseded owner: new owner stopped → old owner's RegisterInstance sent", "s", NoticeGoal),
            new("adv-superseded-heal", "Superseded owner: new owner stopped → old owner listed again", "s", HealGoal)],
            SupersededAsync),
        new(5, "vanished-custom", "Vanished registration (custom health)", [
            new("adv-vanished-custom-noticed", "Removed by hand → RegisterInstance sent (custom health)", "s", NoticeGoal),
            new("adv-vanished-custom-heal", "Removed by hand → listed again (custom health)", "s", HealGoal)],
            run => VanishedAsync(run, EmulatedHealthCheck.Custom)),
        new(6, "vanished-none", "Vanished registration (no health check)", [
            new("adv-vanished-none-noticed", "Removed by hand → RegisterInstance sent (no health check)", "s", NoticeGoal),
            new("adv-vanished-none-heal", "Removed by hand → listed again (no health check)", "s", HealGoal)],
            run => VanishedAsync(run, EmulatedHealthCheck.None)),
    ];

    /// <summary>How the figures are obtained, for the report.</summary>
    public static string Method => Format.Invariant($"""
        *Adversarial cases* (issue 9), each once per mode, all at the same time, each with its own in-process emulator (no random faults, health-change delay 0, operations 250 + 750 ms) and its own loopback relay that logs which operations that one process sent (so two processes sharing an instance id are told apart). Real generic hosts as above; library settings: readiness polled every {ReadinessPoll.TotalMilliseconds} ms, 1 pass; health every {Verdicts.Seconds(HealthInterval)} s, thresholds 1/1; re-assertion, timeouts and retries at their defaults; drain 0; `HostOptions.ShutdownTimeout` {Verdicts.Seconds(ShutdownTimeout)} s. *SIGTERM* is `IHost.StopAsync`, what SIGTERM triggers; a stop is awaited at most {Verdicts.Seconds(StopCap)} s. *Zombie*: the instance still registered {Verdicts.Seconds(ZombieGrace)} s after its host stopped, or when the stop was given up (an orchestrator kills the process by then). A hung check awaits a signal and ignores its cancellation token; it is released only after the figures are taken. Cases: **hung readiness check** (hangs from the first run; SIGTERM 2 s after it hung); **hung running check** (passes until registered, then hangs; SIGTERM 1 s after the first hung run; *DeregisterInstance sent* is the relay's first DeregisterInstance from that process after SIGTERM); **one hung answer at stop** (registered and steady, then the emulator delays the next GetInstance, resp. DeregisterInstance, answer by {Verdicts.Seconds(HungAnswer)} s, longer than the {Verdicts.Seconds(CloudMapClientOptions.DefaultAttemptTimeout)} s attempt timeout, then SIGTERM; one answer, not every answer: with all of them hung no process could deregister); **superseded owner** (A registers id X, B registers X on another port; 3 s later A's check fails for 6 s, then passes; B gets SIGTERM {Verdicts.Seconds(Steady)} s after A's registration was listed (past the library's 30 s visibility grace, in which InstanceNotFound may only mean "not visible yet"); *pushes onto the new owner's entry* counts A's UpdateInstanceCustomHealthStatus calls from B's takeover (B's entry listed) until B's SIGTERM; then the figures are the time from the entry's removal until A's relay carries a RegisterInstance (*noticed*) and until X is listed again with A's port, awaited {Verdicts.Seconds(HealCap)} s); **vanished registration** (registered and steady for {Verdicts.Seconds(Steady)} s, past that grace, then removed with the emulator's DeregisterInstance as by hand; time until its relay carries a RegisterInstance and until it is listed again, awaited {Verdicts.Seconds(HealCap)} s; once in a service with custom health, once in a service without any health check). The goal of 2 health intervals is G6's and applies to noticing (RegisterInstance sent); being listed again adds the registration's operation (1 s here). The baseline runs no health checks, pushes HEALTHY every 10 s and never registers again; its figures come from the same steps.
        """);

    public static async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        // Declared up front in a fixed order: the cases run concurrently, and metrics keep their first-use order.
        foreach (var spec in All.SelectMany(c => c.Metrics))
        {
            result.Metric(spec.Key, spec.Name, spec.Unit, spec.Goal);
        }

        var total = result.Metric("adv-zombies", "Zombies, adversarial cases (sum)", string.Empty, goal: "0");
        var zombies = new ZombieTally();
        var started = Clock.Now;
        var runs = All.SelectMany(c => Enum.GetValues<RegistrationMode>().Select(mode => new CaseRun(context, result, zombies, c, mode, 6100 + (c.Index * 2) + (int)mode, cancellationToken))).ToList();
        await Task.WhenAll(runs.Select(run => Task.Run(() => RunCaseAsync(run), cancellationToken))).ConfigureAwait(false);
        zombies.Write(total);

        // The evidence in case order (the cases ran concurrently).
        foreach (var note in runs.SelectMany(run => run.Notes))
        {
            result.AddNote(note);
        }
        context.Log(Format.Invariant($"  adversarial cases done in {Clock.MillisecondsSince(started) / 1000:F0} s"));
    }

    private static async Task RunCaseAsync(CaseRun run)
    {
        try
        {
            await run.Case.Run(run).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !run.Token.IsCancellationRequested)
        {
            run.NotMeasured(Format.Invariant($"the case threw {ex.GetType().Name}: {ex.Message}"));
        }
    }

    private static async Task HungReadinessAsync(CaseRun run)
    {
        await using var lane = await run.LaneAsync(EmulatedHealthCheck.Custom).ConfigureAwait(false);
        await using var proxy = await CountingProxy.StartAsync(lane.Emulator.Endpoint, run.Token).ConfigureAwait(false);
        var check = new ScenarioCheck(healthy: true);
        check.Hang();
        var logs = new AwaitableFakeLogs();
        var port = run.Port(0);
        var host = Build(run, lane, proxy, run.InstanceId, port, check, logs);
        StopOutcome? stop = null;
        try
        {
            if (!await StartAsync(run, host).ConfigureAwait(false))
            {
                return;
            }

            // The library runs the check at once; the baseline never runs it.
            await Clock.WaitUntilAsync(_ => Task.FromResult(check.HungRuns > 0), TimeSpan.FromSeconds(5), Poll, run.Token).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(2), run.Token).ConfigureAwait(false);
            run.Add("adv-hung-ready-registered", lane.Emulator.FindInstance(lane.ServiceId, run.InstanceId) is null ? 0 : 1);
            stop = await SigtermAsync(run, host).ConfigureAwait(false);
            run.Stop("adv-hung-ready-stop", stop);
            run.Zombie("adv-hung-ready-zombie", await IsZombieAsync(lane, run.InstanceId, stop, run.Token).ConfigureAwait(false));
            run.Evidence(stop, proxy, logs, check);
        }
        finally
        {
            await CleanUpAsync(run, host, stop, check).ConfigureAwait(false);
        }
    }

    private static Task HungHealthAsync(CaseRun run) => WithListedHostAsync(run, async listed =>
    {
        var (_, proxy, check, logs, host, lane) = listed;
        check.Hang();
        await Clock.WaitUntilAsync(_ => Task.FromResult(check.HungRuns > 0), TimeSpan.FromSeconds(5), Poll, run.Token).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(1), run.Token).ConfigureAwait(false);
        var stop = await SigtermAsync(run, host).ConfigureAwait(false);
        run.Stop("adv-hung-health-stop", stop);
        run.Zombie("adv-hung-health-zombie", await IsZombieAsync(lane, run.InstanceId, stop, run.Token).ConfigureAwait(false));
        Verdicts.RecordElapsed(
            run.Metric("adv-hung-health-deregister"),
            run.Mode,
            stop.SigtermAt,
            proxy.Calls.FirstAt("DeregisterInstance", stop.SigtermAt),
            Format.Invariant($"never sent (watched {Clock.MillisecondsSince(stop.SigtermAt) / 1000:F0} s)"));
        run.Evidence(stop, proxy, logs, check);
        return stop;
    });

    private static Task HungAnswerAtStopAsync(CaseRun run, string operation) => WithListedHostAsync(run, async listed =>
    {
        var (_, proxy, check, logs, host, lane) = listed;

        // Installed right before the stop, so no steady-state call can consume it.
        lane.Emulator.Faults.Script(operation, ScriptedFault.Delay(HungAnswer));
        var stop = await SigtermAsync(run, host).ConfigureAwait(false);
        var key = operation == "GetInstance" ? "adv-hung-get" : "adv-hung-deregister";
        run.Stop(key + "-stop", stop);
        run.Zombie(key + "-zombie", await IsZombieAsync(lane, run.InstanceId, stop, run.Token).ConfigureAwait(false));
        if (proxy.Calls.FirstAt(operation, stop.SigtermAt) is null)
        {
            run.Note(Format.Invariant($"sent no {operation} after SIGTERM, so the hung answer was never hit"));
        }

        run.Evidence(stop, proxy, logs, check);
        return stop;
    });

    /// <summary>
    /// The set-up the stop cases share: a lane with custom health of its own, a counting proxy, one healthy host started,
    /// listed in DiscoverInstances and left to settle for a second; then <paramref name="steps"/> (which return the stop
    /// they made, if any); the host is always cleaned up.
    /// </summary>
    private static async Task WithListedHostAsync(CaseRun run, Func<ListedHost, Task<StopOutcome?>> steps)
    {
        await using var lane = await run.LaneAsync(EmulatedHealthCheck.Custom).ConfigureAwait(false);
        await using var proxy = await CountingProxy.StartAsync(lane.Emulator.Endpoint, run.Token).ConfigureAwait(false);
        var check = new ScenarioCheck(healthy: true);
        var logs = new AwaitableFakeLogs();
        var port = run.Port(0);
        var host = Build(run, lane, proxy, run.InstanceId, port, check, logs);
        StopOutcome? stop = null;
        try
        {
            if (!await StartAsync(run, host).ConfigureAwait(false) || !await WaitListedAsync(run, lane, run.InstanceId, port).ConfigureAwait(false))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), run.Token).ConfigureAwait(false);
            stop = await steps(new ListedHost(port, proxy, check, logs, host, lane)).ConfigureAwait(false);
        }
        finally
        {
            await CleanUpAsync(run, host, stop, check).ConfigureAwait(false);
        }
    }

    private static async Task SupersededAsync(CaseRun run)
    {
        await using var lane = await run.LaneAsync(EmulatedHealthCheck.Custom).ConfigureAwait(false);
        await using var proxyA = await CountingProxy.StartAsync(lane.Emulator.Endpoint, run.Token).ConfigureAwait(false);
        await using var proxyB = await CountingProxy.StartAsync(lane.Emulator.Endpoint, run.Token).ConfigureAwait(false);
        var checkA = new ScenarioCheck(healthy: true);
        var checkB = new ScenarioCheck(healthy: true);
        var logsA = new AwaitableFakeLogs();
        var logsB = new AwaitableFakeLogs();
        var (portA, portB) = (run.Port(0), run.Port(1));
        var hostA = Build(run, lane, proxyA, run.InstanceId, portA, checkA, logsA);
        var hostB = Build(run, lane, proxyB, run.InstanceId, portB, checkB, logsB);
        StopOutcome? stopB = null;
        try
        {
            if (!await StartAsync(run, hostA).ConfigureAwait(false) || !await WaitListedAsync(run, lane, run.InstanceId, portA).ConfigureAwait(false))
            {
                return;
            }

            var listedA = Clock.Now;
            if (!await StartAsync(run, hostB).ConfigureAwait(false) || !await WaitListedAsync(run, lane, run.InstanceId, portB).ConfigureAwait(false))
            {
                return;
            }

            var takeover = Clock.Now;
            var takeoverUtc = TimeProvider.System.GetUtcNow();
            await Task.Delay(TimeSpan.FromSeconds(3), run.Token).ConfigureAwait(false);
            checkA.Healthy = false;
            await Task.Delay(TimeSpan.FromSeconds(6), run.Token).ConfigureAwait(false);
            var whileUnhealthy = lane.Emulator.FindInstance(lane.ServiceId, run.InstanceId);
            checkA.Healthy = true;
            await Task.Delay(TimeSpan.FromSeconds(5), run.Token).ConfigureAwait(false);
            await DelayUntilAsync(listedA, Steady, run.Token).ConfigureAwait(false);
            var sigtermB = Clock.Now;
            run.Add("adv-superseded-pushes", proxyA.Calls.Count(UpdateHealth, takeover, sigtermB));
            run.Note(Format.Invariant($"while A was unhealthy, B's (healthy) entry was {whileUnhealthy?.HealthStatus ?? "missing"} (port {whileUnhealthy?.Attributes.GetValueOrDefault(PortAttribute) ?? "-"}; B's port {portB}); A's calls after the takeover: {Calls(proxyA.Calls, takeover)}"));

            var stopping = hostB.Host.StopAsync(CancellationToken.None);
            stopB = new StopOutcome(sigtermB, TimeProvider.System.GetUtcNow(), stopping, Elapsed: null);
            var (goneAt, backAt) = await WatchTakeBackAsync(run, lane, portA, stopping).ConfigureAwait(false);
            var heal = run.Metric("adv-superseded-heal");
            if (goneAt is not { } gone)
            {
                heal.Note(run.Mode, Format.Invariant($"B's stop did not remove the entry within {Verdicts.Seconds(RemovalCap)} s"));
            }
            else
            {
                Verdicts.RecordElapsed(run.Metric("adv-superseded-noticed"), run.Mode, gone, proxyA.Calls.FirstAt("RegisterInstance", gone), Format.Invariant($"never sent (watched {Verdicts.Seconds(HealCap)} s)"));
                Verdicts.RecordElapsed(heal, run.Mode, gone, backAt, Format.Invariant($"not back after {Verdicts.Seconds(HealCap)} s"));
            }

            run.Note(Format.Invariant($"A's calls after B's SIGTERM: {Calls(proxyA.Calls, sigtermB)}; A's registration events since the takeover: {Events(logsA, takeoverUtc)}"));
        }
        finally
        {
            await CleanUpAsync(run, hostB, stopB, checkB).ConfigureAwait(false);
            await CleanUpAsync(run, hostA, null, checkA).ConfigureAwait(false);
        }
    }

    /// <summary>After B's SIGTERM: when the entry disappeared, and when it was listed again with A's port.</summary>
    private static async Task<(long? GoneAt, long? BackAt)> WatchTakeBackAsync(CaseRun run, EmulatorLane lane, int portA, Task stoppingB)
    {
        var watch = new TakeBackWatch(Clock.Now, RemovalCap, HealCap);
        while (true)
        {
            var entry = lane.Emulator.FindInstance(lane.ServiceId, run.InstanceId);
            if (watch.Observe(Clock.Now, entry is not null, entry is not null && HasPort(entry, portA), stoppingB.IsCompleted))
            {
                return (watch.GoneAt, watch.BackAt);
            }

            await Task.Delay(Poll, run.Token).ConfigureAwait(false);
        }
    }

    private static async Task VanishedAsync(CaseRun run, EmulatedHealthCheck healthCheck)
    {
        await using var lane = await run.LaneAsync(healthCheck).ConfigureAwait(false);
        await using var proxy = await CountingProxy.StartAsync(lane.Emulator.Endpoint, run.Token).ConfigureAwait(false);
        var check = new ScenarioCheck(healthy: true);
        var logs = new AwaitableFakeLogs();
        var port = run.Port(0);
        var host = Build(run, lane, proxy, run.InstanceId, port, check, logs);
        try
        {
            if (!await StartAsync(run, host).ConfigureAwait(false) || !await WaitListedAsync(run, lane, run.InstanceId, port).ConfigureAwait(false))
            {
                return;
            }

            await Task.Delay(Steady, run.Token).ConfigureAwait(false);
            var removedUtc = TimeProvider.System.GetUtcNow();
            var removed = Clock.Now;
            if (!lane.Emulator.DeregisterInstance(lane.ServiceId, run.InstanceId))
            {
                run.NotMeasured("the instance was not there to remove");
                return;
            }

            var back = await Clock.WaitUntilAsync(_ => Task.FromResult(IsListed(lane, run.InstanceId, port)), HealCap, Poll, run.Token).ConfigureAwait(false);
            Verdicts.RecordElapsed(run.Metric(run.Case.Metrics[0].Key), run.Mode, removed, proxy.Calls.FirstAt("RegisterInstance", removed), Format.Invariant($"never sent (watched {Verdicts.Seconds(HealCap)} s)"));
            Verdicts.RecordElapsed(run.Metric(run.Case.Metrics[1].Key), run.Mode, removed, back, Format.Invariant($"not back after {Verdicts.Seconds(HealCap)} s"));
            run.Note(Format.Invariant($"calls after the removal: {Calls(proxy.Calls, removed)}; registration events since: {Events(logs, removedUtc)}"));
        }
        finally
        {
            await CleanUpAsync(run, host, null, check).ConfigureAwait(false);
        }
    }

    private static async Task DelayUntilAsync(long since, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        var left = elapsed - TimeSpan.FromMilliseconds(Clock.MillisecondsSince(since));
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left, cancellationToken).ConfigureAwait(false);
        }
    }

    private static ScenarioHost Build(CaseRun run, EmulatorLane lane, CountingProxy proxy, string instanceId, int port, ScenarioCheck check, AwaitableFakeLogs logs) =>
        ScenarioHost.Build(
            run.Mode,
            proxy.Endpoint,
            new HostSettings(instanceId, port, lane.ServiceId, EmulatorLane.NamespaceName, EmulatorLane.ServiceName),
            ready: null,
            configure: o =>
            {
                o.Readiness.PollInterval = ReadinessPoll;
                o.Readiness.ConsecutiveSuccesses = 1;
                o.Health.Interval = HealthInterval;
                o.Health.HealthyThreshold = 1;
                o.Health.UnhealthyThreshold = 1;
                o.Shutdown.DrainDelay = TimeSpan.Zero;
            },
            logs: logs,
            readyAsync: check.RunAsync,
            shutdownTimeout: ShutdownTimeout);

    /// <summary>Starts the host; a start that throws (the baseline registers in StartAsync) leaves the case unmeasured.</summary>
    private static async Task<bool> StartAsync(CaseRun run, ScenarioHost host)
    {
        try
        {
            await host.Host.StartAsync(run.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !run.Token.IsCancellationRequested)
        {
            run.NotMeasured(Format.Invariant($"the host did not start: {ex.GetType().Name}: {ex.Message}"));
            return false;
        }
    }

    private static async Task<bool> WaitListedAsync(CaseRun run, EmulatorLane lane, string instanceId, int port)
    {
        if (await Clock.WaitUntilAsync(_ => Task.FromResult(IsListed(lane, instanceId, port)), RegisterCap, Poll, run.Token).ConfigureAwait(false) is not null)
        {
            return true;
        }

        run.NotMeasured(Format.Invariant($"the instance was not registered within {Verdicts.Seconds(RegisterCap)} s"));
        return false;
    }

    private static bool IsListed(EmulatorLane lane, string instanceId, int port) =>
        lane.Emulator.FindInstance(lane.ServiceId, instanceId) is { IsVisible: true } entry && HasPort(entry, port);

    private static bool HasPort(EmulatedInstance entry, int port) =>
        entry.Attributes.TryGetValue(PortAttribute, out var value) && value == port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Calls StopAsync (what SIGTERM triggers) and waits for it at most <see cref="StopCap"/>.</summary>
    private static async Task<StopOutcome> SigtermAsync(CaseRun run, ScenarioHost host)
    {
        var utc = TimeProvider.System.GetUtcNow();
        var at = Clock.Now;
        var stopping = host.Host.StopAsync(CancellationToken.None);
        var stopped = await Task.WhenAny(stopping, Task.Delay(StopCap, run.Token)).ConfigureAwait(false) == stopping;
        var elapsed = stopped ? Stopwatch.GetElapsedTime(at) : (TimeSpan?)null;
        if (stopping.IsFaulted)
        {
            run.Note(Format.Invariant($"StopAsync threw {stopping.Exception!.InnerException?.GetType().Name}: {stopping.Exception.InnerException?.Message}"));
        }

        return new StopOutcome(at, utc, stopping, elapsed);
    }

    /// <summary>A zombie: still registered <see cref="ZombieGrace"/> after the host stopped, or when its stop was given up.</summary>
    private static async Task<bool> IsZombieAsync(EmulatorLane lane, string instanceId, StopOutcome stop, CancellationToken cancellationToken)
    {
        if (stop.Elapsed is not null)
        {
            await Task.Delay(ZombieGrace, cancellationToken).ConfigureAwait(false);
        }

        return lane.Emulator.FindInstance(lane.ServiceId, instanceId) is not null;
    }

    /// <summary>Releases the hung checks, finishes (or starts) the stop, and disposes the host unless it still does not stop.</summary>
    private static async Task CleanUpAsync(CaseRun run, ScenarioHost host, StopOutcome? stop, ScenarioCheck check)
    {
        check.Release();
        var stopping = stop?.Stop ?? host.Host.StopAsync(CancellationToken.None);
        if (await Task.WhenAny(stopping, Task.Delay(ReleaseCap, CancellationToken.None)).ConfigureAwait(false) != stopping)
        {
            run.Note(Format.Invariant($"the host had still not stopped {Verdicts.Seconds(ReleaseCap)} s after its check was released; abandoned"));
            return;
        }

        await stopping.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await host.DisposeAsync().ConfigureAwait(false);
    }

    private static string Calls(ProcessCallLog calls, long since)
    {
        var operations = calls.OperationsSince(since);
        return operations.Count == 0
            ? "none"
            : string.Join(", ", operations.GroupBy(o => o, StringComparer.Ordinal).Select(g => g.Count() == 1 ? g.Key : Format.Invariant($"{g.Key} × {g.Count()}")));
    }

    /// <summary>The registration's event names (library or baseline) since <paramref name="since"/>, in order, repeats collapsed.</summary>
    private static string Events(AwaitableFakeLogs logs, DateTimeOffset since)
    {
        var names = logs.Collector.GetSnapshot()
            .Where(r => r.Timestamp >= since && (r.Category?.StartsWith("CloudMap.Lifecycle", StringComparison.Ordinal) ?? false) && r.Id.Name is not null)
            .Select(r => Format.Invariant($"{r.Id.Name} ({r.Id.Id})"))
            .ToList();
        var collapsed = names.Where((n, i) => i == 0 || names[i - 1] != n).Take(25).ToList();
        return collapsed.Count == 0 ? "none" : string.Join(" → ", collapsed);
    }

    private sealed record MetricSpec(string Key, string Name, string Unit, string? Goal);

    private sealed record AdversarialCase(int Index, string Slug, string Name, IReadOnlyList<MetricSpec> Metrics, Func<CaseRun, Task> Run)
    {
        public bool HasZombie => Metrics.Any(m => m.Key.EndsWith("-zombie", StringComparison.Ordinal));
    }

    /// <param name="SigtermAt">When StopAsync was called (<see cref="Clock"/> timestamp).</param>
    /// <param name="SigtermUtc">The same moment in wall-clock time (log records carry it).</param>
    /// <param name="Stop">The StopAsync task (may still be running).</param>
    /// <param name="Elapsed">SIGTERM → stopped, or <see langword="null"/> when the stop was given up.</param>
    private sealed record StopOutcome(long SigtermAt, DateTimeOffset SigtermUtc, Task Stop, TimeSpan? Elapsed);

    /// <summary>One case in one mode: where its figures go.</summary>
    private sealed class CaseRun(ScenarioContext context, ScenarioResult result, ZombieTally zombies, AdversarialCase @case, RegistrationMode mode, int seed, CancellationToken token)
    {
        private readonly List<string> notes = [];
        private int notMeasured;

        public AdversarialCase Case => @case;

        public RegistrationMode Mode => mode;

        public CancellationToken Token => token;

        public string InstanceId => Format.Invariant($"adv-{@case.Slug}-{mode.ToString().ToLowerInvariant()}");

        /// <summary>A port to register (nothing listens on it: the hosts are generic hosts with an explicit port).</summary>
        public int Port(int which) => 23000 + (@case.Index * 10) + ((int)mode * 2) + which;

        public Task<EmulatorLane> LaneAsync(EmulatedHealthCheck healthCheck) =>
            EmulatorLane.StartAsync(TimeSpan.Zero, seed, token, healthCheck: healthCheck);

        public Metric Metric(string key) => result.Find(key) ?? throw new InvalidOperationException($"Metric '{key}' was not declared.");

        public void Add(string key, double value) => Metric(key).Add(mode, value);

        public void Stop(string key, StopOutcome stop) => Verdicts.RecordStop(Metric(key), mode, stop.Elapsed, StopCap, ShutdownTimeout);

        public void Zombie(string key, bool zombie)
        {
            Add(key, zombie ? 1 : 0);
            zombies.Add(mode, zombie);
        }

        /// <summary>Marks every figure of the case that has none yet as not measured, with the reason.</summary>
        public void NotMeasured(string reason)
        {
            if (Interlocked.Exchange(ref notMeasured, 1) == 1)
            {
                return;
            }

            foreach (var spec in @case.Metrics.Where(s => Metric(s.Key).Samples(mode).Count == 0 && Metric(s.Key).Notes(mode).Count == 0))
            {
                Metric(spec.Key).Note(mode, "not measured: " + reason);
            }

            if (@case.HasZombie && @case.Metrics.Any(s => s.Key.EndsWith("-zombie", StringComparison.Ordinal) && Metric(s.Key).Samples(mode).Count == 0))
            {
                zombies.NotMeasured(mode, @case.Name);
            }

            context.Log(Format.Invariant($"  {mode} {@case.Name}: not measured: {reason}"));
        }

        /// <summary>Gets the evidence collected for the report.</summary>
        public IReadOnlyList<string> Notes
        {
            get
            {
                lock (notes)
                {
                    return [.. notes];
                }
            }
        }

        public void Note(string text)
        {
            lock (notes)
            {
                notes.Add(Format.Invariant($"{mode}, {@case.Name}: {text}."));
            }
        }

        /// <summary>What happened after SIGTERM, as evidence next to the figures.</summary>
        public void Evidence(StopOutcome stop, CountingProxy proxy, AwaitableFakeLogs logs, ScenarioCheck check)
        {
            var outcome = stop.Elapsed is { } elapsed ? Format.Invariant($"stopped in {elapsed.TotalSeconds:F1} s") : Format.Invariant($"not stopped after {Verdicts.Seconds(StopCap)} s");
            var events = "; registration events after SIGTERM: " + Events(logs, stop.SigtermUtc);
            Note(Format.Invariant($"{outcome}; check runs hung: {check.HungRuns}; calls after SIGTERM: {Calls(proxy.Calls, stop.SigtermAt)}{events}"));
            context.Log(Format.Invariant($"  {mode} {@case.Name}: {outcome}"));
        }
    }

    /// <summary>What <see cref="WithListedHostAsync"/> hands to a case's steps.</summary>
    private sealed record ListedHost(int Port, CountingProxy Proxy, ScenarioCheck Check, AwaitableFakeLogs Logs, ScenarioHost Host, EmulatorLane Lane);
}
