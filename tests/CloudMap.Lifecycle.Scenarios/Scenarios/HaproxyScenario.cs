// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>
/// Scenario 9: HAProxy over Cloud Map DNS. Three sample processes register into a private DNS namespace whose service
/// has SRV and A records; Debian's <c>haproxy</c> balances over the SRV name (<c>resolvers</c> pointed at the emulator's
/// DNS port, <c>server-template</c>); steady traffic goes through HAProxy while the three instances are replaced one by
/// one.
/// </summary>
internal sealed class HaproxyScenario : IScenario
{
    public const int HaproxySlots = 8;
    public const double RequestsPerSecond = 50;

    /// <summary>The drain delay's margin over the staleness budget (record TTL + one resolution period + hold obsolete).</summary>
    public static readonly TimeSpan DrainMargin = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan HealthDelay = TimeSpan.FromSeconds(30);

    public int Number => 9;

    public string Title => "HAProxy over Cloud Map DNS";

    /// <summary>The sizes and timings of a run: the smoke's are shorter (a 1 s TTL), the full run's closer to production.</summary>
    public static HaproxySize SizeFor(bool smoke) => smoke
        ? new HaproxySize(3, 3, 1.5, TimeSpan.FromSeconds(1), new HaproxyDnsTimings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)), HaproxyChecks.Tcp)
        : new HaproxySize(3, 3, 2.5, TimeSpan.FromSeconds(5), new HaproxyDnsTimings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)), HaproxyChecks.Tcp);

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        var size = SizeFor(context.Smoke);
        var t = size.Timings;
        result.Method = Format.Invariant($"""
            Standalone emulator process with `--dns-port 0` (loopback, UDP+TCP) and `--health-delay {HealthDelay.TotalSeconds}s`, seeded with private DNS namespace `{DnsEmulatorLane.NamespaceName}` and service `{DnsEmulatorLane.ServiceName}` (custom health, MULTIVALUE, SRV and A records, **TTL {size.RecordTtl.TotalSeconds} s**). {size.Instances} sample processes (warm-up {size.WarmupSeconds} s) register on dynamic loopback ports (the SRV records carry the ports). Debian's `haproxy` (`haproxy -db`, version as installed) resolves `{DnsEmulatorLane.SrvName}` SRV against the emulator's DNS port with `server-template instance {HaproxySlots}` … `init-addr none`, health checks: {Describe(size.Checks)}; resolvers: `timeout resolve {t.Resolve.TotalSeconds}s`, `hold obsolete {t.HoldObsolete.TotalSeconds}s`, `hold nx {t.HoldNx.TotalSeconds}s`, `hold valid {t.HoldValid.TotalSeconds}s` (used by do-resolve only), `hold other/refused/timeout 30s`, `timeout retry 500ms`, `resolve_retries 3`, `accepted_payload_size 4096`; `retries 0` and no `option redispatch`, so every failure the instances cause reaches the client. A client of this scenario sends {RequestsPerSecond} GET / per second through HAProxy (3 s timeout, keep-alive), each on its own task; the sample answers with its instance id, which tells which instance served it. Once HAProxy has served every instance, {size.Replacements} time(s): a replacement process starts; once its `/health/ready` passes, it is registered and HAProxy has routed a request to it, the oldest instance gets a real SIGTERM. Failed = any answer other than 2xx through HAProxy (its 503 when no server is usable, 502/504, or the app's own 503 while warming) or no answer. *Deregistration* is the instant the instance left the service in the emulator's state (GET /_emulator/state polled every {Poll.TotalMilliseconds} ms; the DNS answers come from the same state, so it is the instant its SRV and A records left the answers); *HAProxy kept sending* is deregistration → the last request that instance served, per replaced instance (negative: it stopped serving before it was deregistered). At the end every instance gets SIGTERM; instances still registered 1.5 s after the last exit are zombies. Library drain delay {size.DrainDelay.TotalSeconds} s = TTL {size.RecordTtl.TotalSeconds} s + resolve period {t.Resolve.TotalSeconds} s + hold obsolete {t.HoldObsolete.TotalSeconds} s + {DrainMargin.TotalSeconds} s margin; baseline has no drain. HAProxy asks the emulator directly, so no cache holds a record for its TTL here (in a VPC the resolver does): the TTL is part of the drain budget, not of the measured lag. Both modes at the same time, each with its own emulator and HAProxy (the smoke run: library mode only).
            """);
        for (var rep = 0; rep < context.Repeat; rep++)
        {
            context.Log($"  repetition {rep + 1}/{context.Repeat}");
            await Task.WhenAll(
                context.Smoke ? [RunModeAsync(context, result, RegistrationMode.Library, rep, size, cancellationToken)] :
                [
                    RunModeAsync(context, result, RegistrationMode.Library, rep, size, cancellationToken),
                    RunModeAsync(context, result, RegistrationMode.Baseline, rep, size, cancellationToken),
                ]).ConfigureAwait(false);
        }
    }

    private static async Task RunModeAsync(ScenarioContext context, ScenarioResult result, RegistrationMode mode, int rep, HaproxySize size, CancellationToken cancellationToken)
    {
        await using var lane = await DnsEmulatorLane.StartAsync(size.RecordTtl, HealthDelay, seed: 900 + rep, cancellationToken).ConfigureAwait(false);
        var settings = new SampleSettings(size.WarmupSeconds, size.DrainDelay)
        {
            Extra = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["CloudMap__NamespaceName"] = DnsEmulatorLane.NamespaceName,
                ["CloudMap__ServiceName"] = DnsEmulatorLane.ServiceName,
            },
        };
        var all = new List<SampleInstance>();
        var live = new List<SampleInstance>();
        try
        {
            for (var i = 1; i <= size.Instances; i++)
            {
                var sample = SampleInstance.Start(mode, Format.Invariant($"sample-{i}"), lane.Endpoint, settings);
                all.Add(sample);
                live.Add(sample);
            }

            foreach (var sample in live)
            {
                if (!await WaitReadyAndRegisteredAsync(lane, sample, cancellationToken).ConfigureAwait(false))
                {
                    Fail(context, result, mode, sample, "never became ready and registered");
                    return;
                }
            }

            await using var haproxy = await HaproxyProcess.StartAsync(lane.DnsEndpoint, DnsEmulatorLane.SrvName, HaproxySlots, size.Timings, size.Checks, cancellationToken).ConfigureAwait(false);
            if (mode == RegistrationMode.Library)
            {
                result.AddNote("HAProxy configuration of the library run (HaproxyProcess.BuildConfiguration; the baseline's differs in its ports only):\n\n```\n" + haproxy.Configuration.TrimEnd() + "\n```");
            }

            context.Log($"  {mode}: {live.Count} instances ready and registered; HAProxy started");
            await using var load = new ProxiedLoad(haproxy.Url, RequestsPerSecond);
            if (!await ProbeAllServedAsync(haproxy.Url, live, cancellationToken).ConfigureAwait(false))
            {
                result.Fail(mode, Format.Invariant($"HAProxy did not route to all {live.Count} instances within {StartTimeout.TotalSeconds} s"));
                context.Log($"  {mode} HAProxy output:\n{haproxy.Output}");
                return;
            }

            load.Start();
            context.Log($"  {mode}: HAProxy serves every instance; load started");
            var retired = new List<(SampleInstance Sample, long Deregistered)>();
            var exits = new List<Task>();
            for (var k = 1; k <= size.Replacements; k++)
            {
                var replacement = SampleInstance.Start(mode, Format.Invariant($"sample-{size.Instances + k}"), lane.Endpoint, settings);
                all.Add(replacement);
                var started = Clock.Now;
                if (!await WaitReadyAndRegisteredAsync(lane, replacement, cancellationToken).ConfigureAwait(false))
                {
                    Fail(context, result, mode, replacement, "replacement never became ready and registered");
                    return;
                }

                if (await Clock.WaitUntilAsync(_ => Task.FromResult(load.ServedSince(replacement.InstanceId, started)), StartTimeout, Poll, cancellationToken).ConfigureAwait(false) is null)
                {
                    result.Fail(mode, Format.Invariant($"HAProxy never routed to {replacement.InstanceId} within {StartTimeout.TotalSeconds} s"));
                    context.Log($"  {mode} HAProxy output:\n{haproxy.Output}");
                    return;
                }

                live.Add(replacement);
                var old = live[0];
                live.RemoveAt(0);
                old.Process.Terminate();
                var terminated = Clock.Now;
                var gone = await Clock.WaitUntilAsync(
                    async ct => !(await lane.InstanceIdsAsync(ct).ConfigureAwait(false)).Contains(old.InstanceId),
                    TimeSpan.FromSeconds(30),
                    Poll,
                    cancellationToken).ConfigureAwait(false);
                if (gone is { } at)
                {
                    result.Metric("dns-sigterm-to-deregistered", "SIGTERM → deregistered (records gone from DNS)", "ms").Add(mode, Clock.MillisecondsBetween(terminated, at));
                    retired.Add((old, at));
                }
                else
                {
                    result.Metric("dns-sigterm-to-deregistered", "SIGTERM → deregistered (records gone from DNS)", "ms").Note(mode, "an instance was still registered 30 s after SIGTERM");
                }

                exits.Add(WaitExitAsync(result, mode, old));
                context.Log($"  {mode}: {old.InstanceId} replaced by {replacement.InstanceId}");
            }

            await Task.WhenAll(exits).ConfigureAwait(false);

            // Let a last resolution settle, then count.
            await Task.Delay(size.Timings.Resolve + size.Timings.HoldObsolete + TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            await load.StopAsync().ConfigureAwait(false);
            foreach (var (sample, deregistered) in retired)
            {
                var kept = result.Metric("dns-kept-sending-ms", "HAProxy kept sending to a deregistered instance (deregistration → last request it served)", "ms");
                if (load.LastServedBy(sample.InstanceId) is { } last)
                {
                    kept.Add(mode, Clock.MillisecondsBetween(deregistered, last));
                }
                else
                {
                    kept.Note(mode, "an instance served no request at all");
                }
            }

            result.Metric("dns-requests-sent", "Requests sent through HAProxy", string.Empty).Add(mode, load.Sent);
            result.Metric("dns-failed-requests", "Failed requests through HAProxy", string.Empty, goal: "0").Add(mode, load.Failed);
            result.Metric("dns-failed-5xx", "… HTTP 5xx (HAProxy's 502/503/504 or the app's 503)", string.Empty).Add(mode, load.Failed5xx);
            result.Metric("dns-failed-other", "… no answer / other status", string.Empty).Add(mode, load.FailedOther);
            if (load.Failed > 0)
            {
                context.Log($"  {mode} failures: {string.Join(" | ", load.FailureSamples.Take(6))}");
            }

            await Task.WhenAll(live.Select(s => s.Process.StopAsync(TimeSpan.FromSeconds(30)))).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken).ConfigureAwait(false);
            result.Metric("dns-zombies", "Zombies after stop (still in DNS)", string.Empty, goal: "0").Add(mode, (await lane.InstanceIdsAsync(cancellationToken).ConfigureAwait(false)).Count);
        }
        finally
        {
            foreach (var sample in all)
            {
                await sample.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static string Describe(HaproxyChecks checks) => checks switch
    {
        HaproxyChecks.Tcp => "TCP connect every 1 s (`check inter 1s`)",
        HaproxyChecks.HttpReady => "`option httpchk GET /health/ready`, `check inter 1s fall 2 rise 1`",
        _ => "none",
    };

    private static async Task WaitExitAsync(ScenarioResult result, RegistrationMode mode, SampleInstance old)
    {
        if (!await old.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false))
        {
            result.AddNote(Format.Invariant($"{mode}: {old.InstanceId} did not exit within 30 s of SIGTERM."));
        }
    }

    /// <summary>Before the load starts: GET through HAProxy until every instance has answered once.</summary>
    private static async Task<bool> ProbeAllServedAsync(Uri url, List<SampleInstance> instances, CancellationToken cancellationToken)
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
            StartTimeout,
            TimeSpan.FromMilliseconds(20),
            cancellationToken).ConfigureAwait(false) is not null;
    }

    private static async Task<bool> WaitReadyAndRegisteredAsync(DnsEmulatorLane lane, SampleInstance sample, CancellationToken cancellationToken) =>
        await Clock.WaitUntilAsync(
            async ct => await sample.IsReadyAsync(ct).ConfigureAwait(false) && (await lane.InstanceIdsAsync(ct).ConfigureAwait(false)).Contains(sample.InstanceId),
            StartTimeout,
            Poll,
            cancellationToken).ConfigureAwait(false) is not null;

    private static void Fail(ScenarioContext context, ScenarioResult result, RegistrationMode mode, SampleInstance sample, string what)
    {
        result.Fail(mode, Format.Invariant($"{sample.InstanceId} {what} within {StartTimeout.TotalSeconds} s (exit code {sample.Process.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"})"));
        context.Log($"  {mode} {sample.InstanceId} {what}; output:\n{sample.Process.Output}");
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
