// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Internal.Cleanup;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace CloudMap.Lifecycle.Tests.Cleanup;

/// <summary>
/// Crash cleanup through a real host (DI wiring, the health loop's ticks, the stop path) against the emulator, on a fake
/// clock that moves only while both the health loop and the sweep are idle (G7).
/// </summary>
public sealed class CleanupHostTests
{
    private static readonly TimeSpan Tick = CloudMapHealthOptions.DefaultInterval;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task RealLoop_DeadPeer_IsRemovedWithinFourSweepsAndCounted()
    {
        var prober = new ScriptedPeerProber { Default = PeerProbeOutcome.Refused };
        await using var h = await CreateAsync(prober, ("CloudMap:Shutdown:DrainDelay", "00:00:00"));
        AddPeer(h, "stop-2", "127.0.0.2");
        using var removals = new MetricCollector<long>(h.Host.Services.GetRequiredService<IMeterFactory>(), CloudMapTelemetry.Name, LifecycleTelemetry.CleanupRemovalsInstrument);
        using var probes = new MetricCollector<long>(h.Host.Services.GetRequiredService<IMeterFactory>(), CloudMapTelemetry.Name, LifecycleTelemetry.CleanupProbesInstrument);
        await h.StartRegisteredAsync();
        var service = h.Host.Services.GetRequiredService<CloudMapRegistrationService>();

        // Said right after the phase turns Registered, on the lifecycle's own thread: waited for, not assumed.
        await h.Logs.WaitForEventAsync("CleanupStarted", cancellationToken: Ct);
        Assert.Single(h.Logs.Collector.GetEvents("CleanupStarted"));

        var removedAt = await StepUntilAsync(h, service, () => h.Logs.Collector.HasEvent("CleanupRemoved"), maxTicks: 6);

        Assert.Equal(4, removedAt); // gone at ticks 1–4; the startup grace (30 s from the first sight) ends at tick 4
        Assert.Null(h.Emulator.FindInstance(h.ServiceId, "stop-2"));
        Assert.Equal(1, removals.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(4, probes.GetMeasurementSnapshot().Where(m => (string?)m.Tags[TelemetryTags.ProbeOutcome] == "refused").Sum(m => m.Value));
        await h.Host.StopAsync(Ct).WaitAsync(FakeClockDriver.DefaultGuard, Ct);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task Stop_WhileAProbeHangsIgnoringCancellation_DeregistersAtOnceAndNothingOutlivesTheHost()
    {
        var prober = new ScriptedPeerProber { Hang = true };
        await using var h = await CreateAsync(prober, ("CloudMap:Shutdown:DrainDelay", "00:00:00"));
        AddPeer(h, "stop-2", "127.0.0.2");
        await h.StartRegisteredAsync();
        var service = h.Host.Services.GetRequiredService<CloudMapRegistrationService>();
        await h.Time.WaitUntilParkedAsync(1, Ct);
        h.Time.Advance(Tick);
        await prober.FirstProbe.Task.WaitAsync(FakeClockDriver.DefaultGuard, Ct);
        Assert.False(service.CleanupSweep.IsCompleted);
        var before = h.Time.GetUtcNow();

        // The clock stands still: nothing of the stop may wait on the hung probe (or on its overrun timer).
        await h.Host.StopAsync(Ct).WaitAsync(FakeClockDriver.DefaultGuard, Ct);

        Assert.Equal(before, h.Time.GetUtcNow());
        Assert.Single(h.Logs.Collector.GetEvents("Deregistered"));
        Assert.Null(h.Emulator.FindInstance(h.ServiceId, EmulatedHost.InstanceId));
        Assert.True(service.CleanupSweep.IsCompleted);
        Assert.NotNull(h.Emulator.FindInstance(h.ServiceId, "stop-2"));
        Assert.Equal(0, h.Time.ArmedTimerCount);
    }

    [Fact]
    public async Task NoProberRegistered_CleanupDoesNotRun_AndSaysWhy()
    {
        // AddCloudMapRegistration registers the HTTP prober; an app (or a test) that removes it gets no cleanup.
        await using var h = await EmulatedHost.CreateAsync(configureServices: services =>
        {
            NoAttemptTimeout(services);
            services.RemoveAll<IPeerProber>();
        });
        AddPeer(h, "stop-2", "127.0.0.2");
        await h.StartRegisteredAsync();

        await h.Time.WaitUntilParkedAsync(1, Ct);
        Assert.Contains("no proof-of-life prober", Assert.Single(h.Logs.Collector.GetEvents("CleanupUnavailable")).Message, StringComparison.Ordinal);
        Assert.False(h.Logs.Collector.HasEvent("CleanupStarted"));
    }

    [Fact]
    public async Task Disabled_CleanupDoesNotRun()
    {
        var prober = new ScriptedPeerProber { Default = PeerProbeOutcome.Refused };
        await using var h = await CreateAsync(prober, ("CloudMap:Cleanup:Enabled", "false"));
        AddPeer(h, "stop-2", "127.0.0.2");
        await h.StartRegisteredAsync();
        var service = h.Host.Services.GetRequiredService<CloudMapRegistrationService>();

        await StepUntilAsync(h, service, () => false, maxTicks: 6);

        Assert.Empty(prober.Probes);
        Assert.NotNull(h.Emulator.FindInstance(h.ServiceId, "stop-2"));
        Assert.False(h.Logs.Collector.HasEvent("CleanupStarted"));
    }

    private static Task<EmulatedHost> CreateAsync(ScriptedPeerProber prober, params (string Key, string? Value)[] settings) =>
        EmulatedHost.CreateAsync(
            configureServices: services =>
            {
                NoAttemptTimeout(services);
                services.AddSingleton<IPeerProber>(prober);
            },
            settings: settings);

    /// <summary>No per-attempt timer: then the only timer armed while idle is the health loop's.</summary>
    private static void NoAttemptTimeout(IServiceCollection services) =>
        services.Configure<CloudMapClientOptions>(o => o.AttemptTimeout = Timeout.InfiniteTimeSpan);

    private static void AddPeer(EmulatedHost h, string instanceId, string address) =>
        h.Emulator.RegisterInstance(h.ServiceId, instanceId, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [RegistrationAttributes.Ipv4Key] = address,
            [RegistrationAttributes.PortKey] = "8080",
            [RegistrationAttributes.OwnerKey] = "owner-of-" + instanceId,
            [ProofOfLifeAdvert.AttributeKey] = "v1 http MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
        });

    /// <summary>Moves the clock one health interval at a time, each time only once the loop is parked and the sweep is over; returns the ticks taken.</summary>
    private static async Task<int> StepUntilAsync(EmulatedHost h, CloudMapRegistrationService service, Func<bool> done, int maxTicks)
    {
        var ticks = 0;
        while (ticks < maxTicks)
        {
            await h.Time.WaitUntilParkedAsync(1, Ct);
            await service.CleanupSweep.WaitAsync(FakeClockDriver.DefaultGuard, Ct);
            if (done())
            {
                break;
            }

            h.Time.Advance(Tick);
            ticks++;
        }

        await h.Time.WaitUntilParkedAsync(1, Ct);
        await service.CleanupSweep.WaitAsync(FakeClockDriver.DefaultGuard, Ct);
        return ticks;
    }
}
