// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using CloudMap.Lifecycle.Platform;

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>
/// Scenario 11: platform evidence. Real sample processes run as ECS tasks or EC2 instances the standalone emulator
/// plays (their identity read from its task metadata v4 / IMDSv2 endpoints, ECS and EC2 asked at the emulator), and
/// die without their shutdown hook: a single EC2 instance replaced by a new one, an ECS task that ECS reports STOPPED,
/// an instance whose address went to another running instance with a foreign server on the port. Measures how long
/// the dead registration stays, wrongful removals, zombies, and the platform and Cloud Map calls, with platform
/// evidence, with probes only (<c>Platform:Evidence=false</c>) and with cleanup off (the baseline column).
/// </summary>
internal sealed class PlatformScenario : IScenario
{
    private const string RemovalGoal = "≤ 90";
    private const string Cluster = "scenarios";
    private const string EcsService = "web";
    private static readonly string[] PlatformOperations = ["DescribeTasks", "DescribeInstances"];
    private const int MaxStartAttempts = 3;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan TaskStop = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan InstanceShutdown = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan SettleAfterRemoval = TimeSpan.FromSeconds(3);

    private static readonly IReadOnlyList<PlatformCase> Cases =
    [
        new(CaseKind.Ec2Replacement, "ec2-replacement", "Single EC2 instance: SIGKILL, EC2 terminates it, a replacement with a new instance id starts → predecessor undiscoverable"),
        new(CaseKind.EcsStopped, "ecs-stopped", "ECS task (of 3): SIGKILL without the shutdown hook, ECS reports it STOPPED → undiscoverable"),
        new(CaseKind.RecycledIp, "recycled-ip", "EC2 instance (of 3): SIGKILL, its IP moved to another running instance, a foreign server answers on the port → undiscoverable"),
    ];

    private enum CaseKind
    {
        Ec2Replacement,
        EcsStopped,
        RecycledIp,
    }

    /// <summary>How the library is configured in a run: the baseline column is <see cref="Off"/>.</summary>
    private enum Variant
    {
        Platform,
        ProbesOnly,
        Off,
    }

    public int Number => 11;

    public string Title => "Platform evidence";

    /// <summary>The sizes of a run: the full run keeps the library's defaults, the smoke shortens what only waits.</summary>
    internal static PlatformSize SizeFor(bool smoke) => smoke
        ? new PlatformSize(HealthDelay: TimeSpan.FromSeconds(5), Steady: TimeSpan.FromSeconds(8), Window: TimeSpan.FromSeconds(75), StartupGrace: TimeSpan.FromSeconds(5), ProbeInterval: TimeSpan.FromSeconds(5))
        : new PlatformSize(HealthDelay: TimeSpan.FromSeconds(30), Steady: TimeSpan.FromSeconds(35), Window: TimeSpan.FromSeconds(120), StartupGrace: null, ProbeInterval: null);

    /// <summary>How the figures are obtained, for the report.</summary>
    public static string Method(bool smoke)
    {
        var size = SizeFor(smoke);
        return Format.Invariant($"""
            {(smoke ? Format.Invariant($"Smoke: only the ECS case, platform evidence only, Cloud Map's health-change delay {Verdicts.Seconds(size.HealthDelay)} s, `CloudMap:Cleanup:StartupGrace` {Verdicts.Seconds(size.StartupGrace!.Value)} s and `ProbeInterval` {Verdicts.Seconds(size.ProbeInterval!.Value)} s, observed until {Verdicts.Seconds(SettleAfterRemoval)} s after the removal. ") : string.Empty)}Real sample processes (library mode, warm-up 1 s, drain 2 s), each case in each variant with its own standalone emulator process (Cloud Map's {Verdicts.Seconds(size.HealthDelay)} s health-change delay). Every sample runs as an ECS task or EC2 instance the emulator plays: it reads its identity from the emulator's metadata (`ECS_CONTAINER_METADATA_URI_V4` = `/_emulator/metadata/ecs/<task-id>`, or `AWS_EC2_METADATA_SERVICE_ENDPOINT` = `/_emulator/metadata/ec2/<instance-id>/`, IMDSv2), registers with instance id = task id or EC2 instance id, the address from the metadata (its own 127.0.0.x, where it listens) and the attributes `ECS_TASK_ARN`, `ECS_CLUSTER_NAME` or `EC2_INSTANCE_ID`, `AVAILABILITY_ZONE`, `REGION` (checked before the crash), and asks ECS/EC2 at the emulator (`AWS_ENDPOINT_URL_ECS`, `AWS_ENDPOINT_URL_EC2`). Variants, run at the same time: **platform evidence** (cleanup at its defaults{(smoke ? " but the two above" : ": probe every 10 s, 3 watched peers, 2 platform answers in a row, startup grace 30 s")}; the Library column), **probes only** (`CloudMap:Platform:Evidence=false`: scenario 8's evidence; the rows marked so), **cleanup off** (`CloudMap:Cleanup:Enabled=false`; the baseline column). Within a case the samples start one at a time, each once the previous one's registration arrived, and the scenario asks each task's or instance's metadata once before its sample starts (the emulator's first answers are not the sample's 3 s metadata budget); a sample that still registered without its platform identity (its metadata read timed out on the loaded machine) is stopped gracefully and started again, up to {MaxStartAttempts} attempts, and the report says so. At most 2 cases start at once. The crash (`Process.Kill()`, SIGKILL) comes {Verdicts.Seconds(size.Steady)} s after every instance was ready and discoverable. Cases: **single EC2 instance** (one instance; at the SIGKILL EC2 terminates it: `shutting-down` {Verdicts.Seconds(InstanceShutdown)} s, then `terminated`; a replacement instance with a new id and address is launched and its sample started at once; *replacement ready → undiscoverable* runs from its `/health/ready` passing); **ECS task of 3** (at the SIGKILL ECS stops the task, stop code `EssentialContainerExited`: DEACTIVATING, STOPPING, DEPROVISIONING, then STOPPED after {Verdicts.Seconds(TaskStop)} s); **recycled IP** (3 instances; at the SIGKILL another instance is launched and the dead instance's address is moved to it (`move-ip`: the dead instance stays `running` in EC2 with a new address), and a plain TCP server binds the dead address and port and answers 200 to anything). *Crash → undiscoverable*: from the SIGKILL to the first poll (every {Poll.TotalMilliseconds} ms) in which neither DiscoverInstances (HealthStatus=ALL) nor the emulator's state lists the instance; awaited {Verdicts.Seconds(size.Window)} s, else "not removed". *Wrongful removals*: a live instance (the replacement included) that a poll stopped listing after it had been listed, summed over the cases. *Zombies*: dead instances still listed at the end, summed. *Platform calls* (DescribeTasks + DescribeInstances) and *Cloud Map calls* (every other operation, the scenario's own DiscoverInstances polls taken out): the emulator's counters (GET /_emulator/calls, reset at the SIGKILL) from the SIGKILL to the end of the observation ({(smoke ? "the removal + " + Verdicts.Seconds(SettleAfterRemoval) + " s" : Verdicts.Seconds(size.Window) + " s after the SIGKILL")}), whole case (all instances).
            """);
    }

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        result.Method = Method(context.Smoke);
        var cases = context.Smoke ? Cases.Where(c => c.Kind == CaseKind.EcsStopped).ToList() : [.. Cases];
        Variant[] variants = context.Smoke ? [Variant.Platform] : [Variant.Platform, Variant.ProbesOnly, Variant.Off];
        DeclareMetrics(result, cases, variants);
        using var starting = new SemaphoreSlim(2);
        for (var rep = 0; rep < context.Repeat; rep++)
        {
            context.Log(Format.Invariant($"  repetition {rep + 1}/{context.Repeat}: {cases.Count} case(s) × {variants.Length} variant(s) at once"));
            var tallies = variants.ToDictionary(v => v, _ => new Tally());
            var runs = cases.SelectMany(c => variants.Select(v => new CaseRun(context, result, c, v, rep, SizeFor(context.Smoke), starting, tallies[v])));
            await Task.WhenAll(runs.Select(r => r.RunAsync(cancellationToken))).ConfigureAwait(false);
            foreach (var (variant, tally) in tallies)
            {
                tally.Write(result, variant);
            }
        }
    }

    private static void DeclareMetrics(ScenarioResult result, IReadOnlyList<PlatformCase> cases, Variant[] variants)
    {
        // Declared up front in a fixed order: the runs are concurrent, and metrics keep their first-use order.
        var probesOnly = variants.Contains(Variant.ProbesOnly);
        foreach (var c in cases)
        {
            result.Metric(RemovalKey(c), c.Name, "s", RemovalGoal);
            if (probesOnly)
            {
                result.Metric(ProbesOnlyKey(RemovalKey(c)), "… probes only (Platform:Evidence=false)", "s", RemovalGoal);
            }

            if (c.Kind == CaseKind.Ec2Replacement)
            {
                result.Metric("platform-replacement-ready-to-removal-s", "… replacement ready → predecessor undiscoverable", "s");
                if (probesOnly)
                {
                    result.Metric(ProbesOnlyKey("platform-replacement-ready-to-removal-s"), "… replacement ready → predecessor undiscoverable, probes only", "s");
                }
            }

            result.Metric(PlatformCallsKey(c), "… platform calls (DescribeTasks + DescribeInstances), crash → end", string.Empty);
            result.Metric(CloudMapCallsKey(c), "… Cloud Map calls, crash → end", string.Empty);
            if (probesOnly)
            {
                result.Metric(ProbesOnlyKey(CloudMapCallsKey(c)), "… Cloud Map calls, probes only", string.Empty);
            }
        }

        result.Metric("platform-wrongful-removals", "Wrongful removals of live instances (sum over the cases)", string.Empty, "0");
        if (probesOnly)
        {
            result.Metric(ProbesOnlyKey("platform-wrongful-removals"), "… probes only", string.Empty, "0");
        }

        result.Metric("platform-zombies", "Zombies: dead instances still registered at the end (sum over the cases)", string.Empty, "0");
        if (probesOnly)
        {
            result.Metric(ProbesOnlyKey("platform-zombies"), "… probes only", string.Empty, "0");
        }
    }

    private static string RemovalKey(PlatformCase c) => "platform-removal-" + c.Key + "-s";

    private static string PlatformCallsKey(PlatformCase c) => "platform-calls-" + c.Key;

    private static string CloudMapCallsKey(PlatformCase c) => "platform-cloudmap-calls-" + c.Key;

    private static string ProbesOnlyKey(string key) => key + "-probes-only";

    /// <summary>The metric a variant's figure goes to, and its column: probes-only figures have rows of their own.</summary>
    private static (Metric? Metric, RegistrationMode Mode) Target(ScenarioResult result, string key, Variant variant) => variant switch
    {
        Variant.ProbesOnly => (result.Find(ProbesOnlyKey(key)), RegistrationMode.Library),
        Variant.Off => (result.Find(key), RegistrationMode.Baseline),
        _ => (result.Find(key), RegistrationMode.Library),
    };

    private static string Describe(Variant variant) => variant switch
    {
        Variant.Platform => "platform",
        Variant.ProbesOnly => "probes-only",
        _ => "cleanup-off",
    };

    /// <summary>The sizes of a run (see <see cref="SizeFor"/>); null cleanup settings keep the library's defaults.</summary>
    internal sealed record PlatformSize(TimeSpan HealthDelay, TimeSpan Steady, TimeSpan Window, TimeSpan? StartupGrace, TimeSpan? ProbeInterval);

    private sealed record PlatformCase(CaseKind Kind, string Key, string Name);

    /// <summary>One sample process and the task or instance it runs as (its Cloud Map instance id is the platform id).</summary>
    private sealed record Member(string PlatformId, string Address, SampleInstance Sample);

    /// <summary>Wrongful removals and zombies of one repetition and variant, summed over its cases; unmeasured cases are named.</summary>
    private sealed class Tally
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

        public void NotMeasured(string caseKey) => unmeasured.Enqueue(caseKey);

        public void Write(ScenarioResult result, Variant variant)
        {
            var missing = unmeasured.Order(StringComparer.Ordinal).ToList();
            foreach (var (key, value) in new[] { ("platform-wrongful-removals", wrongful), ("platform-zombies", zombies) })
            {
                var (metric, mode) = Target(result, key, variant);
                if (metric is null)
                {
                    continue;
                }

                if (measured > 0)
                {
                    metric.Add(mode, value);
                }

                if (missing.Count > 0)
                {
                    metric.Note(mode, Format.Invariant($"not measured in: {string.Join(", ", missing)}"));
                }
            }
        }
    }

    /// <summary>One case in one variant and repetition: its own emulator, its own processes.</summary>
    private sealed class CaseRun(ScenarioContext context, ScenarioResult result, PlatformCase platformCase, Variant variant, int rep, PlatformSize size, SemaphoreSlim starting, Tally tally)
    {
        private readonly List<Member> members = [];
        private StandaloneEmulatorLane? lane;
        private EmulatorAdmin? admin;
        private EmulatedPlatform? platform;
        private CrashWatch? watch;
        private ForeignServer? foreign;
        private int nextAddress = 10;
        private Task<long?>? replacementReady;

        private string Label => Format.Invariant($"{Describe(variant)} {platformCase.Key} #{rep + 1}");

        private bool OnEcs => platformCase.Kind == CaseKind.EcsStopped;

        public Task RunAsync(CancellationToken cancellationToken) =>
            CaseGuard.RunAsync(context, Label, RunCoreAsync, what => Fail(what), CleanUpAsync, cancellationToken);

        private async Task RunCoreAsync(CancellationToken cancellationToken)
        {
            await starting.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                lane = await StandaloneEmulatorLane.StartAsync(size.HealthDelay, seed: 1100 + rep, cancellationToken).ConfigureAwait(false);
                admin = new EmulatorAdmin(lane.Endpoint);
                platform = new EmulatedPlatform(lane.Endpoint);
                watch = new CrashWatch(TimeProvider.System, PollAsync, Poll);
                var initial = platformCase.Kind == CaseKind.Ec2Replacement ? 1 : 3;
                for (var i = 0; i < initial; i++)
                {
                    // One at a time, each once its registration arrived: on a loaded machine several processes starting
                    // at once can blow the library's 3 s metadata budget, and the registration then names no platform.
                    var started = await StartMemberAsync(cancellationToken).ConfigureAwait(false);
                    if (i < initial - 1 && await Clock.WaitUntilAsync(async ct => (await admin.StoredIdsAsync(ct).ConfigureAwait(false)).Contains(started.PlatformId), StartTimeout, TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false) is null)
                    {
                        Fail(Format.Invariant($"{started.PlatformId} did not register within {Verdicts.Seconds(StartTimeout)} s"), started.Sample);
                        return;
                    }
                }

                for (var m = 0; m < members.Count; m++)
                {
                    for (var attempt = 1; ; attempt++)
                    {
                        var member = members[m];
                        if (!await WaitReadyAndDiscoverableAsync(member.Sample, cancellationToken).ConfigureAwait(false))
                        {
                            Fail(Format.Invariant($"{member.PlatformId} never became ready and discoverable within {Verdicts.Seconds(StartTimeout)} s"), member.Sample);
                            return;
                        }

                        if (await CarriesPlatformIdentityAsync(member, lastAttempt: attempt == MaxStartAttempts, cancellationToken).ConfigureAwait(false))
                        {
                            break;
                        }

                        if (attempt == MaxStartAttempts)
                        {
                            return;
                        }

                        // The metadata read timed out (the machine is loaded): stop it gracefully (it deregisters) and start it again.
                        result.AddNote(Format.Invariant($"{Label}: {member.PlatformId} registered without its platform identity (metadata read timed out); restarted (attempt {attempt + 1})."));
                        await member.Sample.Process.StopAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
                        await member.Sample.DisposeAsync().ConfigureAwait(false);
                        members[m] = StartSample(member.PlatformId, member.Address);
                    }

                    watch.Live(members[m].PlatformId);
                }

                watch.Start();
            }
            finally
            {
                starting.Release();
            }

            await Task.Delay(size.Steady, cancellationToken).ConfigureAwait(false);
            var victim = platformCase.Kind == CaseKind.Ec2Replacement ? members[0] : members[1];
            await admin.ResetCountersAsync(cancellationToken).ConfigureAwait(false);
            watch.Dead(victim.PlatformId);
            var crashedAt = Clock.Now;
            ProcessSignals.Kill(victim.Sample.Process.Id);
            await PlatformReactsAsync(victim, cancellationToken).ConfigureAwait(false);

            var removed = await watch.WaitForRemovalAsync(victim.PlatformId, size.Window, cancellationToken).ConfigureAwait(false);
            var (removal, mode) = Target(result, RemovalKey(platformCase), variant);
            if (removed is { } after)
            {
                removal!.Add(mode, after.TotalSeconds);
            }
            else
            {
                removal!.Note(mode, Format.Invariant($"not removed (> {Verdicts.Seconds(size.Window)} s)"));
            }

            if (replacementReady is not null)
            {
                var (readyToRemoval, readyMode) = Target(result, "platform-replacement-ready-to-removal-s", variant);
                if (await replacementReady.ConfigureAwait(false) is { } ready && removed is { } gone && readyToRemoval is not null)
                {
                    readyToRemoval.Add(readyMode, Math.Max(0, (gone.TotalMilliseconds - Clock.MillisecondsBetween(crashedAt, ready)) / 1000));
                }
            }

            var end = context.Smoke && removed is { } r ? r + SettleAfterRemoval : size.Window;
            var left = end - TimeSpan.FromMilliseconds(Clock.MillisecondsSince(crashedAt));
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left, cancellationToken).ConfigureAwait(false);
            }

            await watch.StopAsync(cancellationToken).ConfigureAwait(false);
            await RecordCallsAsync(cancellationToken).ConfigureAwait(false);
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

            if (foreign is not null)
            {
                result.AddNote(Format.Invariant($"{Label}: the foreign server on the recycled address got {foreign.RequestCount} request(s) ({string.Join(", ", foreign.Paths().Take(2))})."));
            }

            context.Log(Format.Invariant($"  {Label}: removal {(removed is { } s ? s.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s" : "none")}, wrongful {watch.WrongfulRemovals}, zombies {zombies.Count}"));
        }

        /// <summary>What the platform does once the process died (see the method text of each case).</summary>
        private async Task PlatformReactsAsync(Member victim, CancellationToken cancellationToken)
        {
            switch (platformCase.Kind)
            {
                case CaseKind.Ec2Replacement:
                    await platform!.TerminateInstanceAsync(victim.PlatformId, InstanceShutdown, cancellationToken).ConfigureAwait(false);
                    var replacement = await StartMemberAsync(cancellationToken).ConfigureAwait(false);
                    watch!.Live(replacement.PlatformId);
                    replacementReady = Clock.WaitUntilAsync(replacement.Sample.IsReadyAsync, StartTimeout, TimeSpan.FromMilliseconds(100), cancellationToken);
                    break;

                case CaseKind.EcsStopped:
                    await platform!.StopTaskAsync(victim.PlatformId, "EssentialContainerExited", TaskStop, cancellationToken).ConfigureAwait(false);
                    break;

                default:
                    var other = await platform!.LaunchInstanceAsync(null, cancellationToken).ConfigureAwait(false);
                    await platform.MoveIpAsync(victim.Address, other, cancellationToken).ConfigureAwait(false);
                    await victim.Sample.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                    foreign = await ForeignServer.StartAsync(victim.Sample.Port, TimeSpan.FromSeconds(10), cancellationToken, IPAddress.Parse(victim.Address)).ConfigureAwait(false);
                    break;
            }
        }

        /// <summary>Creates the next task or instance (its own 127.0.0.x) and starts a sample that runs as it.</summary>
        private async Task<Member> StartMemberAsync(CancellationToken cancellationToken)
        {
            var address = Format.Invariant($"127.0.0.{nextAddress++}");
            var id = OnEcs
                ? await platform!.StartTaskAsync(Cluster, EcsService, address, cancellationToken).ConfigureAwait(false)
                : await platform!.LaunchInstanceAsync(address, cancellationToken).ConfigureAwait(false);
            await platform.WarmUpMetadataAsync(OnEcs, id, cancellationToken).ConfigureAwait(false);
            var member = StartSample(id, address);
            members.Add(member);
            return member;
        }

        /// <summary>Starts a sample that runs as task or instance <paramref name="id"/>, listening on <paramref name="address"/>.</summary>
        private Member StartSample(string id, string address)
        {
            var environment = OnEcs ? platform!.TaskEnvironment(id) : platform!.InstanceEnvironment(id);
            environment["Logging__LogLevel__CloudMap.Lifecycle.Identity"] = "Debug";
            switch (variant)
            {
                case Variant.ProbesOnly:
                    environment["CloudMap__Platform__Evidence"] = "false";
                    break;
                case Variant.Off:
                    environment["CloudMap__Cleanup__Enabled"] = "false";
                    break;
            }

            if (size.StartupGrace is { } grace)
            {
                environment["CloudMap__Cleanup__StartupGrace"] = grace.ToString("c", CultureInfo.InvariantCulture);
            }

            if (size.ProbeInterval is { } interval)
            {
                environment["CloudMap__Cleanup__ProbeInterval"] = interval.ToString("c", CultureInfo.InvariantCulture);
            }

            // No CloudMap:Address: the address comes from the platform's metadata, as on ECS (awsvpc) or EC2.
            var settings = new SampleSettings(1, DrainDelay) { Extra = environment, ListenAddress = address };
            return new Member(id, address, SampleInstance.Start(RegistrationMode.Library, id, lane!.Endpoint, settings));
        }

        /// <summary>Checks that the registration names its task or instance (else the case would measure nothing about the platform).</summary>
        private async Task<bool> CarriesPlatformIdentityAsync(Member member, bool lastAttempt, CancellationToken cancellationToken)
        {
            var attributes = await platform!.AttributesAsync(member.PlatformId, cancellationToken).ConfigureAwait(false);
            var key = OnEcs ? PlatformIdentity.EcsTaskArnKey : PlatformIdentity.Ec2InstanceIdKey;
            var carried = attributes is not null && attributes.TryGetValue(key, out var value) && value.EndsWith(member.PlatformId, StringComparison.Ordinal)
                && attributes.TryGetValue("AWS_INSTANCE_IPV4", out var ip) && ip == member.Address;
            if (!carried && lastAttempt)
            {
                context.Log(Format.Invariant($"  {Label}: {member.PlatformId} registered with: {(attributes is null ? "no registration" : string.Join(", ", attributes.Where(a => a.Key != "CLOUDMAP_LIFECYCLE_PROOF").Select(a => a.Key + "=" + a.Value)))}"));
                Fail(Format.Invariant($"{member.PlatformId} registered without its platform identity ({key} and address {member.Address}; the metadata answer is bounded by 3 s)"), member.Sample);
            }

            return carried;
        }

        private async Task RecordCallsAsync(CancellationToken cancellationToken)
        {
            var calls = await admin!.CallsByOperationAsync(cancellationToken).ConfigureAwait(false);
            var platformCalls = PlatformOperations.Sum(calls.GetValueOrDefault);
            var cloudMapCalls = calls.Where(c => !PlatformOperations.Contains(c.Key)).Sum(c => c.Value) - admin.DiscoverCalls;
            if (variant == Variant.ProbesOnly)
            {
                if (platformCalls > 0)
                {
                    result.AddNote(Format.Invariant($"{Label}: {platformCalls} platform call(s) with Platform:Evidence=false."));
                }
            }
            else
            {
                var (metric, mode) = Target(result, PlatformCallsKey(platformCase), variant);
                metric!.Add(mode, platformCalls);
            }

            var (cloudMap, cloudMapMode) = Target(result, CloudMapCallsKey(platformCase), variant);
            cloudMap!.Add(cloudMapMode, Math.Max(0, cloudMapCalls));
            result.AddNote(Format.Invariant($"{Label}: calls crash → end: {string.Join(", ", calls.Where(c => c.Value > 0).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"))} (the scenario's own {admin.DiscoverCalls} DiscoverInstances polls to be taken out)."));
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
            var mode = variant == Variant.Off ? RegistrationMode.Baseline : RegistrationMode.Library;
            result.Fail(mode, Format.Invariant($"{Describe(variant)} {platformCase.Key} #{rep + 1}: {what}"));
            tally.NotMeasured(platformCase.Key);
            context.Log($"  {Label}: {what}{(sample is null ? string.Empty : $" (exit code {sample.Process.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}); output:\n{sample.Process.Output}")}");
        }

        private async Task CleanUpAsync()
        {
            if (watch is not null)
            {
                await watch.DisposeAsync().ConfigureAwait(false);
            }

            await Task.WhenAll(members.Where(m => !m.Sample.Process.HasExited).Select(m => m.Sample.Process.StopAsync(TimeSpan.FromSeconds(20)))).ConfigureAwait(false);
            foreach (var member in members)
            {
                await member.Sample.DisposeAsync().ConfigureAwait(false);
            }

            if (foreign is not null)
            {
                await foreign.DisposeAsync().ConfigureAwait(false);
            }

            platform?.Dispose();
            if (admin is not null)
            {
                await admin.DisposeAsync().ConfigureAwait(false);
            }

            if (lane is not null)
            {
                await lane.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
