// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Amazon.Runtime;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Internal.Cleanup;
using CloudMap.Lifecycle.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>
/// Scenario 10: what crash cleanup costs per instance-hour as the service grows, measured: N real generic hosts with the
/// library in one process, one in-process emulator, ONE fake clock, cleanup on with defaults, for a simulated hour in
/// three phases (steady; a rolling replacement of 10 %; 1 % crashed).
/// </summary>
/// <remarks>
/// The clock moves one second at a time, only once every running host is parked (its one timer armed) and no sweep is
/// in flight, so the counts and the per-second peaks are exact on every run. Probes go to a table (<see cref="TableProber"/>)
/// instead of HTTP: alive unless the instance crashed, then refused. A crashed host's Cloud Map calls never return
/// (a handler that holds them), so it stops calling and sweeping, as a killed process does; its registration stays
/// until cleanup removes it. Real-HTTP probing is scenario 8's job.
/// </remarks>
internal sealed class CleanupCostScenario : IScenario
{
    private static readonly TimeSpan Phase = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(90);
    private static readonly string[] Counted = ["DiscoverInstancesRevision", "DiscoverInstances", "GetInstance", "DeregisterInstance"];

    public int Number => 10;

    public string Title => "Cleanup cost at scale";

    /// <summary>The fleet sizes run: <c>CLOUDMAP_COST_SIZES</c> (comma-separated), by default 3 and 100 (1,000 on request: slow on 2 cores).</summary>
    private static IReadOnlyList<int> Sizes(ScenarioContext context) =>
        (Environment.GetEnvironmentVariable("CLOUDMAP_COST_SIZES") is { Length: > 0 } text ? text : context.Smoke ? "3" : "3,100")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture))
            .ToList();

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        var sizes = Sizes(context);
        result.Method = Format.Invariant($"""
            Accelerated on ONE fake clock shared by N real generic hosts (library mode, cleanup on with defaults) and one in-process emulator (operations complete at once), in one process; N = {string.Join(", ", sizes)}. Hosts start 1 s apart in 10 groups (spread over one health interval: a fleet never registers in the same instant); after all registered plus {Settle.TotalSeconds} s the emulator's counters are reset and the clock runs one simulated hour, one second per step, each step only once every running host has armed its one timer and no cleanup sweep is in flight. Phases of {Phase.TotalMinutes} min: steady (nobody changes); rolling replacement of 10 % (at least 1) of the instances, evenly spaced, each a graceful stop (deregistration, no drain delay) and a new instance id started at once (two revision moves); 1 % (at least 1) crashed at the start of the phase (Cloud Map calls held forever, probes refused, the registration left to cleanup). Probes are answered from a table (alive, or refused once crashed or stopped), not over HTTP: real-HTTP probing is scenario 8's job. Counted per phase from the emulator (per instance-hour = count / N / phase hours): DiscoverInstancesRevision, DiscoverInstances, GetInstance, DeregisterInstance, all other calls; probes from the table; peak data-plane calls in any one simulated second across the fleet, against the account quotas (DiscoverInstances 1,000/s, DiscoverInstancesRevision 3,000/s). Baseline: it has no cleanup, so no figure exists for these keys; its own cost is its health heartbeat (UpdateInstanceCustomHealthStatus every 10 s = 360 per instance-hour, counted in scenario 4). Wall time per N is real time on the machine it ran on.
            """);
        result.Repetitions = 1;
        foreach (var n in sizes)
        {
            var watch = Stopwatch.StartNew();
            try
            {
                await RunFleetAsync(context, result, n, cancellationToken).ConfigureAwait(false);
                result.AddNote(Format.Invariant($"N = {n}: the simulated hour (plus start and settle) took {watch.Elapsed.TotalSeconds:F0} s of real time ({DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC)."));
            }
            catch (TimeoutException ex)
            {
                result.Fail(RegistrationMode.Library, Format.Invariant($"N = {n}: {ex.Message.Split('\n')[0]}"));
            }
        }

        foreach (var key in new[] { "cost-revision-reads", "cost-listings", "cost-getinstance", "cost-deregister", "cost-other-calls", "cost-probes" })
        {
            result.Find(key)?.Note(RegistrationMode.Baseline, "no cleanup (its cost is its heartbeat: 360 UpdateInstanceCustomHealthStatus per instance-hour, scenario 4)");
        }
    }

    private static async Task RunFleetAsync(ScenarioContext context, ScenarioResult result, int n, CancellationToken cancellationToken)
    {
        var time = new TimerCountingFakeTimeProvider();
        var table = new TableProber();
        await using var lane = await EmulatorLane.StartAsync(TimeSpan.Zero, seed: 1000 + n, cancellationToken, time, operationDuration: TimeSpan.Zero).ConfigureAwait(false);
        var fleet = new Fleet(lane, time, table);
        try
        {
            for (var i = 0; i < n; i++)
            {
                await fleet.StartHostAsync("cost-" + i.ToString("0000", CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
                if (i % Math.Max(1, n / 10) == Math.Max(1, n / 10) - 1)
                {
                    await fleet.StepAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            while (fleet.Running.Any(h => !h.IsRegistered))
            {
                await fleet.StepAsync(cancellationToken).ConfigureAwait(false);
            }

            for (var s = TimeSpan.Zero; s < Settle; s += Step)
            {
                await fleet.StepAsync(cancellationToken).ConfigureAwait(false);
            }

            context.Log(Format.Invariant($"  N = {n}: {fleet.Running.Count} registered; simulating the hour"));
            var replacements = Math.Max(1, (int)Math.Round(n * 0.1));
            var crashes = Math.Max(1, (int)Math.Round(n * 0.01));
            var phases = new (string Name, Func<int, Task> AtSecond)[]
            {
                ("steady", _ => Task.CompletedTask),
                ("rolling 10 %", async second =>
                {
                    var spacing = (int)Phase.TotalSeconds / replacements;
                    if (second % spacing == 0 && second / spacing < replacements)
                    {
                        await fleet.ReplaceAsync(second / spacing, cancellationToken).ConfigureAwait(false);
                    }
                }),
                ("1 % crash", second =>
                {
                    if (second == 0)
                    {
                        fleet.Crash(crashes);
                    }

                    return Task.CompletedTask;
                }),
            };
            foreach (var (name, atSecond) in phases)
            {
                var phase = await RunPhaseAsync(fleet, lane, table, atSecond, cancellationToken).ConfigureAwait(false);
                Report(result, n, name, phase);
                context.Log(Format.Invariant($"  N = {n}, {name}: {phase}"));
            }

            var stops = fleet.StopDurations.ToArray();
            result.AddNote(Format.Invariant($"N = {n}: {stops.Length} graceful stops of replaced hosts finished within the run; the longest took {(stops.Length == 0 ? 0 : stops.Max(d => d.Real)):0.#} s of real time and {(stops.Length == 0 ? 0 : stops.Max(d => d.Simulated)):0} s simulated."));
            var left = fleet.Stopped.Count(id => lane.Emulator.FindInstance(lane.ServiceId, id) is not null);
            result.AddNote(Format.Invariant($"N = {n}: {left} of {fleet.Stopped.Count} gracefully stopped (replaced) instances still registered at the end."));
            var zombies = fleet.Crashed.Count(h => lane.Emulator.FindInstance(lane.ServiceId, h.InstanceId) is not null);
            var wrongful = fleet.Running.Count(h => lane.Emulator.FindInstance(lane.ServiceId, h.InstanceId) is null);
            result.Metric("cost-crashed-left", "crashed instances still registered at the end", string.Empty, "0").Add(RegistrationMode.Library, zombies);
            result.Metric("cost-wrongful-removals", "live instances not registered at the end", string.Empty, "0").Add(RegistrationMode.Library, wrongful);
        }
        finally
        {
            await fleet.StopAllAsync().ConfigureAwait(false);
        }
    }

    private static async Task<PhaseCost> RunPhaseAsync(Fleet fleet, EmulatorLane lane, TableProber table, Func<int, Task> atSecond, CancellationToken cancellationToken)
    {
        lane.Emulator.ResetCounters();
        var probes = table.Probes;
        var instanceSeconds = 0L;
        var peakList = 0L;
        var peakRevision = 0L;
        long lastList = 0, lastRevision = 0;
        for (var second = 0; second < (int)Phase.TotalSeconds; second++)
        {
            await atSecond(second).ConfigureAwait(false);
            instanceSeconds += fleet.Running.Count + fleet.Crashed.Count(h => lane.Emulator.FindInstance(lane.ServiceId, h.InstanceId) is not null);
            await fleet.StepAsync(cancellationToken).ConfigureAwait(false);
            var list = lane.Emulator.GetCallCount("DiscoverInstances");
            var revision = lane.Emulator.GetCallCount("DiscoverInstancesRevision");
            peakList = Math.Max(peakList, list - lastList);
            peakRevision = Math.Max(peakRevision, revision - lastRevision);
            (lastList, lastRevision) = (list, revision);
        }

        var counts = Counted.ToDictionary(op => op, lane.Emulator.GetCallCount, StringComparer.Ordinal);
        var other = lane.Emulator.TotalCallCount - counts.Values.Sum();
        return new PhaseCost(instanceSeconds / 3600.0, counts, other, table.Probes - probes, peakList, peakRevision);
    }

    private static void Report(ScenarioResult result, int n, string phase, PhaseCost cost)
    {
        var label = Format.Invariant($"N = {n}, {phase}");
        void Add(string key, string name, double value)
        {
            var metric = result.Metric(key, name, "per instance-hour");
            metric.Add(RegistrationMode.Library, Math.Round(value, 1));
            metric.Note(RegistrationMode.Library, Format.Invariant($"{label}: {value:0.#}"));
        }

        Add("cost-revision-reads", "DiscoverInstancesRevision", cost.PerInstanceHour("DiscoverInstancesRevision"));
        Add("cost-listings", "DiscoverInstances", cost.PerInstanceHour("DiscoverInstances"));
        Add("cost-getinstance", "GetInstance", cost.PerInstanceHour("GetInstance"));
        Add("cost-deregister", "DeregisterInstance", cost.PerInstanceHour("DeregisterInstance"));
        Add("cost-other-calls", "other Cloud Map calls", cost.Other / cost.InstanceHours);
        Add("cost-probes", "probes sent", cost.Probes / cost.InstanceHours);
        var peak = result.Metric("cost-peak-listings-per-second", "peak DiscoverInstances per second, fleet-wide (quota 1,000/s)", "calls/s", "< 1,000");
        peak.Add(RegistrationMode.Library, cost.PeakListings);
        peak.Note(RegistrationMode.Library, Format.Invariant($"{label}: {cost.PeakListings}"));
        var peakRevision = result.Metric("cost-peak-revision-reads-per-second", "peak DiscoverInstancesRevision per second, fleet-wide (quota 3,000/s)", "calls/s", "< 3,000");
        peakRevision.Add(RegistrationMode.Library, cost.PeakRevisionReads);
        peakRevision.Note(RegistrationMode.Library, Format.Invariant($"{label}: {cost.PeakRevisionReads}"));
        result.AddNote(Format.Invariant($"{label}: {cost}"));
    }

    private sealed record PhaseCost(double InstanceHours, IReadOnlyDictionary<string, long> Counts, long Other, long Probes, long PeakListings, long PeakRevisionReads)
    {
        public double PerInstanceHour(string operation) => Counts[operation] / InstanceHours;

        public override string ToString() => Format.Invariant(
            $"{InstanceHours:0.#} instance-hours; per instance-hour: DiscoverInstancesRevision {PerInstanceHour("DiscoverInstancesRevision"):0.#}, DiscoverInstances {PerInstanceHour("DiscoverInstances"):0.#}, GetInstance {PerInstanceHour("GetInstance"):0.##}, DeregisterInstance {PerInstanceHour("DeregisterInstance"):0.##}, other calls {Other / InstanceHours:0.#}, probes {Probes / InstanceHours:0.#}; peak per second fleet-wide: DiscoverInstances {PeakListings}, DiscoverInstancesRevision {PeakRevisionReads}");
    }

    /// <summary>Every host of one run, on one clock.</summary>
    private sealed class Fleet(EmulatorLane lane, TimerCountingFakeTimeProvider time, TableProber table)
    {
        private readonly List<Task> _stopping = [];
        private int _nextPort = 30000;

        public List<CostHost> Running { get; } = [];

        public List<CostHost> Crashed { get; } = [];

        public List<string> Stopped { get; } = [];

        public async Task StartHostAsync(string instanceId, CancellationToken cancellationToken)
        {
            var host = CostHost.Build(lane.Emulator.Endpoint, instanceId, _nextPort++, time, table);
            Running.Add(host);
            await host.Host.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Waits until every running host is parked and no sweep runs, then moves the clock one step.</summary>
        public async Task StepAsync(CancellationToken cancellationToken)
        {
            await SettledAsync(cancellationToken).ConfigureAwait(false);
            time.Advance(Step);
            await SettledAsync(cancellationToken).ConfigureAwait(false);
        }

        public async Task ReplaceAsync(int index, CancellationToken cancellationToken)
        {
            var old = Running[index % Running.Count];
            Running.Remove(old);

            // The stop runs on while the clock moves on (it waits on the fake clock too); awaited at the end.
            Stopped.Add(old.InstanceId);
            _stopping.Add(StopTimedAsync(old, cancellationToken));
            await StartHostAsync(old.InstanceId.Replace("cost-", "cost-r" + index.ToString(CultureInfo.InvariantCulture) + "-", StringComparison.Ordinal), cancellationToken).ConfigureAwait(false);
        }

        /// <summary>How long each graceful stop took: real seconds, simulated seconds.</summary>
        public ConcurrentQueue<(double Real, double Simulated)> StopDurations { get; } = new();

        private async Task StopTimedAsync(CostHost host, CancellationToken cancellationToken)
        {
            var real = Stopwatch.StartNew();
            var simulatedStart = time.GetUtcNow();
            await host.Host.StopAsync(cancellationToken).ConfigureAwait(false);
            table.Dead[host.InstanceId] = true; // a stopped process refuses connections: should its registration remain, cleanup may remove it
            StopDurations.Enqueue((real.Elapsed.TotalSeconds, (time.GetUtcNow() - simulatedStart).TotalSeconds));
        }

        public void Crash(int count)
        {
            foreach (var host in Running.Skip(Running.Count / 2).Take(count).ToList())
            {
                host.Kill();
                table.Dead[host.InstanceId] = true;
                Running.Remove(host);
                Crashed.Add(host);
            }
        }

        public async Task StopAllAsync()
        {
            // Crashed hosts are never stopped: their calls are held forever, as a killed process makes none.
            _stopping.AddRange(Running.Select(h => h.Host.StopAsync(CancellationToken.None)));
            Running.Clear();
            var all = Task.WhenAll(_stopping);
            var guard = Stopwatch.StartNew();
            while (!all.IsCompleted && guard.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.WhenAny(all, Task.Delay(TimeSpan.FromMilliseconds(20))).ConfigureAwait(false);
                time.Advance(Step);
            }
        }

        private async Task SettledAsync(CancellationToken cancellationToken)
        {
            var guard = Stopwatch.StartNew();
            while (true)
            {
                await time.WaitForTimersAsync(Math.Max(1, Running.Count), cancellationToken).WaitAsync(TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
                var sweeping = Running.Select(h => h.Registration.CleanupSweep).Where(t => !t.IsCompleted).ToList();
                if (sweeping.Count == 0 && time.ArmedTimerCount >= Running.Count)
                {
                    return;
                }

                if (guard.Elapsed > TimeSpan.FromSeconds(120))
                {
                    throw new TimeoutException(Format.Invariant($"the fleet did not settle within 120 s of real time (armed {time.ArmedTimerCount} of {Running.Count}, {sweeping.Count} sweeps running, clock at {time.GetUtcNow():O})"));
                }

                if (sweeping.Count > 0)
                {
                    await Task.WhenAll(sweeping).WaitAsync(TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>One generic host with the library: its prober is the table, its server addresses say it listens on its port.</summary>
    private sealed class CostHost
    {
        private readonly KillSwitch _kill;

        private CostHost(IHost host, string instanceId, KillSwitch kill)
        {
            Host = host;
            InstanceId = instanceId;
            _kill = kill;
            Registration = host.Services.GetRequiredService<CloudMapRegistrationService>();
            State = host.Services.GetRequiredService<ICloudMapRegistrationStateProvider>().GetState(string.Empty);
        }

        public IHost Host { get; }

        public string InstanceId { get; }

        public CloudMapRegistrationService Registration { get; }

        public ICloudMapRegistrationState State { get; }

        public bool IsRegistered => State.Phase == CloudMapRegistrationPhase.Registered;

        public void Kill() => _kill.Killed = true;

        public static CostHost Build(Uri emulator, string instanceId, int port, TimeProvider time, TableProber table)
        {
            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Production" });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AWS:ServiceURL"] = emulator.ToString(),
                ["AWS:Region"] = ClientFactory.Region,
                ["CloudMap:Shutdown:DrainDelay"] = "00:00:00",
            });
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("AKIDSCENARIOS", "scenarios-secret"));
            builder.Services.AddSingleton(time);
            builder.Services.AddHealthChecks().AddCheck("ready", () => HealthCheckResult.Healthy(), tags: ["ready"]);
            builder.Services.Configure<CloudMapClientOptions>(o =>
            {
                o.DisableHostPrefixInjection = true;
                o.AttemptTimeout = Timeout.InfiniteTimeSpan;
            });
            builder.Services.AddCloudMapRegistration(o =>
            {
                o.NamespaceName = EmulatorLane.NamespaceName;
                o.ServiceName = EmulatorLane.ServiceName;
                o.InstanceId = instanceId;
                o.Address = "127.0.0.1";
                o.Port = port;
            });
            var kill = new KillSwitch();
            builder.Services.AddHttpClient(HttpCloudMapClient.HttpClientName).AddHttpMessageHandler(() => new KillSwitchHandler(kill));
            builder.Services.AddSingleton<IPeerProber>(table);
            builder.Services.AddSingleton<IServerAddressSource>(new ListeningOn(port));
            var host = builder.Build();

            // No web server here: say the pipeline answering proofs exists, so the registration advertises (the table answers for it).
            host.Services.GetRequiredService<ProofOfLifeResponder>().MarkPipelineBuilt();
            return new CostHost(host, instanceId, kill);
        }
    }

    private sealed class ListeningOn(int port) : IServerAddressSource
    {
        public bool HasServer => true;

        public IReadOnlyCollection<string> GetAddresses() => [Format.Invariant($"http://127.0.0.1:{port}")];
    }

    private sealed class KillSwitch
    {
        public volatile bool Killed;
    }

    /// <summary>Once killed, every Cloud Map call is held until cancelled: the process makes no more calls.</summary>
    private sealed class KillSwitchHandler(KillSwitch kill) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (kill.Killed)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
            }

            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Answers probes from a table: alive unless the instance crashed, then refused. Counts every probe.</summary>
    private sealed class TableProber : IPeerProber
    {
        private long _probes;

        public ConcurrentDictionary<string, bool> Dead { get; } = new(StringComparer.Ordinal);

        public long Probes => Interlocked.Read(ref _probes);

        public Task<PeerProbeResult> ProbeAsync(PeerTarget peer, TimeSpan timeout, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _probes);
            return Task.FromResult(Dead.ContainsKey(peer.InstanceId)
                ? new PeerProbeResult(PeerProbeOutcome.Refused, "connection refused (table)")
                : new PeerProbeResult(PeerProbeOutcome.Alive, "signed (table)"));
        }
    }
}
