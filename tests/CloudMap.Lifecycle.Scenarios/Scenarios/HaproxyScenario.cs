// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.


namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>
/// Scenario 9: HAProxy over Cloud Map DNS. Three sample processes register into a private DNS namespace whose service
/// has SRV and A records; Debian's <c>haproxy</c> balances over the SRV name (<c>resolvers</c>, <c>server-template</c>),
/// asking the emulator's DNS port directly or through Debian's <c>unbound</c> (a caching resolver, as in a VPC); steady
/// traffic goes through HAProxy while the three instances are replaced one by one.
/// </summary>
internal sealed class HaproxyScenario : IScenario
{
    public const int HaproxySlots = 8;
    public const double RequestsPerSecond = 50;

    /// <summary>The drain delay's margin over the staleness budget (record TTL + one resolution period + hold obsolete).</summary>
    public static readonly TimeSpan DrainMargin = TimeSpan.FromSeconds(1);

    /// <summary>How the sample's console log names event 1131 (DrainShorterThanDnsTtl).</summary>
    private const string DrainShorterThanTtlEvent = "[1131]";

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan HealthDelay = TimeSpan.FromSeconds(30);

    public int Number => 9;

    public string Title => "HAProxy over Cloud Map DNS";

    /// <summary>The sizes and timings of a run: the smoke's are shorter (a 1 s TTL), the full run's closer to production.</summary>
    public static HaproxySize SizeFor(bool smoke) => smoke
        ? new HaproxySize(3, 3, 1.5, TimeSpan.FromSeconds(1), new HaproxyDnsTimings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)), HaproxyChecks.Tcp)
        : new HaproxySize(3, 3, 2.5, TimeSpan.FromSeconds(5), new HaproxyDnsTimings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)), HaproxyChecks.Tcp);

    /// <summary>The cases of a run: the smoke's is the caching resolver's (library mode only).</summary>
    public static IReadOnlyList<HaproxyCase> CasesFor(bool smoke) => smoke
        ? [HaproxyCase.Cached]
        : [HaproxyCase.Direct, HaproxyCase.Cached, HaproxyCase.CachedShortDrain];

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        var size = SizeFor(context.Smoke);
        var t = size.Timings;
        result.Method = Format.Invariant($"""
            Standalone emulator process with `--dns-port 0` (loopback, UDP+TCP) and `--health-delay {HealthDelay.TotalSeconds}s`, seeded with private DNS namespace `{DnsEmulatorLane.NamespaceName}` and service `{DnsEmulatorLane.ServiceName}` (custom health, MULTIVALUE, SRV and A records, **TTL {size.RecordTtl.TotalSeconds} s**). {size.Instances} sample processes (warm-up {size.WarmupSeconds} s) register on dynamic loopback ports (the SRV records carry the ports). Debian's `haproxy` (`haproxy -db`, version as installed) resolves `{DnsEmulatorLane.SrvName}` SRV with `server-template instance {HaproxySlots}` … `init-addr none`, health checks: {Describe(size.Checks)}; resolvers: `timeout resolve {t.Resolve.TotalSeconds}s`, `hold obsolete {t.HoldObsolete.TotalSeconds}s`, `hold nx {t.HoldNx.TotalSeconds}s`, `hold valid {t.HoldValid.TotalSeconds}s` (used by do-resolve only), `hold other/refused/timeout 30s`, `timeout retry 500ms`, `resolve_retries 3`, `accepted_payload_size 4096`; `retries 0` and no `option redispatch`, so every failure the instances cause reaches the client. A client of this scenario sends {RequestsPerSecond} GET / per second through HAProxy (3 s timeout, keep-alive), each on its own task; the sample answers with its instance id, which tells which instance served it. Once HAProxy has served every instance, {size.Replacements} time(s): a replacement process starts; once its `/health/ready` passes, it is registered and HAProxy has routed a request to it, the oldest instance gets a real SIGTERM. Failed = any answer other than 2xx through HAProxy (its 503 when no server is usable, 502/504, or the app's own 503 while warming) or no answer. *Deregistration* is the instant the instance left the service in the emulator's state (GET /_emulator/state polled every {Poll.TotalMilliseconds} ms; the DNS answers come from the same state, so it is the instant its SRV and A records left the emulator's answers); *HAProxy kept sending* is deregistration → the last request that instance served, per replaced instance (negative: it stopped serving before it was deregistered). At the end every instance gets SIGTERM; instances still registered 1.5 s after the last exit are zombies. *1131 warnings* = library instances whose log has event 1131 (DrainShorterThanDnsTtl) from the start-up check. Cases (each its own emulator and HAProxy; library and baseline at the same time; the smoke run: the caching resolver's, library mode only): **{HaproxyCase.Direct.Label}** — HAProxy asks the emulator directly, so no cache holds a record: the TTL is part of the drain budget, not of the measured lag; **{HaproxyCase.Cached.Label}** — HAProxy asks Debian's `unbound` (a caching resolver on loopback forwarding the zone to the emulator; no prefetch, no serve-expired, cache-min-ttl 0: an answer is served from its cache for the record TTL, as a VPC resolver does), so a deregistered instance stays in HAProxy's answers for up to TTL + resolve period + hold obsolete; **{HaproxyCase.CachedShortDrain.Label}** — the same path with the library's drain at half the TTL ({size.RecordTtl.TotalSeconds / 2} s). Library drain delay (first two cases) {size.DrainDelay.TotalSeconds} s = TTL {size.RecordTtl.TotalSeconds} s + resolve period {t.Resolve.TotalSeconds} s + hold obsolete {t.HoldObsolete.TotalSeconds} s + {DrainMargin.TotalSeconds} s margin; baseline has no drain.
            """);
        foreach (var @case in CasesFor(context.Smoke))
        {
            for (var rep = 0; rep < context.Repeat; rep++)
            {
                context.Log($"  {@case.Label}: repetition {rep + 1}/{context.Repeat}");
                await Task.WhenAll(
                    context.Smoke ? [RunModeAsync(context, result, @case, RegistrationMode.Library, rep, size, cancellationToken)] :
                    [
                        RunModeAsync(context, result, @case, RegistrationMode.Library, rep, size, cancellationToken),
                        RunModeAsync(context, result, @case, RegistrationMode.Baseline, rep, size, cancellationToken),
                    ]).ConfigureAwait(false);
            }
        }
    }

    private static async Task RunModeAsync(ScenarioContext context, ScenarioResult result, HaproxyCase @case, RegistrationMode mode, int rep, HaproxySize size, CancellationToken cancellationToken)
    {
        await using var lane = await DnsEmulatorLane.StartAsync(size.RecordTtl, HealthDelay, seed: 900 + rep, cancellationToken).ConfigureAwait(false);
        var settings = new SampleSettings(size.WarmupSeconds, @case.DrainDelay(size))
        {
            Extra = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["CloudMap__NamespaceName"] = DnsEmulatorLane.NamespaceName,
                ["CloudMap__ServiceName"] = DnsEmulatorLane.ServiceName,
            },
        };
        await using var fleet = new SampleFleet(context, result, mode, lane.Endpoint, settings, lane.InstanceIdsAsync, "registered");
        if (!await fleet.StartAsync(size.Instances, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await using var resolver = @case.CachingResolver ? await UnboundProcess.StartAsync(DnsEmulatorLane.NamespaceName, lane.DnsEndpoint, cancellationToken).ConfigureAwait(false) : null;
        await using var haproxy = await HaproxyProcess.StartAsync(resolver?.Endpoint ?? lane.DnsEndpoint, DnsEmulatorLane.SrvName, HaproxySlots, size.Timings, size.Checks, cancellationToken).ConfigureAwait(false);
        if (mode == RegistrationMode.Library && rep == 0)
        {
            result.AddNote(Format.Invariant($"HAProxy configuration of the library run, {@case.Label} (HaproxyProcess.BuildConfiguration; the baseline's differs in its ports only):\n\n```\n{haproxy.Configuration.TrimEnd()}\n```"));
            if (resolver is not null && @case == HaproxyCase.Cached)
            {
                result.AddNote("unbound configuration (UnboundProcess.BuildConfiguration):\n\n```\n" + resolver.Configuration.TrimEnd() + "\n```");
            }
        }

        context.Log($"  {@case.Label} {mode}: {fleet.Live.Count} instances ready and registered; HAProxy started");
        await using var load = new ProxiedLoad(haproxy.Url, RequestsPerSecond);
        if (!await ProbeAllServedAsync(haproxy.Url, fleet.Live, cancellationToken).ConfigureAwait(false))
        {
            result.Fail(mode, Format.Invariant($"{@case.Label}: HAProxy did not route to all {fleet.Live.Count} instances within {SampleFleet.StartTimeout.TotalSeconds} s"));
            context.Log($"  {mode} HAProxy output:\n{haproxy.Output}\n{resolver?.Output}");
            return;
        }

        load.Start();
        context.Log($"  {@case.Label} {mode}: HAProxy serves every instance; load started");
        var retired = new List<(SampleInstance Sample, long Deregistered)>();
        var exits = new List<Task>();
        for (var k = 1; k <= size.Replacements; k++)
        {
            var started = Clock.Now;
            if (await fleet.StartReplacementAsync(cancellationToken).ConfigureAwait(false) is not { } replacement)
            {
                return;
            }

            if (await Clock.WaitUntilAsync(_ => Task.FromResult(load.ServedSince(replacement.InstanceId, started)), SampleFleet.StartTimeout, Poll, cancellationToken).ConfigureAwait(false) is null)
            {
                result.Fail(mode, Format.Invariant($"{@case.Label}: HAProxy never routed to {replacement.InstanceId} within {SampleFleet.StartTimeout.TotalSeconds} s"));
                context.Log($"  {mode} HAProxy output:\n{haproxy.Output}\n{resolver?.Output}");
                return;
            }

            var (old, terminated) = fleet.Retire(replacement);
            var deregistered = @case.Metric(result, "sigterm-to-deregistered", "SIGTERM → deregistered (records gone from the emulator's DNS)", "ms");
            if (await fleet.WaitGoneAsync(old, cancellationToken).ConfigureAwait(false) is { } at)
            {
                deregistered.Add(mode, Clock.MillisecondsBetween(terminated, at));
                retired.Add((old, at));
            }
            else
            {
                deregistered.Note(mode, "an instance was still registered 30 s after SIGTERM");
            }

            exits.Add(fleet.WaitExitAsync(old));
            context.Log($"  {@case.Label} {mode}: {old.InstanceId} replaced by {replacement.InstanceId}");
        }

        await Task.WhenAll(exits).ConfigureAwait(false);

        // Let a last resolution settle (and, through the cache, the last TTL run out), then count.
        var settle = size.Timings.Resolve + size.Timings.HoldObsolete + TimeSpan.FromSeconds(1) + (@case.CachingResolver ? size.RecordTtl : TimeSpan.Zero);
        await Task.Delay(settle, cancellationToken).ConfigureAwait(false);
        await load.StopAsync().ConfigureAwait(false);
        foreach (var (sample, deregistered) in retired)
        {
            var kept = @case.Metric(result, "kept-sending-ms", "HAProxy kept sending to a deregistered instance (deregistration → last request it served)", "ms");
            if (load.LastServedBy(sample.InstanceId) is { } last)
            {
                kept.Add(mode, Clock.MillisecondsBetween(deregistered, last));
            }
            else
            {
                kept.Note(mode, "an instance served no request at all");
            }
        }

        @case.Metric(result, "requests-sent", "Requests sent through HAProxy", string.Empty).Add(mode, load.Sent);
        @case.Metric(result, "failed-requests", "Failed requests through HAProxy", string.Empty, goal: @case.ShortDrain ? null : "0").Add(mode, load.Failed);
        @case.Metric(result, "failed-5xx", "… HTTP 5xx (HAProxy's 502/503/504 or the app's 503)", string.Empty).Add(mode, load.Failed5xx);
        @case.Metric(result, "failed-other", "… no answer / other status", string.Empty).Add(mode, load.FailedOther);
        if (load.Failed > 0)
        {
            context.Log($"  {@case.Label} {mode} failures: {string.Join(" | ", load.FailureSamples.Take(6))}");
        }

        if (mode == RegistrationMode.Library)
        {
            @case.Metric(result, "ttl-warnings", "Library instances that logged 1131 (drain shorter than the DNS TTL) at start", string.Empty, goal: @case.ShortDrain ? "all" : "0")
                .Add(mode, fleet.All.Count(s => s.Process.Output.Contains(DrainShorterThanTtlEvent, StringComparison.Ordinal)));
        }

        await fleet.StopAllAsync(cancellationToken).ConfigureAwait(false);
        @case.Metric(result, "zombies", "Zombies after stop (still in DNS)", string.Empty, goal: "0").Add(mode, (await lane.InstanceIdsAsync(cancellationToken).ConfigureAwait(false)).Count);
    }

    private static string Describe(HaproxyChecks checks) => checks switch
    {
        HaproxyChecks.Tcp => "TCP connect every 1 s (`check inter 1s`)",
        HaproxyChecks.HttpReady => "`option httpchk GET /health/ready`, `check inter 1s fall 2 rise 1`",
        _ => "none",
    };

    /// <summary>Before the load starts: GET through HAProxy until every instance has answered once.</summary>
    private static async Task<bool> ProbeAllServedAsync(Uri url, IReadOnlyList<SampleInstance> instances, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var expected = instances.Select(i => i.InstanceId).ToHashSet(StringComparer.Ordinal);
        return await Clock.WaitUntilAsync(
            async ct =>
            {
                try
                {
                    using var response = await http.GetAsync(url, ct).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        seen.Add((await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)).Trim());
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    // HAProxy has no usable server yet.
                }

                return expected.IsSubsetOf(seen);
            },
            SampleFleet.StartTimeout,
            TimeSpan.FromMilliseconds(20),
            cancellationToken).ConfigureAwait(false) is not null;
    }
}

/// <summary>The sizes and timings of one run of scenario 9.</summary>
/// <param name="Instances">Instances serving at any time.</param>
/// <param name="Replacements">Instances replaced one by one (3: every instance once).</param>
/// <param name="WarmupSeconds">The sample's cache warm-up.</param>
/// <param name="RecordTtl">The SRV and A records' TTL.</param>
/// <param name="Timings">HAProxy's resolver timings.</param>
/// <param name="Checks">HAProxy's health checks.</param>
internal sealed record HaproxySize(int Instances, int Replacements, double WarmupSeconds, TimeSpan RecordTtl, HaproxyDnsTimings Timings, HaproxyChecks Checks)
{
    /// <summary>Gets the library's drain delay: the staleness budget (TTL + resolve period + hold obsolete) plus a margin.</summary>
    public TimeSpan DrainDelay => RecordTtl + Timings.Resolve + Timings.HoldObsolete + HaproxyScenario.DrainMargin;
}

/// <summary>
/// One case of scenario 9: how HAProxy reaches the records and the library's drain. Its metric keys start with
/// <see cref="Prefix"/> (the direct case keeps scenario 9's first keys, <c>dns-</c>).
/// </summary>
/// <param name="Prefix">The metric keys' prefix.</param>
/// <param name="Label">The case's name in the report.</param>
/// <param name="CachingResolver">Whether HAProxy asks unbound (which asks the emulator) instead of the emulator.</param>
/// <param name="ShortDrain">Whether the library's drain is half the record TTL instead of the staleness budget.</param>
internal sealed record HaproxyCase(string Prefix, string Label, bool CachingResolver, bool ShortDrain)
{
    public static readonly HaproxyCase Direct = new("dns-", "HAProxy → emulator", false, false);
    public static readonly HaproxyCase Cached = new("dns-cached-", "HAProxy → unbound → emulator", true, false);
    public static readonly HaproxyCase CachedShortDrain = new("dns-short-", "HAProxy → unbound → emulator, drain ½ TTL", true, true);

    /// <summary>The library's drain in this case.</summary>
    public TimeSpan DrainDelay(HaproxySize size) => ShortDrain ? size.RecordTtl / 2 : size.DrainDelay;

    /// <summary>The case's metric: its key prefixed, its name prefixed by the label (but the direct case's).</summary>
    public Metric Metric(ScenarioResult result, string key, string name, string unit, string? goal = null) =>
        result.Metric(Prefix + key, this == Direct ? name : "[" + Label + "] " + name, unit, goal);
}
