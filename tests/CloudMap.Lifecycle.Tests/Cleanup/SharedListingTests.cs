// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Tests.Fakes;

namespace CloudMap.Lifecycle.Tests.Cleanup;

/// <summary>
/// The ownership check and the cleanup sweep read one listing of the service after a revision move (the rule of when
/// to list lives in <see cref="ServiceRevisionWatch"/>): a move costs one DiscoverInstances, not a narrowed one for the
/// ownership check plus a full one for the sweep.
/// </summary>
public sealed class SharedListingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    public async Task RevisionMoved_HealthCycleThenSweep_OneDiscoverInstancesServesBoth()
    {
        await using var s = await SweepHarness.StartAsync(h =>
        {
            h.AddPeer("orders-2", "127.0.0.2");
            h.AddPeer("orders-3", "127.0.0.3");
        });
        await s.SweepAsync();
        s.H.Time.Advance(ServiceRevisionWatch.ListFollowUps[^1] + SweepHarness.Interval);
        await s.Service.RunCleanupSweepAsync(Ct);
        s.Emulator.ResetCounters();

        // A peer registers: the revision moves. The health cycle's ownership check and the sweep both look.
        s.AddPeer("orders-4", "127.0.0.4");
        s.H.Time.Advance(SweepHarness.Interval);
        Assert.Equal(OwnershipVerdict.Ours, await s.Service.CheckOwnershipAsync(Ct));
        var outcome = await s.Service.RunCleanupSweepAsync(Ct);

        Assert.Equal(1, s.Emulator.GetCallCount("DiscoverInstances"));
        Assert.Contains("orders-4", outcome.Watched);
        Assert.Equal(0, s.Emulator.GetCallCount("GetInstance"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    public async Task RevisionMoved_OurEntryTakenOver_TheSharedListingStillTellsTheOwnershipCheck()
    {
        await using var s = await SweepHarness.StartAsync(h => h.AddPeer("orders-2", "127.0.0.2"));
        await s.SweepAsync();

        s.H.ProcessBTakesOver();
        s.H.Time.Advance(SweepHarness.Interval);
        await s.Service.RunCleanupSweepAsync(Ct); // lists first: the ownership check takes the same listing

        Assert.Equal(OwnershipVerdict.Superseded, await s.Service.CheckOwnershipAsync(Ct));
        Assert.Equal(EmulatorRegistrationHarnessOwner, s.H.CurrentOwner());
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task Throttled_NamespaceNotLookedUpYet_SweepWaits_NoListNamespacesUntilNoLongerThrottled()
    {
        ThrottleSwitchClient? client = null;
        await using var s = await SweepHarness.StartAsync(
            h => h.AddPeer("orders-2", "127.0.0.2"),
            wrapClient: inner => client = new ThrottleSwitchClient(inner) { ThrottledRecently = true });
        s.Emulator.ResetCounters();

        var outcome = await s.Service.RunCleanupSweepAsync(Ct);
        Assert.Equal("throttled", outcome.SkippedBecause);
        Assert.Equal(0, s.Emulator.GetCallCount("ListNamespaces"));
        Assert.Equal(0, s.Emulator.GetCallCount("DiscoverInstancesRevision"));

        client!.ThrottledRecently = false;
        outcome = await s.Service.RunCleanupSweepAsync(Ct);
        Assert.Null(outcome.SkippedBecause);
        Assert.Equal(1, s.Emulator.GetCallCount("ListNamespaces"));
    }

    private const string EmulatorRegistrationHarnessOwner = Ownership.EmulatorRegistrationHarness.OwnerB;
}
