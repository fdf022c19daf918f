// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal.Cleanup;

/// <summary>
/// Who watches whom, so that cost stays bounded as a service grows: the members (the instances that advertise proof of
/// life) are ordered by instance id (ordinal), and each instance watches the next <c>WatchedPeers</c> members after its
/// own id, wrapping around. Every instance computes the same ring from the same list, so with n members each one
/// watches min(k, n − 1) peers and is watched by as many: probes per instance stay k per sweep whatever n is.
/// </summary>
/// <remarks>
/// An instance places itself on the ring by its own id whether or not it advertises (an observer that cannot be
/// verified still watches; it is never watched). Instances that join or leave shift the watched sets of their
/// neighbours only.
/// </remarks>
internal static class PeerRing
{
    /// <summary>
    /// The members <paramref name="self"/> watches: its next <paramref name="count"/> successors on the ring of
    /// <paramref name="members"/> (itself excluded, duplicates ignored), nearest first.
    /// </summary>
    public static IReadOnlyList<string> Watched(IEnumerable<string> members, string self, int count)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(self);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var ring = members
            .Where(m => !string.Equals(m, self, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (ring.Count == 0 || count == 0)
        {
            return [];
        }

        // The first member after self (ordinal), wrapping to the start of the ring.
        var start = ring.FindIndex(m => string.CompareOrdinal(m, self) > 0);
        if (start < 0)
        {
            start = 0;
        }

        var watched = new List<string>(Math.Min(count, ring.Count));
        for (var i = 0; i < ring.Count && watched.Count < count; i++)
        {
            watched.Add(ring[(start + i) % ring.Count]);
        }

        return watched;
    }
}
