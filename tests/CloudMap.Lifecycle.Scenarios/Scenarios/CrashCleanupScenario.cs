// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Globalization;

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>
/// Scenario 8: instances die without their shutdown hook (SIGKILL while registering, running or draining; SIGKILL with
/// a foreign server taking over the port; a single instance replaced after SIGKILL) or pause (SIGSTOP for 2 minutes).
/// Measures how long the dead registration stays in DiscoverInstances (HealthStatus=ALL), wrongful removals of live
/// instances, zombies left, and the Cloud Map and probe cost. Real sample processes on the standalone emulator.
/// </summary>
internal sealed class CrashCleanupScenario : IScenario
{
    private const string RemovalGoal = "≤ 90";
    private const string DrainingEvent = "[1048]";
    private const string DrainCompletedEvent = "[1049]";

    // The library's per-sweep Debug line: "... probes: 2 alive, 0 refused, 0 foreign, 0 unknown; ...".
    private const string SweepEvent = "[1114]";
    private const string SweepCategory = "Logging__LogLevel__CloudMap.Lifecycle.Internal.CloudMapRegistrationService";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(150);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Steady = TimeSpan.FromSeconds(35);
    private static readonly TimeSpan Pause = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan BackAfterPause = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan RegisteringPending = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan DefaultPending = TimeSpan.FromMilliseconds(750);
    private static readonly TimeSpan KillAfterRegisterArrived = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LongDrainDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan KillAfterSigterm = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan SettleAfterRemoval = TimeSpan.FromSeconds(3);
    private static readonly string[] CostOperations = ["DiscoverInstancesRevision", "DiscoverInstances", "GetInstance", "DeregisterInstance", "UpdateInstanceCustomHealthStatus"];

    /// <summary>The removal metrics of the cases in which an instance dies, in report order.</summary>
    private static readonly IReadOnlyList<CrashCase> Cases =
    [
        new(CrashKind.Registering, "registering", "SIGKILL while registering → undiscoverable", RemovalGoal),
        new(CrashKind.Running, "running", "SIGKILL while running → undiscoverable", RemovalGoal),
        new(CrashKind.Draining, "draining", "SIGKILL while draining → undiscoverable", RemovalGoal),
        new(CrashKind.Foreign, "foreign", "SIGKILL + foreign server on the port → undiscoverable", RemovalGoal),
        new(CrashKind.Paused, "paused", "SIGSTOP 2 min", null),
        new(CrashKind.Replacement, "replacement", "Single instance SIGKILL, replacement started → predecessor undiscoverable", null),
    ];

    private enum CrashKind
    {
        Registering,
        Running,
        Draining,
        Foreign,
        Paused,
        Replacement,
    }

    public int Number => 8;

    public string Title => "Crash cleanup";

    /// <summary>How the figures are obtained, for the report.</summary>
    public static string Method(bool smoke) => Format.Invariant($"""
        {(smoke ? "Smoke: only the SIGKILL-while-running case, library mode only, crashed as soon as all three were ready and discoverable (so the observers' startup grace is inside the figure), observed until 3 s after the removal. " : string.Empty)}Real sample processes (warm-up 1 s, `CloudMap:Address=127.0.0.1`, cleanup at its defaults: probe every 10 s, 3 watched peers, 3 gone observations over ≥ 20 s, startup grace 30 s) on their own loopback ports, each case with its own standalone emulator process (Cloud Map's 30 s health-change delay, operations 250 + 750 ms). All cases and both modes run at the same time (at most 3 cases starting at once). Three instances per case unless said; the crash comes {Verdicts.Seconds(Steady)} s after all were ready and discoverable (past the observers' 30 s startup grace, as for a long-running instance) except while registering. Cases: **while registering** (two instances ready, then the emulator keeps new operations PENDING {Verdicts.Seconds(RegisteringPending)} s, the third starts and gets SIGKILL {Verdicts.Seconds(KillAfterRegisterArrived)} s after its RegisterInstance arrived, before the operation succeeded; its registration becomes listed afterwards); **while running** (SIGKILL = `Process.Kill()`); **while draining** (drain delay {Verdicts.Seconds(LongDrainDelay)} s, SIGTERM, SIGKILL {Verdicts.Seconds(KillAfterSigterm)} s later; the library deregisters before it drains, so its figure is usually 0); **foreign server** (SIGKILL, then a plain TCP server binds the dead port and answers 200 `text/plain` to anything, echoing the request: a recycled address); **SIGSTOP 2 min** (then SIGCONT; it must never be removed and must be ready and discoverable (HEALTHY) again within {Verdicts.Seconds(BackAfterPause)} s); **single-instance replacement** (one instance, SIGKILL, at once a replacement with a new instance id and port starts; *ready → undiscoverable* runs from its `/health/ready` passing). *Crash → undiscoverable*: from the SIGKILL to the first poll (every {Poll.TotalMilliseconds} ms) in which neither DiscoverInstances (HealthStatus=ALL) nor the emulator's state lists the instance; awaited {Verdicts.Seconds(Deadline)} s, else "not removed (> {Verdicts.Seconds(Deadline)} s)"; an instance already gone at the SIGKILL counts 0. Each case is observed for {Verdicts.Seconds(Deadline)} s after the crash{(smoke ? " (smoke: until 3 s after the removal)" : string.Empty)}. *Wrongful removals*: a live instance (not killed, not SIGTERMed; the paused one included) that a poll stopped listing after it had been listed, summed over the cases of a repetition. *Zombies*: dead instances still listed at the end of a case, summed the same way. *Cloud Map calls per instance-hour*: the emulator's counters (GET /_emulator/calls) over the SIGKILL-while-running case, from the moment all were ready to the end of the observation, minus the scenario's own DiscoverInstances polls, divided by the instance-hours the processes ran in that window. *Probes*: requests the foreign server received from its bind until the registration was gone, per watching instance and hour (2 live instances watch it).
        """);

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        result.Method = Method(context.Smoke);
        var cases = context.Smoke ? Cases.Where(c => c.Kind == CrashKind.Running).ToList() : [.. Cases];
        RegistrationMode[] modes = context.Smoke ? [RegistrationMode.Library] : [RegistrationMode.Library, RegistrationMode.Baseline];
        DeclareMetrics(result, cases);
        using var starting = new SemaphoreSlim(3);
        for (var rep = 0; rep < context.Repeat; rep++)
        {
            context.Log($"  repetition {rep + 1}/{context.Repeat}: {cases.Count} case(s) × {modes.Length} mode(s) at once, {(context.Smoke ? "up to " + Verdicts.Seconds(Deadline) : "about " + Verdicts.Seconds(Deadline + Steady + TimeSpan.FromSeconds(20)))} s");
            var tallies = modes.ToDictionary(m => m, _ => new RepetitionTally());
            var runs = cases.SelectMany(c => modes.Select(m => new CaseRun(context, result, c, m, rep, starting, tallies[m])));
            await Task.WhenAll(runs.Select(r => r.RunAsync(cancellationToken))).ConfigureAwait(false);
            foreach (var (mode, tally) in tallies)
            {
                tally.Write(result, mode);
            }
        }
    }

    private static void DeclareMetrics(ScenarioResult result, IReadOnlyList<CrashCase> cases)
    {
        // Declared up front in a fixed order: the cases run concurrently, and metrics keep their first-use order.
        result.Metric("crash-removal-s", "Crash → undiscoverable, every SIGKILL case of several instances", "s", RemovalGoal);
        foreach (var c in cases.Where(c => c.Kind != CrashKind.Paused))
        {
            result.Metric(c.RemovalKey, c.Name, "s", c.Goal);
        }

        if (cases.Any(c => c.Kind == CrashKind.Replacement))
        {
            result.Metric("crash-replacement-ready-to-removal-s", "… replacement ready → predecessor undiscoverable", "s");
        }

        if (cases.Any(c => c.Kind == CrashKind.Paused))
        {
            result.Metric("crash-paused-not-back", "SIGSTOP 2 min, SIGCONT: not ready and discoverable again", string.Empty, "0");
        }

        result.Metric("crash-wrongful-removals", "Wrongful removals of live instances (sum over the cases)", string.Empty, "0");
        result.Metric("crash-zombies", "Zombies: dead instances still registered at the end (sum over the cases)", string.Empty, "0");
        if (cases.Any(c => c.Kind == CrashKind.Foreign))
        {
            result.Metric("crash-probes-foreign", "Probes the foreign server received, bind → removal", string.Empty);
            result.Metric("crash-probe-rate", "… probes per watching instance-hour", string.Empty);
        }

        result.Metric("crash-probes-sent", "Probes sent per instance-hour (SIGKILL while running; library log)", string.Empty);
        result.Metric("crash-cost-total", "Cloud Map calls per instance-hour (SIGKILL while running)", string.Empty);
        foreach (var operation in CostOperations)
        {
            result.Metric(CostKey(operation), "… " + operation, string.Empty);
        }

        result.Metric("crash-cost-other", "… other operations", string.Empty);
    }

    private static string CostKey(string operation) => "crash-cost-" + operation;

    /// <summary>The probes one sweep line reports: "probes: 2 alive, 0 refused, 0 foreign, 0 unknown" → 2 (0 when the line has no such part).</summary>
    internal static int ProbesInSweepLine(string line)
    {
        var start = line.IndexOf("probes: ", StringComparison.Ordinal);
        if (start < 0)
        {
            return 0;
        }

        var end = line.IndexOf(';', start);
        var total = 0;
        foreach (var part in line[(start + "probes: ".Length)..(end < 0 ? line.Length : end)].Split(',', StringSplitOptions.TrimEntries))
        {
            var space = part.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && int.TryParse(part.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                total += n;
            }
        }

        return total;
    }

    private sealed record CrashCase(CrashKind Kind, string Key, string Name, string? Goal)
    {
        public string RemovalKey => "crash-removal-" + Key + "-s";

        /// <summary>Gets a value indicating whether an instance dies in a service of several (the G7 figure).</summary>
        public bool IsSigkillOfSeveral => Kind is CrashKind.Registering or CrashKind.Running or CrashKind.Draining or CrashKind.Foreign;
    }

    /// <summary>Wrongful removals and zombies of one repetition and mode, summed over its cases; unmeasured cases are named.</summary>
    private sealed class RepetitionTally
    {
        private readonly ConcurrentQueue<string> unmeasured = new();
        private int wrongful;
        private int zombies;
        private int measured;

        public void Add(int wrongfulRemovals, int zombieCount)
        {
            Interlocked.Add(ref wrongful, wrongfulRemovals);
            Interlocked.Add(ref zombies, zombieCount);
            Interlocked.Increment(ref measured);
        }

        public void NotMeasured(string caseName) => unmeasured.Enqueue(caseName);

        public void Write(ScenarioResult result, RegistrationMode mode)
        {
            var missing = unmeasured.Order(StringComparer.Ordinal).ToList();
            foreach (var key in new[] { "crash-wrongful-removals", "crash-zombies" })
            {
                var metric = result.Find(key)!;
                if (measured > 0)
                {
                    metric.Add(mode, key == "crash-zombies" ? zombies : wrongful);
                }

                if (missing.Count > 0)
                {
                    metric.Note(mode, Format.Invariant($"not measured in: {string.Join(", ", missing)}"));
                }
            }
        }
    }

    /// <summary>One case in one mode and repetition: its own emulator, its own processes.</summary>
    private sealed class CaseRun(ScenarioContext context, ScenarioResult result, CrashCase crash, RegistrationMode mode, int rep, SemaphoreSlim starting, RepetitionTally tally)
    {
        private readonly List<SampleInstance> samples = [];
        private readonly Dictionary<SampleInstance, (long From, long? To)> lifetimes = [];
        private readonly Dictionary<SampleInstance, int> sweepsBefore = [];
        private StandaloneEmulatorLane? lane;
        private EmulatorAdmin? admin;
        private CrashWatch? watch;
        private ForeignServer? foreign;
        private SampleInstance? paused;

        private string Label => Format.Invariant($"{mode} {crash.Key} #{rep + 1}");

        public Task RunAsync(CancellationToken cancellationToken) =>
            CaseGuard.RunAsync(context, Label, RunCoreAsync, what => Fail(what), CleanUpAsync, cancellationToken);

        private async Task RunCoreAsync(CancellationToken cancellationToken)
        {
            await starting.WaitAsync(cancellationToken).ConfigureAwait(false);
            long crashedAt;
            SampleInstance victim;
            try
            {
                lane = await StandaloneEmulatorLane.StartAsync(TimeSpan.FromSeconds(30), seed: 800 + rep, cancellationToken).ConfigureAwait(false);
                admin = new EmulatorAdmin(lane.Endpoint);
                watch = new CrashWatch(TimeProvider.System, PollAsync, Poll);
                var initial = crash.Kind switch
                {
                    CrashKind.Replacement => 1,
                    CrashKind.Registering => 2,
                    _ => 3,
                };
                for (var i = 1; i <= initial; i++)
                {
                    Start(Format.Invariant($"sample-{i}"));
                }

                foreach (var sample in samples)
                {
                    if (!await WaitReadyAndDiscoverableAsync(sample, cancellationToken).ConfigureAwait(false))
                    {
                        Fail(Format.Invariant($"{sample.InstanceId} never became ready and discoverable within {Verdicts.Seconds(StartTimeout)} s"), sample);
                        return;
                    }
                }

                await admin.ResetCountersAsync(cancellationToken).ConfigureAwait(false);
                foreach (var sample in samples)
                {
                    sweepsBefore[sample] = Probes(sample);
                    lifetimes[sample] = (Clock.Now, null);
                    watch.Live(sample.InstanceId);
                }

                watch.Start();
            }
            finally
            {
                starting.Release();
            }

            if (crash.Kind != CrashKind.Registering && !context.Smoke)
            {
                await Task.Delay(Steady, cancellationToken).ConfigureAwait(false);
            }

            switch (crash.Kind)
            {
                case CrashKind.Registering:
                    {
                        await admin.SetOperationPendingAsync(RegisteringPending, cancellationToken).ConfigureAwait(false);
                        victim = Start("sample-3");
                        lifetimes[victim] = (Clock.Now, null);
                        var arrived = await Clock.WaitUntilAsync(async ct => (await admin.StoredIdsAsync(ct).ConfigureAwait(false)).Contains(victim.InstanceId), StartTimeout, TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
                        if (arrived is null)
                        {
                            Fail(Format.Invariant($"sample-3's RegisterInstance did not arrive within {Verdicts.Seconds(StartTimeout)} s"), victim);
                            return;
                        }

                        await Task.Delay(KillAfterRegisterArrived, cancellationToken).ConfigureAwait(false);
                        var listed = (await admin.DiscoverAllAsync(cancellationToken).ConfigureAwait(false)).Contains(victim.InstanceId);
                        crashedAt = Kill(victim);
                        await admin.SetOperationPendingAsync(DefaultPending, cancellationToken).ConfigureAwait(false);
                        if (listed)
                        {
                            result.AddNote(Format.Invariant($"{Label}: sample-3 was already listed when it was killed (its operation had succeeded)."));
                        }

                        break;
                    }

                case CrashKind.Draining:
                    {
                        victim = samples[1];
                        watch.Retire(victim.InstanceId);
                        victim.Process.Terminate();
                        await Task.Delay(KillAfterSigterm, cancellationToken).ConfigureAwait(false);
                        var exitedBefore = victim.Process.HasExited;
                        crashedAt = Kill(victim);

                        // Read once the output is drained: a line logged before the SIGKILL may still have been in the pipe.
                        await victim.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                        var lines = victim.Process.Lines;
                        var draining = lines.Any(l => l.Contains(DrainingEvent, StringComparison.Ordinal)) && !lines.Any(l => l.Contains(DrainCompletedEvent, StringComparison.Ordinal));
                        result.AddNote(Format.Invariant($"{Label}: at the SIGKILL the process {(exitedBefore ? "had already exited" : draining ? "was draining (event 1048 logged, 1049 not)" : mode == RegistrationMode.Baseline ? "had not exited yet (the baseline has no drain)" : "was not draining yet")}."));
                        break;
                    }

                case CrashKind.Paused:
                    victim = samples[1];
                    ProcessSignals.Stop(victim.Process.Id);
                    paused = victim;
                    crashedAt = Clock.Now;
                    break;

                default:
                    victim = crash.Kind == CrashKind.Replacement ? samples[0] : samples[1];
                    crashedAt = Kill(victim);
                    break;
            }

            var outcome = crash.Kind switch
            {
                CrashKind.Paused => await PausedAsync(victim, crashedAt, cancellationToken).ConfigureAwait(false),
                CrashKind.Foreign => await ForeignAsync(victim, crashedAt, cancellationToken).ConfigureAwait(false),
                CrashKind.Replacement => await ReplacementAsync(victim, crashedAt, cancellationToken).ConfigureAwait(false),
                _ => await RemovalAsync(victim, crashedAt, cancellationToken).ConfigureAwait(false),
            };
            if (!outcome)
            {
                return;
            }

            await watch.StopAsync(cancellationToken).ConfigureAwait(false);
            var end = Clock.Now;
            var zombies = watch.Zombies();
            tally.Add(watch.WrongfulRemovals, zombies.Count);
            foreach (var line in watch.WrongfulDetails)
            {
                result.AddNote(Format.Invariant($"{Label}: wrongful removal: {line}."));
            }

            if (watch.FailedPolls > 0)
            {
                result.AddNote(Format.Invariant($"{Label}: {watch.FailedPolls} of {watch.Polls + watch.FailedPolls} polls failed (skipped)."));
            }

            if (crash.Kind == CrashKind.Running)
            {
                await RecordCostAsync(end, cancellationToken).ConfigureAwait(false);
            }

            context.Log(Format.Invariant($"  {Label}: removal {Describe(watch.RemovedAfter(victim.InstanceId))}, wrongful {watch.WrongfulRemovals}, zombies {zombies.Count}"));
        }

        /// <summary>Waits for the dead registration to go, records the time, then observes to the end of the window.</summary>
        private async Task<bool> RemovalAsync(SampleInstance victim, long crashedAt, CancellationToken cancellationToken)
        {
            var removed = await watch!.WaitForRemovalAsync(victim.InstanceId, Deadline, cancellationToken).ConfigureAwait(false);
            RecordRemoval(crash.RemovalKey, removed);
            await ObserveToEndAsync(crashedAt, removed, cancellationToken).ConfigureAwait(false);
            return true;
        }

        private async Task<bool> ForeignAsync(SampleInstance victim, long crashedAt, CancellationToken cancellationToken)
        {
            await victim.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            foreign = await ForeignServer.StartAsync(victim.Port, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            var bound = Clock.Now;
            var removed = await watch!.WaitForRemovalAsync(victim.InstanceId, Deadline, cancellationToken).ConfigureAwait(false);
            var removedAt = Clock.Now;
            RecordRemoval(crash.RemovalKey, removed);
            var probes = foreign.CountBetween(bound, removedAt);
            result.Find("crash-probes-foreign")!.Add(mode, probes);
            var watchers = samples.Count(s => !s.Process.HasExited);
            var hours = Clock.MillisecondsBetween(bound, removedAt) / 3_600_000;
            if (watchers > 0 && hours > 0)
            {
                result.Find("crash-probe-rate")!.Add(mode, probes / (watchers * hours));
            }

            await ObserveToEndAsync(crashedAt, removed, cancellationToken).ConfigureAwait(false);
            var after = foreign.CountBetween(removedAt, Clock.Now);
            result.AddNote(Format.Invariant($"{Label}: the foreign server got {foreign.RequestCount} request(s) ({string.Join(", ", foreign.Paths().Take(3))}); {after} after the registration was gone{(removed is null ? " (it never was)" : string.Empty)}."));
            return true;
        }

        private async Task<bool> PausedAsync(SampleInstance victim, long crashedAt, CancellationToken cancellationToken)
        {
            await Task.Delay(Pause, cancellationToken).ConfigureAwait(false);
            ProcessSignals.Continue(victim.Process.Id);
            paused = null;
            var continued = Clock.Now;
            var back = await Clock.WaitUntilAsync(
                async ct => await victim.IsReadyAsync(ct).ConfigureAwait(false) && (await lane!.DiscoverIdsAsync(ct).ConfigureAwait(false)).Contains(victim.InstanceId),
                BackAfterPause,
                TimeSpan.FromMilliseconds(250),
                cancellationToken).ConfigureAwait(false);
            result.Find("crash-paused-not-back")!.Add(mode, back is null ? 1 : 0);
            if (back is { } at)
            {
                result.AddNote(Format.Invariant($"{Label}: ready and discoverable again {Clock.MillisecondsBetween(continued, at) / 1000:F1} s after SIGCONT."));
            }

            await ObserveToEndAsync(crashedAt, null, cancellationToken).ConfigureAwait(false);
            return true;
        }

        private async Task<bool> ReplacementAsync(SampleInstance victim, long crashedAt, CancellationToken cancellationToken)
        {
            var replacement = Start("sample-2");
            lifetimes[replacement] = (Clock.Now, null);
            watch!.Live(replacement.InstanceId);
            var ready = await Clock.WaitUntilAsync(replacement.IsReadyAsync, StartTimeout, TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            if (ready is null)
            {
                Fail(Format.Invariant($"the replacement never became ready within {Verdicts.Seconds(StartTimeout)} s"), replacement);
                return false;
            }

            var removed = await watch.WaitForRemovalAsync(victim.InstanceId, Deadline, cancellationToken).ConfigureAwait(false);
            RecordRemoval(crash.RemovalKey, removed);
            var readyToRemoval = result.Find("crash-replacement-ready-to-removal-s")!;
            if (removed is { } after)
            {
                readyToRemoval.Add(mode, Math.Max(0, (after.TotalMilliseconds - Clock.MillisecondsBetween(crashedAt, ready.Value)) / 1000));
            }
            else
            {
                readyToRemoval.Note(mode, Format.Invariant($"not removed (> {Verdicts.Seconds(Deadline)} s after the crash)"));
            }

            await ObserveToEndAsync(crashedAt, removed, cancellationToken).ConfigureAwait(false);
            return true;
        }

        /// <summary>The full run observes every case for the whole window (cost and wrongful removals); the smoke stops soon after the removal.</summary>
        private async Task ObserveToEndAsync(long crashedAt, TimeSpan? removed, CancellationToken cancellationToken)
        {
            var end = context.Smoke && removed is { } r ? r + SettleAfterRemoval : Deadline;
            var left = end - TimeSpan.FromMilliseconds(Clock.MillisecondsSince(crashedAt));
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left, cancellationToken).ConfigureAwait(false);
            }
        }

        private void RecordRemoval(string key, TimeSpan? removed)
        {
            foreach (var metric in crash.IsSigkillOfSeveral ? new[] { result.Find(key)!, result.Find("crash-removal-s")! } : [result.Find(key)!])
            {
                if (removed is { } after)
                {
                    metric.Add(mode, after.TotalSeconds);
                }
                else
                {
                    metric.Note(mode, Format.Invariant($"not removed (> {Verdicts.Seconds(Deadline)} s)"));
                }
            }
        }

        private async Task RecordCostAsync(long end, CancellationToken cancellationToken)
        {
            var calls = await admin!.CallsByOperationAsync(cancellationToken).ConfigureAwait(false);
            if (calls.TryGetValue("DiscoverInstances", out var discovers))
            {
                calls["DiscoverInstances"] = Math.Max(0, discovers - admin.DiscoverCalls);
            }

            var instanceHours = lifetimes.Values.Sum(l => Clock.MillisecondsBetween(l.From, l.To ?? end)) / 3_600_000;
            if (instanceHours <= 0)
            {
                return;
            }

            result.Find("crash-cost-total")!.Add(mode, calls.Values.Sum() / instanceHours);
            foreach (var operation in CostOperations)
            {
                result.Find(CostKey(operation))!.Add(mode, calls.GetValueOrDefault(operation) / instanceHours);
            }

            if (mode == RegistrationMode.Library)
            {
                // What the library says it probed (event 1114, one line per sweep), over the same window.
                var probes = samples.Sum(sample => Probes(sample) - sweepsBefore.GetValueOrDefault(sample));
                result.Find("crash-probes-sent")!.Add(mode, probes / instanceHours);
            }

            var others = calls.Where(c => !CostOperations.Contains(c.Key)).ToList();
            result.Find("crash-cost-other")!.Add(mode, others.Sum(c => c.Value) / instanceHours);
            result.AddNote(Format.Invariant($"{Label}: Cloud Map calls over {instanceHours * 3600:F0} instance-seconds: {string.Join(", ", calls.Where(c => c.Value > 0).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"))} (the scenario's own {admin.DiscoverCalls} DiscoverInstances polls taken out)."));
        }

        /// <summary>The probes a sample's sweeps reported so far (sum over its event 1114 lines).</summary>
        private static int Probes(SampleInstance sample) =>
            sample.Process.Lines.Where(l => l.Contains(SweepEvent, StringComparison.Ordinal)).Sum(ProbesInSweepLine);

        private SampleInstance Start(string instanceId)
        {
            var settings = new SampleSettings(1, crash.Kind == CrashKind.Draining ? LongDrainDelay : DrainDelay)
            {
                // The sample listens on 127.0.0.1 only; peers probe the registered address. The sweep's Debug line
                // (event 1114) counts the probes this instance sent.
                Extra = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["CloudMap__Address"] = "127.0.0.1",
                    [SweepCategory] = "Debug",
                },
            };
            var sample = SampleInstance.Start(mode, instanceId, lane!.Endpoint, settings);
            samples.Add(sample);
            return sample;
        }

        private long Kill(SampleInstance victim)
        {
            watch!.Dead(victim.InstanceId);
            var at = Clock.Now;
            if (!victim.Process.HasExited)
            {
                ProcessSignals.Kill(victim.Process.Id);
            }

            if (lifetimes.TryGetValue(victim, out var life))
            {
                lifetimes[victim] = (life.From, at);
            }

            return at;
        }

        private async Task<IReadOnlySet<string>?> PollAsync(CancellationToken cancellationToken)
        {
            var listed = admin!.DiscoverAllAsync(cancellationToken);
            var stored = admin.StoredIdsAsync(cancellationToken);
            var ids = await listed.ConfigureAwait(false);
            ids.UnionWith(await stored.ConfigureAwait(false));
            return ids;
        }

        private async Task<bool> WaitReadyAndDiscoverableAsync(SampleInstance sample, CancellationToken cancellationToken) =>
            await Clock.WaitUntilAsync(
                async ct => await sample.IsReadyAsync(ct).ConfigureAwait(false) && (await lane!.DiscoverIdsAsync(ct).ConfigureAwait(false)).Contains(sample.InstanceId),
                StartTimeout,
                TimeSpan.FromMilliseconds(100),
                cancellationToken).ConfigureAwait(false) is not null;

        private void Fail(string what, SampleInstance? sample = null)
        {
            result.Fail(mode, Format.Invariant($"{crash.Key} #{rep + 1}: {what}"));
            tally.NotMeasured(crash.Key);
            context.Log($"  {Label}: {what}{(sample is null ? string.Empty : $" (exit code {sample.Process.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}); output:\n{sample.Process.Output}")}");
        }

        private async Task CleanUpAsync()
        {
            if (watch is not null)
            {
                await watch.DisposeAsync().ConfigureAwait(false);
            }

            if (paused is { Process.HasExited: false })
            {
                // A case cut short while its instance was paused: a stopped process cannot take SIGTERM.
                ProcessSignals.Continue(paused.Process.Id);
            }

            await Task.WhenAll(samples.Where(s => !s.Process.HasExited).Select(s => s.Process.StopAsync(TimeSpan.FromSeconds(20)))).ConfigureAwait(false);
            foreach (var sample in samples)
            {
                await sample.DisposeAsync().ConfigureAwait(false);
            }

            if (foreign is not null)
            {
                await foreign.DisposeAsync().ConfigureAwait(false);
            }

            if (admin is not null)
            {
                await admin.DisposeAsync().ConfigureAwait(false);
            }

            if (lane is not null)
            {
                await lane.DisposeAsync().ConfigureAwait(false);
            }
        }

        private static string Describe(TimeSpan? removed) => removed is { } r ? Format.Invariant($"{r.TotalSeconds:F1} s") : "none";
    }
}
