// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>
/// Scenario 13: the janitor. A Service Connect-style service (no health check; instances registered as ECS registers
/// them: instance id = task id) of emulated ECS tasks, each with a real loopback HTTP listener, and a client sending
/// requests through DiscoverInstances. One instance fails (task UNHEALTHY, task stopped without deregistering, EC2
/// instance of a script registration terminated); the real <c>cloudmap-janitor</c> process sweeps on an interval
/// (library column) or nothing runs (baseline column). Measures fault → removal, failed requests, wrongful removals
/// and the janitor's API calls per sweep.
/// </summary>
internal sealed class JanitorScenario : IScenario
{
    private const int Tasks = 6;
    private const string Cluster = "prod";
    private const string EcsService = "orders";
    private const string NamespaceName = "janitor-scenario";
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ConfirmDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(12);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan JanitorStartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RequestEvery = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan DiscoverEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly string[] CallKinds = ["GetService", "ListInstances", "DescribeTasks", "DescribeInstances", "GetInstance", "DeregisterInstance"];

    private static readonly IReadOnlyList<FaultCase> Cases =
    [
        new(Fault.Unhealthy, "unhealthy", "(a) ECS task turns UNHEALTHY (its listener answers 503)"),
        new(Fault.Stopped, "stopped", "(b) ECS task stopped without deregistering (DEACTIVATING → STOPPED, listener gone)"),
        new(Fault.Ec2Terminated, "ec2", "(c) EC2-script registration (i-…), instance terminated (listener gone)"),
    ];

    private enum Fault
    {
        Unhealthy,
        Stopped,
        Ec2Terminated,
    }

    public int Number => 13;

    public string Title => "The janitor";

    private static string JanitorDll => RepositoryLayout.BuildOutput(Path.Combine("src", "CloudMap.Lifecycle.Janitor"), "CloudMap.Lifecycle.Janitor.dll");

    public static string Method => Format.Invariant($"""
        *Library* = the real `cloudmap-janitor` process (the built tool, `dotnet CloudMap.Lifecycle.Janitor.dll --interval {Verdicts.Seconds(Interval)}s --service <id> --deregister-unhealthy-tasks --confirm-delay {Verdicts.Seconds(ConfirmDelay)}s --endpoint-url <emulator>`) sweeping; *baseline* = the same case with no janitor (nothing removes the registration). Each case and mode has its own in-process emulator (real loopback HTTP, system clock, ECS and EC2 played by its code API) holding one HTTP namespace with one service **without any health check** (as Service Connect creates) and {Tasks} ECS tasks (`StartTask`, cluster `{Cluster}`, service `{EcsService}`), each registered as ECS registers them: instance id = task id, attributes `AWS_INSTANCE_IPV4`, `AWS_INSTANCE_PORT`, `AVAILABILITY_ZONE`, `REGION`, `ECS_CLUSTER_NAME`, `ECS_SERVICE_NAME`; each task's address is its own loopback address (127.0.0.10…) with a real Kestrel listener answering `GET /` 200. Case (c) adds a 7th registration as an EC2 script writes it (instance id = the `i-…` id of a `LaunchInstance`d instance at 127.0.0.20, `AWS_INSTANCE_IPV4`, `AWS_INSTANCE_PORT`, `AVAILABILITY_ZONE`, `REGION`) with its own listener; that one is the victim. A client refreshes its endpoints with DiscoverInstances every {Verdicts.Seconds(DiscoverEvery)} s and sends `GET /` round-robin every {RequestEvery.TotalMilliseconds} ms (2 s timeout, no retry); a non-2xx answer or a connection error is a failed request. After the janitor's first sweep line (event 4012) plus {Verdicts.Seconds(Warmup)} s (baseline: {Verdicts.Seconds(Warmup)} s) the fault: (a) the listener answers 503 and `SetTaskHealth(unhealthy)`; (b) `StopTask` (EssentialContainerExited, 30 s to STOPPED) and the listener is stopped; (c) `TerminateInstance` (30 s shutting-down) and the listener is stopped. Each is observed {Verdicts.Seconds(Window)} s. *Fault → removal*: from the fault to the first poll (every {Poll.TotalMilliseconds} ms, the emulator's stored instances) without the victim; "not removed" when it stayed the whole window. *Failed requests*: client requests sent from the fault to the end of the window that failed. *Wrongful removals*: other registrations that a poll stopped finding. *Calls per sweep*: the emulator's request log from the janitor's start to its stop, every operation but the client's DiscoverInstances (the janitor is the only other caller), divided by the sweeps it logged (event 4012), per case and by operation over all cases; these averages include the sweep that removes (GetInstance, DeregisterInstance, the second platform answer). The fault comes at the same phase in every case (12 s after the first sweep ended, so ≈ 8 s before the next sweep begins): the removal figure is that wait + the confirm delay (5 s) + the sweep's own calls; over all phases it lies between about 5 s and 15 s (+ the calls). One repetition; all six runs go at the same time (the janitor processes, emulators and listeners share the machine with the rest of the run).
        """);

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        result.Method = Method;
        result.Repetitions = 1;
        foreach (var c in Cases)
        {
            result.Metric(c.Key + "-removal-s", c.Name + ": fault → removal", "s");
            result.Metric(c.Key + "-failed", "… failed client requests, fault → end of window", string.Empty);
            result.Metric(c.Key + "-wrongful", "… wrongful removals", string.Empty, "0");
            result.Metric(c.Key + "-calls-per-sweep", "… janitor API calls per sweep", string.Empty);
        }

        foreach (var kind in CallKinds)
        {
            result.Metric("calls-" + kind, "Janitor calls per sweep (all cases): " + kind, string.Empty);
        }

        result.Metric("calls-other", "Janitor calls per sweep (all cases): other", string.Empty);
        result.Metric("janitor-wrongful-removals", "Wrongful removals (sum over the cases)", string.Empty, "0");
        if (!File.Exists(JanitorDll))
        {
            result.Fail(RegistrationMode.Library, "the janitor was not built: " + JanitorDll);
        }

        var runs = Cases.SelectMany(c => new[] { RegistrationMode.Library, RegistrationMode.Baseline }.Select(m => new CaseRun(context, c, m))).ToList();
        context.Log(Format.Invariant($"  {runs.Count} runs at once, about {Verdicts.Seconds(Warmup + Window + TimeSpan.FromSeconds(20))} s"));
        await Task.WhenAll(runs.Select(r => r.RunAsync(cancellationToken))).ConfigureAwait(false);
        foreach (var mode in new[] { RegistrationMode.Library, RegistrationMode.Baseline })
        {
            var mine = runs.Where(r => r.Mode == mode).ToList();
            foreach (var run in mine)
            {
                run.Write(result);
            }

            if (mine.Any(r => r.Error is not null))
            {
                result.Fail(mode, string.Join("; ", mine.Where(r => r.Error is not null).Select(r => r.Case.Key + ": " + r.Error)));
                continue;
            }

            result.Find("janitor-wrongful-removals")!.Add(mode, mine.Sum(r => r.Wrongful));
            if (mode == RegistrationMode.Baseline)
            {
                foreach (var kind in CallKinds.Append("other"))
                {
                    result.Find("calls-" + kind)!.Note(mode, "no janitor");
                }
            }
            else
            {
                var sweeps = mine.Sum(r => r.Sweeps);
                foreach (var kind in CallKinds.Append("other"))
                {
                    result.Find("calls-" + kind)!.Add(mode, sweeps == 0 ? 0 : (double)mine.Sum(r => r.Calls.GetValueOrDefault(kind)) / sweeps);
                }
            }
        }
    }

    private sealed record FaultCase(Fault Kind, string Key, string Name);

    /// <summary>One listener standing for a task's (or an instance's) container: 200, or 503 once failing; stopped = refused.</summary>
    private sealed class Listener : IAsyncDisposable
    {
        private readonly WebApplication app;
        private volatile bool failing;

        private Listener(WebApplication app, string address, int port)
        {
            this.app = app;
            Address = address;
            Port = port;
        }

        public string Address { get; }

        public int Port { get; }

        public bool Failing
        {
            set => failing = value;
        }

        public static async Task<Listener> StartAsync(string address, CancellationToken cancellationToken)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls(Format.Invariant($"http://{address}:0"));
            var app = builder.Build();
            Listener? self = null;
            app.MapGet("/", () => self!.failing ? Results.StatusCode(503) : Results.Text("ok"));
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var port = new Uri(app.Urls.First()).Port;
            self = new Listener(app, address, port);
            return self;
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One case in one mode: its emulator, listeners, client and (library mode) janitor process.</summary>
    private sealed class CaseRun(ScenarioContext context, FaultCase faultCase, RegistrationMode mode)
    {
        private readonly ConcurrentQueue<(long At, bool Ok)> requests = new();
        private readonly Dictionary<string, Listener> listeners = [];
        private volatile IReadOnlyList<(string Address, int Port)> endpoints = [];

        public FaultCase Case => faultCase;

        public RegistrationMode Mode => mode;

        public string? Error { get; private set; }

        public double? RemovalSeconds { get; private set; }

        public int Failed { get; private set; }

        public int Sent { get; private set; }

        public int Wrongful { get; private set; }

        public int Sweeps { get; private set; }

        public Dictionary<string, long> Calls { get; } = new(StringComparer.Ordinal);

        private string Label => Format.Invariant($"{mode} {faultCase.Key}");

        public void Write(ScenarioResult result)
        {
            if (Error is not null)
            {
                return;
            }

            var removal = result.Find(faultCase.Key + "-removal-s")!;
            if (RemovalSeconds is { } s)
            {
                removal.Add(mode, s);
            }
            else
            {
                removal.Note(mode, Format.Invariant($"not removed (> {Verdicts.Seconds(Window)} s)"));
            }

            result.Find(faultCase.Key + "-failed")!.Add(mode, Failed);
            result.Find(faultCase.Key + "-failed")!.Note(mode, Format.Invariant($"of {Sent} sent"));
            result.Find(faultCase.Key + "-wrongful")!.Add(mode, Wrongful);
            if (mode == RegistrationMode.Baseline)
            {
                result.Find(faultCase.Key + "-calls-per-sweep")!.Note(mode, "no janitor: no calls");
            }
            else if (Sweeps > 0)
            {
                result.Find(faultCase.Key + "-calls-per-sweep")!.Add(mode, (double)Calls.Values.Sum() / Sweeps);
                result.Find(faultCase.Key + "-calls-per-sweep")!.Note(mode, Format.Invariant($"{Sweeps} sweeps"));
            }
        }

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            try
            {
                await RunCoreAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Error = Format.Invariant($"threw {ex.GetType().Name}: {ex.Message.Split('\n')[0]}");
                context.Log($"  {Label} threw: {ex}");
            }
            finally
            {
                foreach (var listener in listeners.Values)
                {
                    await listener.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        private async Task RunCoreAsync(CancellationToken cancellationToken)
        {
            await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions(), cancellationToken).ConfigureAwait(false);
            var namespaceId = emulator.CreateHttpNamespace(NamespaceName);
            var serviceId = emulator.CreateService(namespaceId, EcsService, EmulatedHealthCheck.None);
            var ids = new List<string>();
            for (var i = 0; i < Tasks; i++)
            {
                var address = Format.Invariant($"127.0.0.{10 + i}");
                var task = emulator.StartTask(Cluster, EcsService, address);
                var listener = await Listener.StartAsync(address, cancellationToken).ConfigureAwait(false);
                listeners[task.TaskId] = listener;
                emulator.RegisterInstance(serviceId, task.TaskId, new Dictionary<string, string>
                {
                    ["AWS_INSTANCE_IPV4"] = address,
                    ["AWS_INSTANCE_PORT"] = Format.Invariant($"{listener.Port}"),
                    ["AVAILABILITY_ZONE"] = task.AvailabilityZone,
                    ["REGION"] = emulator.Region,
                    ["ECS_CLUSTER_NAME"] = Cluster,
                    ["ECS_SERVICE_NAME"] = EcsService,
                });
                ids.Add(task.TaskId);
            }

            var victim = ids[2];
            if (faultCase.Kind == Fault.Ec2Terminated)
            {
                var instance = emulator.LaunchInstance("127.0.0.20");
                var listener = await Listener.StartAsync("127.0.0.20", cancellationToken).ConfigureAwait(false);
                listeners[instance.InstanceId] = listener;
                emulator.RegisterInstance(serviceId, instance.InstanceId, new Dictionary<string, string>
                {
                    ["AWS_INSTANCE_IPV4"] = listener.Address,
                    ["AWS_INSTANCE_PORT"] = Format.Invariant($"{listener.Port}"),
                    ["AVAILABILITY_ZONE"] = instance.AvailabilityZone,
                    ["REGION"] = emulator.Region,
                });
                ids.Add(instance.InstanceId);
                victim = instance.InstanceId;
            }

            using var stopClient = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await using var clientServices = ClientFactory.Create(emulator.Endpoint, maxAttempts: 1);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var discover = DiscoverLoopAsync(clientServices.GetRequiredService<ICloudMapDiscoveryClient>(), stopClient.Token);
            var send = SendLoopAsync(http, stopClient.Token);
            ChildProcess? janitor = null;
            try
            {
                if (mode == RegistrationMode.Library)
                {
                    janitor = StartJanitor(emulator, serviceId);
                    await janitor.WaitForLineAsync(l => l.Contains("[4012]", StringComparison.Ordinal)).WaitAsync(JanitorStartTimeout, cancellationToken).ConfigureAwait(false);
                }

                await Task.Delay(Warmup, cancellationToken).ConfigureAwait(false);
                var missingBefore = ids.Except(StoredIds(emulator, serviceId)).ToList();
                if (missingBefore.Count > 0)
                {
                    Error = "registrations gone before the fault: " + string.Join(", ", missingBefore);
                    return;
                }

                var faultAt = Clock.Now;
                await InjectAsync(emulator, victim).ConfigureAwait(false);
                var lost = new HashSet<string>(StringComparer.Ordinal);
                while (Clock.MillisecondsSince(faultAt) < Window.TotalMilliseconds)
                {
                    var stored = StoredIds(emulator, serviceId);
                    if (RemovalSeconds is null && !stored.Contains(victim))
                    {
                        RemovalSeconds = Clock.MillisecondsSince(faultAt) / 1000;
                        context.Log(Format.Invariant($"  {Label}: removed {RemovalSeconds:F1} s after the fault"));
                    }

                    lost.UnionWith(ids.Where(id => id != victim && !stored.Contains(id)));
                    await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
                }

                Wrongful = lost.Count;
                await stopClient.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(discover, send).ConfigureAwait(false);
                var inWindow = requests.Where(r => r.At >= faultAt).ToList();
                Sent = inWindow.Count;
                Failed = inWindow.Count(r => !r.Ok);
                var failedBefore = requests.Count(r => r.At < faultAt && !r.Ok);
                if (failedBefore > 0)
                {
                    context.Log(Format.Invariant($"  {Label}: {failedBefore} request(s) failed before the fault"));
                }

                if (janitor is not null)
                {
                    await janitor.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                    Sweeps = janitor.Lines.Count(l => l.Contains("[4012]", StringComparison.Ordinal));
                    foreach (var request in emulator.GetRequestLog().Where(r => r.Operation != "DiscoverInstances"))
                    {
                        var kind = CallKinds.Contains(request.Operation) ? request.Operation : "other";
                        Calls[kind] = Calls.GetValueOrDefault(kind) + 1;
                    }

                    if (janitor.ExitCode is not 0)
                    {
                        context.Log($"  {Label}: janitor exit code {janitor.ExitCode}; output:\n{janitor.Output}");
                    }
                }
            }
            finally
            {
                await stopClient.CancelAsync().ConfigureAwait(false);
                if (janitor is not null)
                {
                    await janitor.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        private ChildProcess StartJanitor(CloudMapEmulator emulator, string serviceId) => ChildProcess.StartDotnet(
            "janitor-" + faultCase.Key,
            JanitorDll,
            [
                "--interval", Format.Invariant($"{Interval.TotalSeconds}s"),
                "--service", serviceId,
                "--deregister-unhealthy-tasks",
                "--confirm-delay", Format.Invariant($"{ConfirmDelay.TotalSeconds}s"),
                "--endpoint-url", emulator.Endpoint.ToString().TrimEnd('/'),
            ],
            env =>
            {
                foreach (var key in env.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
                {
                    env.Remove(key);
                }

                env["AWS_ACCESS_KEY_ID"] = "AKIDSCENARIOS";
                env["AWS_SECRET_ACCESS_KEY"] = "scenarios-secret";
                env["AWS_REGION"] = emulator.Region;
                env["AWS_EC2_METADATA_DISABLED"] = "true";
                env["DOTNET_gcServer"] = "0";
            });

        private async Task InjectAsync(CloudMapEmulator emulator, string victim)
        {
            switch (faultCase.Kind)
            {
                case Fault.Unhealthy:
                    listeners[victim].Failing = true;
                    emulator.SetTaskHealth(victim, healthy: false);
                    break;
                case Fault.Stopped:
                    emulator.StopTask(victim, "EssentialContainerExited");
                    await StopListenerAsync(victim).ConfigureAwait(false);
                    break;
                case Fault.Ec2Terminated:
                    emulator.TerminateInstance(victim);
                    await StopListenerAsync(victim).ConfigureAwait(false);
                    break;
            }
        }

        private async Task StopListenerAsync(string id)
        {
            var listener = listeners[id];
            listeners.Remove(id);
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        private static HashSet<string> StoredIds(CloudMapEmulator emulator, string serviceId) =>
            [.. emulator.GetInstances(serviceId).Select(i => i.InstanceId)];

        private async Task DiscoverLoopAsync(ICloudMapDiscoveryClient discovery, CancellationToken cancellationToken)
        {
            using var timer = new PeriodicTimer(DiscoverEvery);
            do
            {
                try
                {
                    var result = await discovery.DiscoverInstancesAsync(new CloudMapDiscoveryQuery(NamespaceName, EcsService), cancellationToken).ConfigureAwait(false);
                    endpoints = [.. result.Instances.Select(i => (i.Attributes["AWS_INSTANCE_IPV4"], int.Parse(i.Attributes["AWS_INSTANCE_PORT"], System.Globalization.CultureInfo.InvariantCulture)))];
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A failed refresh keeps the previous endpoints, as a caching client does.
                }
            }
            while (await WaitTickAsync(timer, cancellationToken).ConfigureAwait(false));
        }

        private async Task SendLoopAsync(HttpClient http, CancellationToken cancellationToken)
        {
            using var timer = new PeriodicTimer(RequestEvery);
            var next = 0;
            while (await WaitTickAsync(timer, cancellationToken).ConfigureAwait(false))
            {
                var current = endpoints;
                if (current.Count == 0)
                {
                    continue;
                }

                var (address, port) = current[next++ % current.Count];
                var at = Clock.Now;
                bool ok;
                try
                {
                    using var response = await http.GetAsync(new Uri(Format.Invariant($"http://{address}:{port}/")), cancellationToken).ConfigureAwait(false);
                    ok = response.IsSuccessStatusCode;
                }
                catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    ok = false;
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                requests.Enqueue((at, ok));
            }
        }

        private static async Task<bool> WaitTickAsync(PeriodicTimer timer, CancellationToken cancellationToken)
        {
            try
            {
                return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }
}
