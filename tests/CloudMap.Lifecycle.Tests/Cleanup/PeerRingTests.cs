// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal.Cleanup;
using CloudMap.Lifecycle.TestInfrastructure;

namespace CloudMap.Lifecycle.Tests.Cleanup;

/// <summary>The ring: each instance watches a few successors by instance id, each is watched by as many (bounded cost, G7).</summary>
public sealed class PeerRingTests
{
    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Watched_TenMembers_EachWatchesThreeAndIsWatchedByThree()
    {
        var members = Enumerable.Range(0, 10).Select(i => "i-" + i).Reverse().ToList();

        var watchers = members.ToDictionary(m => m, _ => 0, StringComparer.Ordinal);
        foreach (var self in members)
        {
            var watched = PeerRing.Watched(members, self, 3);
            Assert.Equal(3, watched.Count);
            Assert.DoesNotContain(self, watched);
            foreach (var peer in watched)
            {
                watchers[peer]++;
            }
        }

        Assert.All(watchers.Values, count => Assert.Equal(3, count));
    }

    [Fact]
    public void Watched_IsTheNextSuccessorsByOrdinalId_WrappingAround()
    {
        string[] members = ["b", "d", "a", "c", "e"];

        Assert.Equal(["c", "d", "e"], PeerRing.Watched(members, "b", 3));
        Assert.Equal(["a", "b", "c"], PeerRing.Watched(members, "e", 3));
        Assert.Equal(["B", "a"], PeerRing.Watched(["a", "B"], "A", 3)); // ordinal: upper case sorts first
    }

    [Fact]
    public void Watched_SelfNotAdvertising_IsPlacedByItsOwnId()
    {
        string[] members = ["a", "c", "e"];

        Assert.Equal(["c", "e"], PeerRing.Watched(members, "b", 2));
        Assert.Equal(["a", "c"], PeerRing.Watched(members, "z", 2));
    }

    [Fact]
    public void Watched_FewerPeersThanWatchedPeers_WatchesAllOthersOnce()
    {
        Assert.Equal(["old"], PeerRing.Watched(["new", "old"], "new", 3));
        Assert.Empty(PeerRing.Watched(["only"], "only", 3));
        Assert.Empty(PeerRing.Watched([], "self", 3));
    }
}
