// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;

using Microsoft.Extensions.Logging.Testing;

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>
/// Scenario 6: randomized start/stop trials against a faulty, throttling, slow Cloud Map (zombies, unexpected exceptions),
/// then the adversarial cases of <see cref="AdversarialCases"/> (not in a smoke run unless asked for with --adversarial).
/// </summary>
internal sealed class FaultsScenario : IScenario
{
    private const double ErrorRate = 0.2;
    private const int ThrottleBurst = 20;
    private const double ThrottleRate = 40;
    private const int Lanes = 20;
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ReadyAfter = TimeSpan.FromMilliseconds(400);
    private static readonly string[] Phases = ["readiness wait", "RegisterInstance in flight", "health loop"];

    public int Number => 6;

    public string Title => "Faults: randomized start/stop";

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        // The trials are the repetitions: one batch per mode.
        result.Repetitions = 1;
        var methods = new List<string>();
        if (context.RunsRandomTrials)
        {
            var trials = context.Smoke ? 30 : 200;
            methods.Add(Format.Invariant($"""
                {trials} trials per mode ({Lanes} at a time, seeded), each a real generic host (library, or the hand-rolled baseline on the same client) against one in-process emulator that answers {ErrorRate:P0} of requests with HTTP 500, throttles the whole API (token bucket: burst {ThrottleBurst}, {ThrottleRate}/s), and adds {Latency.TotalMilliseconds} ms to every answer (operations 250 + 750 ms). The app's readiness check passes {ReadyAfter.TotalMilliseconds} ms after start (library: readiness polled every 100 ms, 1 pass; health every 1 s (the minimum the options allow)). Trials cycle through three stop targets: during the readiness wait (uniform 0–350 ms after start), while RegisterInstance is in flight (0–150 ms after the registration began: the library's phase Registering, the baseline's StartAsync), and during the health loop (0–1 s after registration). A stop that lands during the baseline's StartAsync cancels the start, as SIGTERM during start-up does. *Zombie*: the trial's instance still registered 2 s after its host stopped. *Unexpected exception*: an exception other than cancellation escaping StartAsync/StopAsync, or an error-level log of the library's "UnexpectedError" event. The phase each stop actually landed in is counted.
                """));
            result.Method = string.Join("\n\n", methods);
            await RunModeAsync(context, result, RegistrationMode.Library, 0, trials, cancellationToken).ConfigureAwait(false);
            await RunModeAsync(context, result, RegistrationMode.Baseline, 0, trials, cancellationToken).ConfigureAwait(false);
        }

        if (context.RunsAdversarialCases)
        {
            methods.Add(AdversarialCases.Method);
            result.Method = string.Join("\n\n", methods);
            context.Log("  adversarial cases (both modes at once, about 100 s)");
            await AdversarialCases.RunAsync(context, result, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task RunModeAsync(ScenarioContext context, ScenarioResult result, RegistrationMode mode, int rep, int trials, CancellationToken cancellationToken)
    {
        await using var lane = await EmulatorLane.StartAsync(TimeSpan.FromSeconds(30), seed: 600 + rep, cancellationToken).ConfigureAwait(false);
        lane.Emulator.Faults.ErrorRate(ErrorRate).Throttle(ThrottleBurst, ThrottleRate).Latency(Latency);
        var logs = new ErrorLogTally();
        var unexpected = new ConcurrentQueue<string>();
        var landed = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var instanceIds = new ConcurrentBag<string>();
        var diagnostics = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var deregisterErrors = new ConcurrentBag<string>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Lanes).Select(laneIndex => Task.Run(
            async () =>
            {
                var random = new Random(HashCode.Combine(rep, laneIndex, (int)mode));
                int trial;
                while ((trial = Interlocked.Increment(ref next)) < trials)
                {
                    var trialStarted = Clock.Now;
                    var phase = await RunTrialAsync(lane, mode, trial, rep, random, logs, unexpected, deregisterErrors, diagnostics, cancellationToken).ConfigureAwait(false);
                    landed.AddOrUpdate(phase, 1, (_, n) => n + 1);
                    result.Metric("trial-duration", "Trial: start → stopped", "ms").Add(mode, Clock.MillisecondsSince(trialStarted));
                    instanceIds.Add(TrialId(rep, trial));
                }
            },
            cancellationToken))).ConfigureAwait(false);

        // Operations still in flight (a baseline deregistration it never waited for) get time to finish.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        var left = lane.Emulator.GetInstances(lane.ServiceId).Select(i => i.InstanceId).ToHashSet(StringComparer.Ordinal);
        var zombies = instanceIds.Count(left.Contains);
        foreach (var id in instanceIds.Where(left.Contains).Order(StringComparer.Ordinal))
        {
            if (mode == RegistrationMode.Library)
            {
                result.AddNote(Format.Invariant($"Library zombie {id}: {diagnostics.GetValueOrDefault(id, "no diagnostics")}."));
            }
        }

        var unexpectedLogs = logs.Count("UnexpectedError");
        result.Metric("zombies", "Zombies", string.Empty, goal: "0").Add(mode, zombies);
        result.Metric("unexpected-exceptions", "Unexpected exceptions", string.Empty, goal: "0").Add(mode, unexpected.Count + unexpectedLogs);
        result.AddNote(Format.Invariant($"{mode}, run {rep + 1}: stops landed in {string.Join(", ", landed.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}"))}; zombies {zombies}; unexpected exceptions {unexpected.Count} thrown + {unexpectedLogs} logged."));
        foreach (var example in unexpected.Take(3).Concat(logs.Examples.Take(3)))
        {
            result.AddNote($"{mode} example: {example}");
        }

        if (mode == RegistrationMode.Baseline && deregisterErrors.Count > 0)
        {
            result.AddNote(Format.Invariant($"Baseline, run {rep + 1}: failed DeregisterInstance calls by error: {string.Join(", ", deregisterErrors.GroupBy(e => e).Select(g => $"{g.Key} × {g.Count()}"))}."));
        }

        context.Log(Format.Invariant($"  {mode}: zombies {zombies}, unexpected {unexpected.Count}+{unexpectedLogs}, phases {string.Join(", ", landed.Select(p => $"{p.Key}={p.Value}"))}"));
    }

    private static string TrialId(int rep, int trial) => Format.Invariant($"trial-{rep}-{trial}");

    private static async Task<string> RunTrialAsync(EmulatorLane lane, RegistrationMode mode, int trial, int rep, Random random, ErrorLogTally logs, ConcurrentQueue<string> unexpected, ConcurrentBag<string> deregisterErrors, ConcurrentDictionary<string, string> diagnostics, CancellationToken cancellationToken)
    {
        var target = trial % Phases.Length;
        var started = Clock.Now;
        var trialLog = new AwaitableFakeLogs();
        var trialStartedAt = TimeProvider.System.GetUtcNow();
        var settings = new HostSettings(TrialId(rep, trial), 20000 + trial, lane.ServiceId, EmulatorLane.NamespaceName, EmulatorLane.ServiceName);
        await using var host = ScenarioHost.Build(
            mode,
            lane.Emulator.Endpoint,
            settings,
            ready: () => Clock.MillisecondsSince(started) >= ReadyAfter.TotalMilliseconds,
            configure: o =>
            {
                o.Readiness.PollInterval = TimeSpan.FromMilliseconds(100);
                o.Readiness.ConsecutiveSuccesses = 1;
                o.Health.Interval = TimeSpan.FromSeconds(1);
                o.Shutdown.DrainDelay = TimeSpan.Zero;
            },
            logs: trialLog);
        using var startCancel = new CancellationTokenSource();
        var start = host.Host.StartAsync(startCancel.Token);
        var phase = "other";
        try
        {
            switch (target)
            {
                case 0:
                    await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 350)), cancellationToken).ConfigureAwait(false);
                    break;
                case 1:
                    await WaitForAsync(() => mode == RegistrationMode.Library ? host.LibraryState!.Phase == CloudMapRegistrationPhase.Registering : host.Baseline!.RegisterSent || start.IsCompleted, cancellationToken).ConfigureAwait(false);
                    await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 150)), cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await WaitForAsync(() => host.IsRegistered || start.IsFaulted, cancellationToken).ConfigureAwait(false);
                    await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 1000)), cancellationToken).ConfigureAwait(false);
                    break;
            }

            phase = Observe(host, start);
            await startCancel.CancelAsync().ConfigureAwait(false);
            try
            {
                await start.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            await host.Host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            if (host.LibraryState is { } state)
            {
                diagnostics[settings.InstanceId] = Format.Invariant($"stop landed in {phase}; after stop: phase {state.Phase}, last error '{state.LastError}'. Library log: {string.Join(" / ", LibraryLog(trialLog.Collector, trialStartedAt))}");
            }

            if (host.Baseline?.DeregisterError is { } error)
            {
                deregisterErrors.Add(error);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            unexpected.Enqueue($"{settings.InstanceId} ({phase}): {ex.GetType().Name}: {ex.Message}");
            try
            {
                await host.Host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception stopError) when (stopError is not OperationCanceledException)
            {
                unexpected.Enqueue($"{settings.InstanceId} stop: {stopError.GetType().Name}: {stopError.Message}");
            }
        }

        logs.Add(trialLog.Collector);
        return phase;
    }

    /// <summary>The library's own log lines (information and above) of one trial, as evidence for a zombie.</summary>
    private static IEnumerable<string> LibraryLog(FakeLogCollector logs, DateTimeOffset since) =>
        logs.GetSnapshot()
            .Where(r => r.Level >= LogLevel.Information && (r.Category?.StartsWith("CloudMap.Lifecycle", StringComparison.Ordinal) ?? false))
            .Take(60)
            .Select(r => ErrorLogTally.Line(r, since));

    private static string Observe(ScenarioHost host, Task start)
    {
        if (host.Mode == RegistrationMode.Library)
        {
            return host.LibraryState!.Phase switch
            {
                CloudMapRegistrationPhase.NotStarted or CloudMapRegistrationPhase.Resolving or CloudMapRegistrationPhase.WaitingForReadiness => Phases[0],
                CloudMapRegistrationPhase.Registering => Phases[1],
                CloudMapRegistrationPhase.Registered => Phases[2],
                var other => other.ToString(),
            };
        }

        var baseline = host.Baseline!;
        return baseline.Registered ? Phases[2] : baseline.RegisterSent && !start.IsCompleted ? Phases[1] : start.IsFaulted ? "start failed" : Phases[0];
    }

    private static async Task WaitForAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        var deadline = Clock.Now;
        while (!condition() && Clock.MillisecondsSince(deadline) < 20_000)
        {
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }
}
