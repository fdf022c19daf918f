// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;
using System.Globalization;
using Amazon.Runtime;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Internal.Cleanup;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests.Cleanup;

/// <summary>
/// The removal-share cap and self-preservation for the fleet as a whole (G7): 40 observers, each a registration
/// service with its own registration and proof-of-life advert, in one service of the emulator, on one fake clock, one
/// scripted prober telling who is dead. Each round the clock moves one probe interval and every live observer sweeps.
/// </summary>
public sealed class FleetCleanupTests
{
    private const int Fleet = 40;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task TenOfFortyDieAtOnce_TheFleetRemovesAtMostTenPercentPerSweep_AndEveryDeadOneInTheEnd()
    {
        await using var fleet = await FleetHarness.StartAsync(Ct);
        var dead = Enumerable.Range(0, Fleet).Where(i => i % 4 == 1).Select(FleetHarness.IdOf).ToHashSet(StringComparer.Ordinal);
        fleet.Kill(dead);

        var perRound = new List<int>();
        for (var round = 0; round < 12 && fleet.RegisteredCount() > Fleet - dead.Count; round++)
        {
            var before = fleet.RegisteredCount();
            var cap = CleanupPlanner.MaxRemovals(before, CloudMapCleanupOptions.DefaultMaxRemovalShare);
            var removed = await fleet.RoundAsync();
            Assert.True(removed.Count <= cap, $"round {round + 1}: the fleet removed {removed.Count} ({string.Join(", ", removed)}) of {before}, more than {cap}");
            Assert.Subset(dead, removed.ToHashSet(StringComparer.Ordinal));
            perRound.Add(removed.Count);
        }

        Assert.Equal(Fleet - dead.Count, fleet.RegisteredCount());
        Assert.All(dead, id => Assert.False(fleet.IsRegistered(id)));
        Assert.Contains(perRound, n => n > 1); // several observers act in one sweep, the sum stays under the cap
        Assert.All(fleet.Live, o => Assert.False(o.State.GetSnapshot().IsCleanupHeld));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task TwentyFiveOfFortyDieAtOnce_EveryLiveObserverHolds_SnapshotAndGaugeShowIt()
    {
        await using var fleet = await FleetHarness.StartAsync(Ct);

        // 15 live, spread so that every live observer watches at least one dead peer (most see only one of three dead:
        // by its own three peers alone, an observer would remove).
        var live = Enumerable.Range(0, Fleet).Where(i => i % 3 == 0 || i == 1).ToHashSet();
        var dead = Enumerable.Range(0, Fleet).Where(i => !live.Contains(i)).Select(FleetHarness.IdOf).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(25, dead.Count);
        fleet.Kill(dead);
        using var held = new MetricCollector<int>(fleet.MeterFactory, CloudMapTelemetry.Name, LifecycleTelemetry.CleanupHeldInstrument);

        for (var round = 0; round < 8; round++)
        {
            Assert.Empty(await fleet.RoundAsync());
        }

        Assert.Equal(Fleet, fleet.RegisteredCount());
        Assert.Equal(15, fleet.Live.Count);
        Assert.All(fleet.Live, o => Assert.True(o.State.GetSnapshot().IsCleanupHeld, o.Id + " does not hold"));
        held.RecordObservableInstruments();
        Assert.Equal(15, held.GetMeasurementSnapshot().Where(m => m.Value == 1).Select(m => m.Tags[TelemetryTags.Registration]).Distinct().Count());
        Assert.Equal(15, fleet.Logs.GetEvents("CleanupHeld").Count);
    }

    /// <summary>A fleet of <see cref="Fleet"/> registration services over one emulator, one clock and one prober.</summary>
    private sealed class FleetHarness : IAsyncDisposable
    {
        private readonly ServiceProvider _clientServices;
        private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        private readonly HashSet<string> _dead = new(StringComparer.Ordinal);

        private FleetHarness(CloudMapEmulator emulator, string serviceId)
        {
            Emulator = emulator;
            ServiceId = serviceId;
            var services = new ServiceCollection();
            services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("AKIDFLEETTESTS", "fleet-tests-secret"));
            services.TryAddCloudMapDiscoveryClient();
            services.Configure<CloudMapClientOptions>(o =>
            {
                o.ServiceUrl = emulator.Endpoint;
                o.Region = emulator.Region;
                o.DisableHostPrefixInjection = true;
                o.MaxAttempts = 1;
                o.AttemptTimeout = Timeout.InfiniteTimeSpan;
            });
            _clientServices = services.BuildServiceProvider();
            var markers = Enumerable.Range(0, Fleet).Select(i => new CloudMapRegistrationMarker(IdOf(i), null)).ToList();
            var states = new CloudMapRegistrationStateProvider(markers);
            var telemetry = new LifecycleTelemetry(MeterFactory, states);
            var client = _clientServices.GetRequiredService<ICloudMapClient>();
            foreach (var marker in markers)
            {
                var options = new CloudMapRegistrationOptions { ServiceId = serviceId, InstanceId = marker.Name, Port = 8080, Address = "127.0.0.1" };
                options.Health.Interval = SweepHarness.Interval;
                options.Health.UnhealthyThreshold = 1;
                options.Health.HealthyThreshold = 1;
                var addresses = new FakeServerAddresses();
                addresses.Addresses[0] = "http://127.0.0.1:8080";
                var responder = new ProofOfLifeResponder(addresses);
                responder.MarkPipelineBuilt();
                var service = new CloudMapRegistrationService(
                    marker,
                    new FixedOptionsMonitor(options),
                    client,
                    new FakeHealthCheckService(),
                    new TestLifetime(),
                    addresses,
                    new FakeIdentityResolver(),
                    states,
                    telemetry,
                    Time,
                    Microsoft.Extensions.Options.Options.Create(new HostOptions()),
                    new Microsoft.Extensions.Logging.Testing.FakeLogger<CloudMapRegistrationService>(Logs),
                    proofOfLife: responder,
                    peerProber: Prober);
                Observers.Add(new Observer(marker.Name, service, states.Get(marker.Name), responder));
            }
        }

        public CloudMapEmulator Emulator { get; }

        public string ServiceId { get; }

        public TimerCountingFakeTimeProvider Time { get; } = new();

        public Microsoft.Extensions.Logging.Testing.FakeLogCollector Logs { get; } = new();

        public IMeterFactory MeterFactory => _metrics.GetRequiredService<IMeterFactory>();

        public ScriptedPeerProber Prober { get; } = new();

        public List<Observer> Observers { get; } = [];

        public List<Observer> Live => Observers.Where(o => !_dead.Contains(o.Id)).ToList();

        public static string IdOf(int i) => "fleet-" + i.ToString("00", CultureInfo.InvariantCulture);

        public static async Task<FleetHarness> StartAsync(CancellationToken cancellationToken)
        {
            var emulator = await CloudMapEmulator.StartAsync(
                new CloudMapEmulatorOptions
                {
                    OperationSubmittedDuration = TimeSpan.Zero,
                    OperationPendingDuration = TimeSpan.Zero,
                    HealthChangeDelay = TimeSpan.Zero,
                    RandomSeed = 1,
                },
                cancellationToken);
            var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("fleet.local"), "orders", EmulatedHealthCheck.Custom);
            var fleet = new FleetHarness(emulator, serviceId);
            foreach (var o in fleet.Observers)
            {
                Assert.NotNull(await o.Service.ResolveTargetAsync(cancellationToken));
                await o.Service.RegisterAsync(CloudMapHealthStatus.Healthy, cancellationToken);
            }

            Assert.All(fleet.Observers, o => Assert.NotNull(ProofOfLifeAdvert.Read(emulator.FindInstance(serviceId, o.Id)!.Attributes)));
            while (fleet.Time.GetUtcNow() - fleet.Time.Start < RegistrationLedger.VisibilityGracePeriod + SweepHarness.Interval)
            {
                fleet.Time.Advance(SweepHarness.Interval);
                foreach (var o in fleet.Observers)
                {
                    await o.Service.RunHealthCycleAsync(cancellationToken);
                }
            }

            foreach (var o in fleet.Observers)
            {
                o.Service.ActivateCleanup();
            }

            // Everyone alive for the first sweeps: each sees every peer long before it dies (the startup grace is over).
            for (var i = 0; i < 4; i++)
            {
                Assert.Empty(await fleet.RoundAsync());
            }

            return fleet;
        }

        /// <summary>These instances die at once: they stop sweeping, and their addresses refuse connections.</summary>
        public void Kill(IEnumerable<string> ids)
        {
            foreach (var id in ids)
            {
                _dead.Add(id);
                Prober.Set(id, PeerProbeOutcome.Refused);
            }
        }

        /// <summary>One probe interval passes and every live observer sweeps once; returns the instances removed in the round.</summary>
        public async Task<List<string>> RoundAsync()
        {
            Time.Advance(SweepHarness.Interval);
            var removed = new List<string>();
            foreach (var o in Live)
            {
                var outcome = await o.Service.RunCleanupSweepAsync(Ct);
                Assert.Null(outcome.SkippedBecause);
                removed.AddRange(outcome.Removed);
            }

            return removed.Distinct(StringComparer.Ordinal).ToList();
        }

        public int RegisteredCount() => Emulator.GetInstances(ServiceId).Count;

        public bool IsRegistered(string id) => Emulator.FindInstance(ServiceId, id) is not null;

        public async ValueTask DisposeAsync()
        {
            foreach (var o in Observers)
            {
                o.Service.Dispose();
                o.Responder.Dispose();
            }

            await _clientServices.DisposeAsync();
            await _metrics.DisposeAsync();
            await Emulator.DisposeAsync();
        }
    }

    private sealed record Observer(string Id, CloudMapRegistrationService Service, CloudMapRegistrationState State, ProofOfLifeResponder Responder);

    private sealed class FixedOptionsMonitor(CloudMapRegistrationOptions options) : IOptionsMonitor<CloudMapRegistrationOptions>
    {
        public CloudMapRegistrationOptions CurrentValue => options;

        public CloudMapRegistrationOptions Get(string? name) => options;

        public IDisposable? OnChange(Action<CloudMapRegistrationOptions, string?> listener) => null;
    }
}
