// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Internal.Cleanup;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Tests.Ownership;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Tests.Cleanup;

/// <summary>
/// The sweep against the emulator, one evidence kind and one safety rule per test (G7): what is removed, when, what is
/// never removed, and what it costs. The observer is <c>orders-1</c>; its ring successors are <c>orders-2</c>, <c>-3</c>, <c>-4</c>.
/// </summary>
public sealed class CleanupSweepTests
{
    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Refused_ThreeTimesOverTheSpanPastTheGrace_IsRemovedWithTheEvidenceLogged()
    {
        await using var s = await SweepHarness.StartAsync(h => AddThree(h));
        s.Prober.Set("orders-2", PeerProbeOutcome.Refused);

        // Seen first at sweep 1; gone at 1, 2, 3 (20 s of evidence), but within the 30 s grace until sweep 4.
        var first = await s.SweepAsync(3);
        Assert.All(first, o => Assert.Empty(o.Removed));
        Assert.True(s.IsRegistered("orders-2"));

        var fourth = await s.SweepAsync();

        Assert.Equal(["orders-2"], fourth.Removed);
        Assert.False(s.IsRegistered("orders-2"));
        Assert.True(s.IsRegistered("orders-3"));
        Assert.Equal(1, s.Emulator.GetCallCount("DeregisterInstance"));
        var removal = Assert.Single(s.H.Logs.Collector.GetEvents("CleanupRemoved"));
        Assert.Equal(LogLevel.Warning, removal.Level);
        Assert.Equal(1110, removal.Id.Id);
        Assert.Contains("'orders-2' (127.0.0.2:8080, owner owner-of…)", removal.Message, StringComparison.Ordinal);
        Assert.Contains("found gone 4 times (4 refused, 0 answered without its proof of life; last: connection refused)", removal.Message, StringComparison.Ordinal);
        Assert.Contains("(30 s)", removal.Message, StringComparison.Ordinal);
        Assert.Contains("last proof of life: never", removal.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Refused_TwiceThenAlive_IsNeverRemoved()
    {
        await using var s = await SweepHarness.StartAsync(h => AddThree(h));
        s.Prober.Set("orders-2", PeerProbeOutcome.Refused);
        await s.SweepAsync(2);

        s.Prober.Set("orders-2", PeerProbeOutcome.Alive);
        await s.SweepAsync();
        s.Prober.Set("orders-2", PeerProbeOutcome.Refused);
        var outcomes = await s.SweepAsync(2);

        Assert.All(outcomes, o => Assert.Empty(o.Removed));
        Assert.True(s.IsRegistered("orders-2"));
        Assert.Equal(2, s.Service.Evidence["orders-2"].GoneCount);
        Assert.NotNull(s.Service.Evidence["orders-2"].LastAliveAt);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Foreign_AnEchoOnTheDeadAddress_IsRemoved()
    {
        await using var s = await SweepHarness.StartAsync(h => AddThree(h));
        s.Prober.Set("orders-3", PeerProbeOutcome.Foreign);

        var outcomes = await s.SweepAsync(4);

        Assert.Equal(["orders-3"], outcomes[^1].Removed);
        Assert.False(s.IsRegistered("orders-3"));
        Assert.Contains("4 answered without its proof of life", Assert.Single(s.H.Logs.Collector.GetEvents("CleanupRemoved")).Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Unknown_AHundredTimes_IsNeverRemoved()
    {
        await using var s = await SweepHarness.StartAsync(h => AddThree(h));
        s.Prober.Set("orders-2", PeerProbeOutcome.Unknown);

        var outcomes = await s.SweepAsync(100);

        Assert.All(outcomes, o => Assert.Empty(o.Removed));
        Assert.True(s.IsRegistered("orders-2"));
        Assert.Equal(100, s.Service.Evidence["orders-2"].UnknownCount);
        Assert.Equal(0, s.Emulator.GetCallCount("DeregisterInstance"));
        Assert.Equal(0, s.Emulator.GetCallCount("GetInstance"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task PeerThatNeverAdvertised_IsNeverProbedNorRemoved()
    {
        await using var s = await SweepHarness.StartAsync(h =>
        {
            h.AddPeer("orders-2", advertise: false);
            h.AddPeer("orders-3", "127.0.0.3");
        });
        s.Prober.Default = PeerProbeOutcome.Refused;

        var outcomes = await s.SweepAsync(6);

        Assert.Equal(0, s.Prober.ProbesOf("orders-2"));
        Assert.True(s.IsRegistered("orders-2"));
        Assert.All(outcomes, o => Assert.DoesNotContain("orders-2", o.Watched));
        Assert.False(s.IsRegistered("orders-3")); // the advertising one beside it is judged as usual
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Partition_MoreThanHalfLookDead_HoldsThenReleases()
    {
        await using var s = await SweepHarness.StartAsync(h => AddThree(h));
        s.Prober.Default = PeerProbeOutcome.Refused; // every peer "gone": how the observer's own cut-off can look

        var held = await s.SweepAsync(6);

        Assert.All(held, o => Assert.True(o.Plan!.Held));
        Assert.Equal(3, held[^1].Plan!.Removable);
        Assert.Equal(0, s.Emulator.GetCallCount("DeregisterInstance"));
        Assert.True(s.Service.State.GetSnapshot().IsCleanupHeld);
        var warning = Assert.Single(s.H.Logs.Collector.GetEvents("CleanupHeld"));
        Assert.Equal(LogLevel.Warning, warning.Level);

        s.Prober.Default = PeerProbeOutcome.Alive;
        var released = await s.SweepAsync();

        Assert.False(released.Plan!.Held);
        Assert.False(s.Service.State.GetSnapshot().IsCleanupHeld);
        Assert.Equal(LogLevel.Information, Assert.Single(s.H.Logs.Collector.GetEvents("CleanupReleased")).Level);
        Assert.True(s.IsRegistered("orders-2") && s.IsRegistered("orders-3") && s.IsRegistered("orders-4"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Partition_AllTimingOut_HoldsAndRemovesNothing()
    {
        await using var s = await SweepHarness.StartAsync(h => AddThree(h));
        s.Prober.Default = PeerProbeOutcome.Unknown;

        var outcomes = await s.SweepAsync(5);

        Assert.All(outcomes, o => Assert.True(o.Plan!.Held));
        Assert.True(s.Service.State.GetSnapshot().IsCleanupHeld);
        Assert.Equal(0, s.Emulator.GetCallCount("DeregisterInstance"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task ObserverUnhealthy_CleansNothingAndProbesNothing()
    {
        await using var s = await SweepHarness.StartAsync(h => AddThree(h));
        s.Prober.Default = PeerProbeOutcome.Refused;
        s.H.Health.Healthy = false;
        await s.H.CycleAsync(); // the unhealthy threshold is 1 in this harness
        s.Emulator.ResetCounters();

        var outcomes = await s.SweepAsync(6);

        Assert.All(outcomes, o => Assert.Contains("not healthy", o.SkippedBecause, StringComparison.Ordinal));
        Assert.Empty(s.Prober.Probes);
        Assert.True(s.IsRegistered("orders-2"));
        Assert.Equal(0, s.Emulator.GetCallCount("DiscoverInstances"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    public async Task ObserverSuperseded_CleansNothing()
    {
        await using var s = await SweepHarness.StartAsync(h => AddThree(h));
        s.Prober.Default = PeerProbeOutcome.Refused;
        s.H.ProcessBTakesOver();
        await s.H.CycleAsync();

        var outcomes = await s.SweepAsync(6);

        Assert.All(outcomes, o => Assert.Contains("another process", o.SkippedBecause, StringComparison.Ordinal));
        Assert.Empty(s.Prober.Probes);
        Assert.Equal(0, s.Emulator.GetCallCount("DeregisterInstance"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    public async Task ReRegisteredId_OwnerTokenChangedBetweenJudgementAndRemoval_IsLeftAlone()
    {
        await using var s = await SweepHarness.StartAsync(h => AddThree(h));
        s.Prober.Set("orders-2", PeerProbeOutcome.Refused);
        await s.SweepAsync(3);

        // During the fourth sweep's probes (after its list was read), a new process registers orders-2 again.
        s.Prober.OnFirstProbeOf("orders-2", () => s.AddPeer("orders-2", owner: "restarted-process-owner"));
        var fourth = await s.SweepAsync();

        Assert.Empty(fourth.Removed);
        Assert.Equal(["orders-2"], fourth.LeftAlone);
        Assert.Equal(0, s.Emulator.GetCallCount("DeregisterInstance"));
        Assert.Equal("restarted-process-owner", s.Emulator.FindInstance(s.ServiceId, "orders-2")!.Attributes[RegistrationAttributes.OwnerKey]);
        Assert.Contains("registered again", Assert.Single(s.H.Logs.Collector.GetEvents("CleanupLeftAlone")).Message, StringComparison.Ordinal);

        // The new registration is judged afresh: first seen now, so the grace and the evidence start again.
        var next = await s.SweepAsync(3);
        Assert.All(next, o => Assert.Empty(o.Removed));
        Assert.Equal("restarted-process-owner", s.Service.Evidence["orders-2"].Target.OwnerToken);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task AddressChangedBetweenJudgementAndRemoval_IsLeftAlone()
    {
        await using var s = await SweepHarness.StartAsync(h => AddThree(h));
        s.Prober.Set("orders-2", PeerProbeOutcome.Refused);
        await s.SweepAsync(3);

        s.Prober.OnFirstProbeOf("orders-2", () => s.AddPeer("orders-2", address: "127.0.0.9")); // same owner token, another address
        var fourth = await s.SweepAsync();

        Assert.Equal(["orders-2"], fourth.LeftAlone);
        Assert.Equal(0, s.Emulator.GetCallCount("DeregisterInstance"));
        Assert.Equal("127.0.0.9", s.Emulator.FindInstance(s.ServiceId, "orders-2")!.Attributes[RegistrationAttributes.Ipv4Key]);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task AlreadyRemovedByAnotherWatcher_IsForgottenWithoutADeregistration()
    {
        await using var s = await SweepHarness.StartAsync(h => AddThree(h));
        s.Prober.Set("orders-2", PeerProbeOutcome.Refused);
        await s.SweepAsync(3);

        s.Prober.OnFirstProbeOf("orders-2", () => s.Emulator.DeregisterInstance(s.ServiceId, "orders-2"));
        var fourth = await s.SweepAsync();

        Assert.Equal(["orders-2"], fourth.LeftAlone);
        Assert.Equal(0, s.Emulator.GetCallCount("DeregisterInstance"));
        Assert.False(s.Service.Evidence.ContainsKey("orders-2"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task SingleInstanceReplacement_PredecessorDead_IsRemovedOnceTheReplacementIsReadyPlusTheGrace()
    {
        // The predecessor ran as orders-0 at another address and died; the replacement (the observer, orders-1) comes up.
        await using var s = await SweepHarness.StartAsync(h => h.AddPeer("orders-0", "127.0.0.5", 9090));
        s.Prober.Set("orders-0", PeerProbeOutcome.Refused);

        var outcomes = await s.SweepAsync(4);

        Assert.All(outcomes, o => Assert.Equal(["orders-0"], o.Watched));
        Assert.All(outcomes, o => Assert.False(o.Plan!.Held)); // 1 dead of 1 watched + itself is not more than half
        Assert.All(outcomes.Take(3), o => Assert.Empty(o.Removed));
        Assert.Equal(["orders-0"], outcomes[3].Removed);
        Assert.False(s.IsRegistered("orders-0"));
        Assert.True(s.IsRegistered(EmulatorRegistrationHarness.InstanceId));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Cap_FiveDeadOfTenWatchedInAServiceOfTwelve_RemovesOnePerSweep()
    {
        await using var s = await SweepHarness.StartAsync(
            h =>
            {
                for (var i = 2; i <= 12; i++)
                {
                    h.AddPeer("orders-" + i.ToString("00", System.Globalization.CultureInfo.InvariantCulture), "127.0.0." + i);
                }
            },
            o => o.Cleanup.WatchedPeers = 10);
        foreach (var dead in new[] { "orders-02", "orders-03", "orders-04", "orders-05", "orders-06" })
        {
            s.Prober.Set(dead, PeerProbeOutcome.Refused);
        }

        var outcomes = await s.SweepAsync(8);

        // 12 instances × 0.1 → at most 1 per sweep: from sweep 4 on, one each time.
        Assert.Equal([0, 0, 0, 1, 1, 1, 1, 1], outcomes.Select(o => o.Removed.Count));
        Assert.Equal(5, s.Emulator.GetCallCount("DeregisterInstance"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task Cost_DiscoverInstancesOnlyWhenTheRevisionChanged_RevisionReadSharedWithTheHealthCycle()
    {
        await using var s = await SweepHarness.StartAsync(h => AddThree(h));
        await s.SweepAsync();

        // The first listing counts as a move: past its settle time the service is no longer listed on every sweep.
        s.H.Time.Advance(ServiceRevisionWatch.ListFollowUps[^1] + SweepHarness.Interval);
        await s.Service.RunCleanupSweepAsync(TestContext.Current.CancellationToken);
        s.Emulator.ResetCounters();

        // Ten intervals, each one health cycle and one sweep, as the loop runs them: the service does not change.
        for (var i = 0; i < 10; i++)
        {
            s.H.Time.Advance(SweepHarness.Interval);
            await s.Service.RunHealthCycleAsync(TestContext.Current.CancellationToken);
            await s.Service.RunCleanupSweepAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(10, s.Emulator.GetCallCount("DiscoverInstancesRevision"));
        Assert.Equal(0, s.Emulator.GetCallCount("DiscoverInstances"));
        Assert.Equal(0, s.H.ControlPlaneCalls());
        Assert.Equal(30, s.Prober.Probes.Count - 6); // 3 watched peers per sweep (6 more from the two sweeps before)

        // A new peer registers: the revision moves, the next sweep lists the service, and again once 10 s and once 30 s
        // after the move (Cloud Map moves the revision when RegisterInstance is accepted, but lists the instance only
        // once its operation finished: a listing in between misses it); after that, no more until the next change.
        s.AddPeer("orders-5", "127.0.0.6");
        s.H.Time.Advance(SweepHarness.Interval);
        for (var i = 0; i < 6; i++)
        {
            await s.Service.RunCleanupSweepAsync(TestContext.Current.CancellationToken);
            s.H.Time.Advance(SweepHarness.Interval);
        }

        var listed = s.Emulator.GetRequestLog().Where(r => r.Operation == "DiscoverInstances").ToList();
        var expected = 1 + ServiceRevisionWatch.ListFollowUps.Count; // at the move, then once at each follow-up (10 s, 30 s)
        Assert.Equal(expected, listed.Count);
    }

    private static void AddThree(SweepHarness h)
    {
        h.AddPeer("orders-2", "127.0.0.2");
        h.AddPeer("orders-3", "127.0.0.3");
        h.AddPeer("orders-4", "127.0.0.4");
    }
}
