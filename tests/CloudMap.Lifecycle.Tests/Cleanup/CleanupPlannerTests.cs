// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal.Cleanup;
using CloudMap.Lifecycle.TestInfrastructure;
using static CloudMap.Lifecycle.Tests.Cleanup.PeerEvidenceTests;

namespace CloudMap.Lifecycle.Tests.Cleanup;

/// <summary>The safety rules, pure: who may clean up, self-preservation, the cap per sweep (G7).</summary>
public sealed class CleanupPlannerTests
{
    [Theory]
    [InlineData(true, false, true, null)]
    [InlineData(false, false, true, "not confirmed")]
    [InlineData(true, true, true, "another process")]
    [InlineData(false, true, true, "another process")]
    [InlineData(true, false, false, "not healthy")]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void WhyNotObserving_OnlyAConfirmedOwnHealthyRegistrationCleansUp(bool confirmed, bool superseded, bool healthy, string? reason)
    {
        var why = CleanupPlanner.WhyNotObserving(new CleanupObserver(confirmed, superseded, healthy));

        if (reason is null)
        {
            Assert.Null(why);
        }
        else
        {
            Assert.Contains(reason, why, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(1, 0.1, 1)]
    [InlineData(3, 0.1, 1)]
    [InlineData(19, 0.1, 1)]
    [InlineData(20, 0.1, 2)]
    [InlineData(40, 0.1, 4)]
    [InlineData(1000, 0.1, 100)]
    [InlineData(10, 1.0, 10)]
    [InlineData(0, 0.1, 1)]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void MaxRemovals_IsTheShareOfTheServiceRoundedDown_AtLeastOne(int instances, double share, int expected) =>
        Assert.Equal(expected, CleanupPlanner.MaxRemovals(instances, share));

    [Theory]
    [InlineData(1, 1, false)] // a single-instance replacement and its dead predecessor: 1 of 2 is not more than half
    [InlineData(2, 2, true)]
    [InlineData(1, 2, false)]
    [InlineData(2, 3, false)] // 2 of 4 (3 watched + self) is half, not more
    [InlineData(3, 3, true)]
    [InlineData(5, 10, false)]
    [InlineData(6, 10, true)]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void IsHeld_MoreThanHalfOfWatchedPlusSelfLookDead(int lookingDead, int watched, bool held) =>
        Assert.Equal(held, CleanupPlanner.IsHeld(lookingDead, watched));

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Plan_PartitionMoreThanHalfLookDead_HoldsEvenWithFullEvidence()
    {
        var watched = new[] { Dead("a"), Dead("b"), Timeouts("c") };

        var plan = CleanupPlanner.Plan(watched, serviceInstances: 4, Defaults, At(100));

        Assert.True(plan.Held);
        Assert.Equal(3, plan.LookingDead);
        Assert.Equal(2, plan.Removable);
        Assert.Empty(plan.Removals);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Plan_OneDeadOfThreeWatched_RemovesIt()
    {
        var watched = new[] { Dead("a"), Alive("b"), Alive("c") };

        var plan = CleanupPlanner.Plan(watched, serviceInstances: 4, Defaults, At(100));

        Assert.False(plan.Held);
        Assert.Equal("a", Assert.Single(plan.Removals).InstanceId);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Plan_UnknownOnly_RemovesNothing()
    {
        var watched = new[] { Timeouts("a"), Alive("b"), Alive("c") };

        var plan = CleanupPlanner.Plan(watched, serviceInstances: 4, Defaults, At(100));

        Assert.False(plan.Held);
        Assert.Empty(plan.Removals);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Plan_FiveDeadOfTenWatchedInFortyInstances_RemovesFourThisSweep()
    {
        var rules = Defaults with { WatchedPeers = 10 };
        var watched = Enumerable.Range(0, 10).Select(i => i < 5 ? Dead("d" + i, firstGone: 30 + i) : Alive("a" + i)).ToList();

        var plan = CleanupPlanner.Plan(watched, serviceInstances: 40, rules, At(100));

        Assert.False(plan.Held);
        Assert.Equal(5, plan.Removable);
        Assert.Equal(4, plan.Cap);
        Assert.Equal(["d0", "d1", "d2", "d3"], plan.Removals.Select(e => e.InstanceId));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Plan_TwentyDeadOfForty_AtMostFourPerSweep()
    {
        // One observer cannot watch 20 peers; with every rule but the cap out of the way, the cap alone decides.
        var rules = Defaults with { MaxRemovalShare = 0.1 };
        var dead = Enumerable.Range(0, 20).Select(i => Dead("d" + i.ToString("00", System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var alive = Enumerable.Range(0, 20).Select(i => Alive("a" + i)).ToList();

        var removedPerSweep = new List<int>();
        var remaining = dead.ToList();
        while (remaining.Count > 0)
        {
            var plan = CleanupPlanner.Plan(remaining.Concat(alive).ToList(), serviceInstances: remaining.Count + alive.Count, rules, At(100));
            removedPerSweep.Add(plan.Removals.Count);
            remaining.RemoveAll(plan.Removals.Contains);
        }

        Assert.Equal([4, 3, 3, 3, 2, 2, 2, 1], removedPerSweep); // floor(0.1 × instances left), at least 1
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Plan_PeerNeverProbed_DoesNotLookDead()
    {
        var watched = new[] { Seen(T0, "a"), Seen(T0, "b") };

        var plan = CleanupPlanner.Plan(watched, serviceInstances: 3, Defaults, At(100));

        Assert.Equal(0, plan.LookingDead);
        Assert.False(plan.Held);
    }

    private static PeerEvidence Dead(string id, int firstGone = 30)
    {
        var evidence = Seen(T0, id);
        Probe(evidence, PeerProbeOutcome.Refused, firstGone, firstGone + 10, firstGone + 20);
        return evidence;
    }

    private static PeerEvidence Alive(string id)
    {
        var evidence = Seen(T0, id);
        Probe(evidence, PeerProbeOutcome.Alive, 30, 40, 50);
        return evidence;
    }

    private static PeerEvidence Timeouts(string id)
    {
        var evidence = Seen(T0, id);
        Probe(evidence, PeerProbeOutcome.Unknown, 30, 40, 50);
        return evidence;
    }
}
