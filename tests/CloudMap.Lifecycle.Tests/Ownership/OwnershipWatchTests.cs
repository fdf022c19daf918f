// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Tests.Fakes;

namespace CloudMap.Lifecycle.Tests.Ownership;

/// <summary>
/// Issue 9 items 3 and 4 against the emulator: a superseded process stops writing onto its replacement's entry (G4,
/// G5), a vanished registration is back within two health intervals in every health mode (G6), and knowing this costs
/// one DiscoverInstancesRevision per interval and no control-plane call in steady state (G5).
/// </summary>
public sealed class OwnershipWatchTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    // ---- Under throttling ---------------------------------------------------------------------------------------------

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task Throttled_FirstCheckWaitsForIntervalsWithoutThrottling_NoListNamespacesWhileThrottled()
    {
        ThrottleSwitchClient? client = null;
        await using var h = await EmulatorRegistrationHarness.StartAsync(wrapClient: inner => client = new ThrottleSwitchClient(inner));
        Assert.NotNull(await h.Service.ResolveTargetAsync(Token));
        await h.Service.RegisterAsync(CloudMapHealthStatus.Healthy, Token);
        client!.ThrottledRecently = true;
        h.Emulator.ResetCounters();

        Assert.Equal(OwnershipVerdict.Unverified, await h.Service.CheckOwnershipAsync(Token));
        Assert.Equal(0, h.Emulator.GetCallCount("ListNamespaces"));
        Assert.Equal(0, h.Emulator.GetCallCount("DiscoverInstancesRevision"));
        Assert.Equal(CloudMapRegistrationService.FirstCheckQuietWindow * h.Options.Health.Interval, client.AskedWindow);

        client.ThrottledRecently = false;
        Assert.Equal(OwnershipVerdict.Ours, await h.Service.CheckOwnershipAsync(Token));
        Assert.Equal(1, h.Emulator.GetCallCount("ListNamespaces"));

        // Once the namespace is known, throttling no longer holds the check back: it costs no control-plane call.
        client.ThrottledRecently = true;
        h.Time.Advance(h.Options.Health.Interval);
        Assert.Equal(OwnershipVerdict.Ours, await h.Service.CheckOwnershipAsync(Token));
        Assert.Equal(2, h.Emulator.GetCallCount("DiscoverInstancesRevision"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task StartupJitter_FirstCheckWaitsTheJitterAfterRegistering_ThenLooksTheNamespaceUpOnce()
    {
        await using var h = await EmulatorRegistrationHarness.StartAsync(configure: o => o.StartupJitter = TimeSpan.FromSeconds(20));
        h.Service.NextRandom = () => 0; // the first call at once
        Assert.NotNull(await h.Service.ResolveTargetAsync(Token));
        var armed = h.Time.ArmedTimerCount;
        var registering = h.Service.RegisterAsync(CloudMapHealthStatus.Healthy, Token);
        await h.Time.WaitUntilParkedAsync(armed + 1, Token); // with a jitter the first operation read waits 1 s
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await registering;
        h.Emulator.ResetCounters();

        // The fleet's registrations are spread over the jitter: the first lookup waits that long after registering.
        h.Time.Advance(TimeSpan.FromSeconds(20) - TimeSpan.FromTicks(1));
        Assert.Equal(OwnershipVerdict.Unverified, await h.Service.CheckOwnershipAsync(Token));
        Assert.Equal(0, h.Emulator.GetCallCount("ListNamespaces"));

        h.Time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(OwnershipVerdict.Ours, await h.Service.CheckOwnershipAsync(Token));
        Assert.Equal(1, h.Emulator.GetCallCount("ListNamespaces"));
    }

    // ---- Superseded --------------------------------------------------------------------------------------------------

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task SupersededByB_ATurnsUnhealthy_PushesNothingOntoBsEntry()
    {
        await using var h = await EmulatorRegistrationHarness.StartAsync();
        await h.RegisteredAndSettledAsync();
        h.ProcessBTakesOver();
        h.Emulator.ResetCounters();

        h.Health.Healthy = false;
        await h.CycleAsync();
        await h.CycleAsync();
        await h.CycleAsync();

        Assert.Equal(0, h.Emulator.GetCallCount("UpdateInstanceCustomHealthStatus"));
        Assert.Equal(0, h.Emulator.GetCallCount("RegisterInstance"));
        Assert.Equal(EmulatorRegistrationHarness.OwnerB, h.CurrentOwner());
        Assert.Equal("HEALTHY", h.Emulator.FindInstance(h.ServiceId, EmulatorRegistrationHarness.InstanceId)!.HealthStatus);
        Assert.True(h.Service.Ledger.IsSuperseded);
        Assert.Equal(EmulatorRegistrationHarness.OwnerB, h.Service.Ledger.SupersedingOwner);
        Assert.True(h.Service.State.GetSnapshot().IsSuperseded);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    public async Task SupersededByB_SaysSoOnceAsAWarning()
    {
        await using var h = await EmulatorRegistrationHarness.StartAsync();
        await h.RegisteredAndSettledAsync();
        h.ProcessBTakesOver();

        await h.CycleAsync();
        await h.CycleAsync();
        h.Emulator.RegisterInstance(h.ServiceId, "orders-2", new Dictionary<string, string>(StringComparer.Ordinal) { ["AWS_INSTANCE_IPV4"] = "127.0.0.3" });
        await h.CycleAsync();

        var superseded = h.Logs.Collector.GetSnapshot().Where(r => r.Id.Id == 1037).ToList();
        var record = Assert.Single(superseded);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, record.Level);
        Assert.Contains(EmulatorRegistrationHarness.OwnerB, record.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    public async Task SupersededByB_StopsWhileBRuns_LeavesBsEntryAlone()
    {
        await using var h = await EmulatorRegistrationHarness.StartAsync();
        await h.RegisteredAndSettledAsync();
        h.ProcessBTakesOver();
        await h.CycleAsync();

        var removed = await h.Service.DeregisterAsync(TimeSpan.FromSeconds(10), Token);

        Assert.False(removed);
        Assert.Equal(0, h.Emulator.GetCallCount("DeregisterInstance"));
        Assert.Equal(EmulatorRegistrationHarness.OwnerB, h.CurrentOwner());
    }

    [Theory]
    [InlineData(EmulatedHealthCheck.Custom)]
    [InlineData(EmulatedHealthCheck.Route53)]
    [InlineData(EmulatedHealthCheck.None)]
    [Trait(Guarantees.Trait, Guarantees.G6)]
    public async Task SupersededByB_BStopsGracefullyWhileARuns_AIsBackWithinTwoIntervals(EmulatedHealthCheck healthCheck)
    {
        await using var h = await EmulatorRegistrationHarness.StartAsync(healthCheck);
        await h.RegisteredAndSettledAsync();
        h.ProcessBTakesOver();
        await h.CycleAsync();
        Assert.True(h.Service.Ledger.IsSuperseded);

        Assert.True(h.Emulator.DeregisterInstance(h.ServiceId, EmulatorRegistrationHarness.InstanceId));
        await h.CycleAsync();
        await h.CycleAsync();

        Assert.Equal(h.Service.OwnerToken, h.CurrentOwner());
        Assert.False(h.Service.Ledger.IsSuperseded);
        Assert.True(h.Service.Ledger.IsConfirmed);
        Assert.False(h.Service.State.GetSnapshot().IsSuperseded);
        Assert.Single(h.Logs.Collector.GetSnapshot(), r => r.Id.Id == 1038);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task SupersededByB_AndBecomesOursAgain_PushesItsOwnStatusAgain()
    {
        await using var h = await EmulatorRegistrationHarness.StartAsync();
        await h.RegisteredAndSettledAsync();
        h.ProcessBTakesOver();
        await h.CycleAsync();
        h.Emulator.DeregisterInstance(h.ServiceId, EmulatorRegistrationHarness.InstanceId);
        await h.CycleAsync();
        Assert.Equal(h.Service.OwnerToken, h.CurrentOwner());
        h.Emulator.ResetCounters();

        h.Health.Healthy = false;
        await h.CycleAsync();

        Assert.Equal(1, h.Emulator.GetCallCount("UpdateInstanceCustomHealthStatus"));
        Assert.Equal("UNHEALTHY", h.Emulator.FindInstance(h.ServiceId, EmulatorRegistrationHarness.InstanceId)!.HealthStatus);
    }

    // ---- Vanished ----------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(EmulatedHealthCheck.Custom)]
    [InlineData(EmulatedHealthCheck.Route53)]
    [InlineData(EmulatedHealthCheck.None)]
    [Trait(Guarantees.Trait, Guarantees.G6)]
    public async Task RemovedByHand_IsBackWithinTwoIntervals(EmulatedHealthCheck healthCheck)
    {
        await using var h = await EmulatorRegistrationHarness.StartAsync(healthCheck);
        await h.RegisteredAndSettledAsync();

        Assert.True(h.Emulator.DeregisterInstance(h.ServiceId, EmulatorRegistrationHarness.InstanceId));
        await h.CycleAsync();
        await h.CycleAsync();

        Assert.Equal(h.Service.OwnerToken, h.CurrentOwner());
        Assert.True(h.Service.Ledger.IsConfirmed);
        Assert.Single(h.Logs.Collector.GetSnapshot(), r => r.Id.Id == 1034);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G6)]
    public async Task RemovedByHand_ThroughTheRealLoop_IsBackWithinTwoIntervals()
    {
        await using var h = await EmulatorRegistrationHarness.StartAsync();
        await h.RegisteredAndSettledAsync();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var loop = h.Service.RunHealthLoopAsync(stop.Token);
        await h.Time.WaitForTimersAsync(1, Token);

        h.Emulator.DeregisterInstance(h.ServiceId, EmulatorRegistrationHarness.InstanceId);
        for (var interval = 0; interval < 2 && h.CurrentOwner() is null; interval++)
        {
            // The loop arms its next delay only once the cycle is over: that is when the interval may pass again.
            h.Time.Advance(EmulatorRegistrationHarness.Interval);
            await h.Time.WaitForTimersAsync(1, Token);
        }

        Assert.Equal(h.Service.OwnerToken, h.CurrentOwner());
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G6)]
    public async Task RemovedByHand_WhileUnhealthyWithoutHealthCheck_StaysAwayUntilHealthy()
    {
        await using var h = await EmulatorRegistrationHarness.StartAsync(EmulatedHealthCheck.None);
        await h.RegisteredAndSettledAsync();

        h.Emulator.DeregisterInstance(h.ServiceId, EmulatorRegistrationHarness.InstanceId);
        h.Health.Healthy = false;
        await h.CycleAsync();
        Assert.Null(h.Emulator.FindInstance(h.ServiceId, EmulatorRegistrationHarness.InstanceId));

        h.Health.Healthy = true;
        await h.CycleAsync();
        Assert.Equal(h.Service.OwnerToken, h.CurrentOwner());
    }

    // ---- What it costs -------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(EmulatedHealthCheck.Custom)]
    [InlineData(EmulatedHealthCheck.Route53)]
    [InlineData(EmulatedHealthCheck.None)]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task SteadyState_OneRevisionReadPerInterval_NoControlPlaneCall(EmulatedHealthCheck healthCheck)
    {
        await using var h = await EmulatorRegistrationHarness.StartAsync(healthCheck);
        await h.RegisteredAndSettledAsync();
        h.Emulator.ResetCounters();

        for (var i = 0; i < 20; i++)
        {
            await h.CycleAsync();
        }

        Assert.Equal(20, h.Emulator.GetCallCount("DiscoverInstancesRevision"));
        Assert.Equal(0, h.Emulator.GetCallCount("DiscoverInstances"));
        Assert.Equal(0, h.ControlPlaneCalls());
        Assert.Equal(20, h.Emulator.TotalCallCount);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task AnotherInstanceRegisters_OneNarrowedDataPlaneLook_NoControlPlaneCall()
    {
        await using var h = await EmulatorRegistrationHarness.StartAsync();
        await h.RegisteredAndSettledAsync();
        h.Emulator.ResetCounters();

        h.Emulator.RegisterInstance(h.ServiceId, "orders-2", new Dictionary<string, string>(StringComparer.Ordinal) { ["AWS_INSTANCE_IPV4"] = "127.0.0.3" });
        await h.CycleAsync();
        await h.CycleAsync();

        Assert.Equal(2, h.Emulator.GetCallCount("DiscoverInstancesRevision"));
        Assert.Equal(1, h.Emulator.GetCallCount("DiscoverInstances"));
        Assert.Equal(0, h.ControlPlaneCalls());
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task OursReportedUnhealthy_AnotherInstanceRegisters_StillRecognisedAsOurs()
    {
        // DiscoverInstances hides UNHEALTHY instances unless HealthStatus=ALL: ours must not look "gone".
        await using var h = await EmulatorRegistrationHarness.StartAsync();
        await h.RegisteredAndSettledAsync();
        h.Health.Healthy = false;
        await h.CycleAsync();
        Assert.Equal("UNHEALTHY", h.Emulator.FindInstance(h.ServiceId, EmulatorRegistrationHarness.InstanceId)!.HealthStatus);
        h.Emulator.ResetCounters();

        h.Emulator.RegisterInstance(h.ServiceId, "orders-2", new Dictionary<string, string>(StringComparer.Ordinal) { ["AWS_INSTANCE_IPV4"] = "127.0.0.3" });
        await h.CycleAsync();

        Assert.Equal(0, h.ControlPlaneCalls());
        Assert.Equal("UNHEALTHY", h.Emulator.FindInstance(h.ServiceId, EmulatorRegistrationHarness.InstanceId)!.HealthStatus);
    }

    // ---- When the watch cannot run -----------------------------------------------------------------------------------

    [Fact]
    public async Task RevisionReadRefused_WarnsOnce_AndCarriesOnAsBefore()
    {
        await using var h = await EmulatorRegistrationHarness.StartAsync();
        await h.RegisteredAndSettledAsync();
        h.Emulator.Faults.Script("DiscoverInstancesRevision", ScriptedFault.Error("AccessDeniedException", "User is not authorized to perform: servicediscovery:DiscoverInstancesRevision"), times: 100);
        h.Emulator.ResetCounters();

        h.Health.Healthy = false;
        await h.CycleAsync();
        await h.CycleAsync();

        Assert.Single(h.Logs.Collector.GetSnapshot(), r => r.Id.Id == 1070);
        Assert.True(h.Service.RevisionWatch!.IsDisabled);
        Assert.Equal(1, h.Emulator.GetCallCount("DiscoverInstancesRevision"));
        Assert.Equal(1, h.Emulator.GetCallCount("UpdateInstanceCustomHealthStatus"));
    }

    [Fact]
    public async Task RevisionReadFailsTransiently_PushesAsBefore_AndWatchesAgainNextCycle()
    {
        await using var h = await EmulatorRegistrationHarness.StartAsync();
        await h.RegisteredAndSettledAsync();
        h.Emulator.Faults.Script("DiscoverInstancesRevision", ScriptedFault.InternalFailure());
        h.Emulator.ResetCounters();

        h.Health.Healthy = false;
        await h.CycleAsync();
        await h.CycleAsync();

        Assert.Single(h.Logs.Collector.GetSnapshot(), r => r.Id.Id == 1071);
        Assert.False(h.Service.RevisionWatch!.IsDisabled);
        Assert.Equal(2, h.Emulator.GetCallCount("DiscoverInstancesRevision"));
        Assert.Equal(1, h.Emulator.GetCallCount("UpdateInstanceCustomHealthStatus"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    public async Task WithoutDiscoveryClient_ReportOnly_TakeoverNoticedByTheReassertVerification_NothingRegisteredOverIt()
    {
        await using var h = await EmulatorRegistrationHarness.StartAsync(
            EmulatedHealthCheck.Route53,
            withDiscovery: false,
            configure: o => o.Health.ReassertInterval = TimeSpan.FromMinutes(1));
        await h.RegisteredAndSettledAsync();
        h.ProcessBTakesOver();

        for (var i = 0; i < 6; i++)
        {
            await h.CycleAsync();
        }

        Assert.True(h.Service.Ledger.IsSuperseded);
        Assert.Single(h.Logs.Collector.GetSnapshot(), r => r.Id.Id == 1037);
        Assert.Equal(EmulatorRegistrationHarness.OwnerB, h.CurrentOwner());
    }

    [Fact]
    public async Task WithoutDiscoveryClient_NoDataPlaneCall()
    {
        await using var h = await EmulatorRegistrationHarness.StartAsync(withDiscovery: false);
        await h.RegisteredAndSettledAsync();
        h.Emulator.ResetCounters();

        await h.CycleAsync();

        Assert.Null(h.Service.RevisionWatch);
        Assert.Equal(0, h.Emulator.TotalCallCount);
    }
}
