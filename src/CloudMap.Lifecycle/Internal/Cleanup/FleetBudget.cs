// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text;

namespace CloudMap.Lifecycle.Internal.Cleanup;

/// <summary>
/// The fleet-wide side of crash cleanup's safety rules, pure. Every observer caps its own removals per sweep
/// (<see cref="CleanupPlanner.MaxRemovals"/>), but an instance is watched by several observers and each observer
/// watches only a few: without more, the fleet as a whole could remove every dead-looking instance in one sweep, and
/// an observer that sees one of its three peers dead cannot tell one crash from half the service gone.
/// </summary>
/// <remarks>
/// <para>
/// Confirmation: an observer with a watched peer that looks dead also probes a wider sample of the ring
/// (<see cref="ConfirmationSample"/>: the next <see cref="MaxConfirmationProbes"/> members after its watched ones, so
/// every member in a service of up to 100 instances); if more than half of everything it probed looks dead, it holds
/// (self-preservation judged over the service, not over three peers).
/// </para>
/// <para>
/// Budget: time is cut into epochs of one probe interval (<see cref="Epoch"/>, from the clock, common to the fleet).
/// In each epoch the instances found gone are ranked by a hash of (epoch, instance id), the same on every observer, and
/// only the first max(1, floor(<c>MaxRemovalShare</c> × instances)) may be removed in that epoch (<see cref="Batch"/>):
/// observers that see the same gone set pick the same batch, so the fleet removes at most that many distinct instances
/// per epoch, however many observers act. The ranking changes every epoch, so a gone instance nobody can remove yet
/// never blocks the others. The cap comes from the service as listed now, while the instances that left the listing
/// during the epoch keep their rank: a removal by another observer shrinks the service (and maybe the cap) but never
/// lets a lower-ranked instance into the batch, so whatever order the observers sweep and list in, everything removed
/// in an epoch is among the first cap of the gone set as it stood when the epoch began. When the observer sampled only
/// part of the ring, its batch is scaled to the part it saw.
/// </para>
/// <para>
/// What it needs: observers' views of the service agree (they read the same listing) and their clocks agree to well
/// under an epoch (NTP). Views that differ during churn, or an epoch boundary between two observers' clocks, can let
/// through up to one extra batch; beyond 100 instances the bound holds in expectation, not strictly.
/// </para>
/// </remarks>
internal static class FleetBudget
{
    /// <summary>The most members an observer probes to confirm what its watched peers suggest: 100.</summary>
    public const int MaxConfirmationProbes = 100;

    /// <summary>How many confirmation probes run at once.</summary>
    public const int ConfirmationConcurrency = 16;

    /// <summary>The epoch <paramref name="now"/> falls in: whole probe intervals since 0001-01-01 UTC.</summary>
    public static long Epoch(DateTimeOffset now, TimeSpan probeInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(probeInterval, TimeSpan.Zero);
        return now.UtcTicks / probeInterval.Ticks;
    }

    /// <summary>The members probed to confirm: the next <paramref name="max"/> members on the ring after the watched ones.</summary>
    public static IReadOnlyList<string> ConfirmationSample(IEnumerable<string> members, string self, int watched, int max) =>
        PeerRing.Watched(members, self, watched + max).Skip(watched).ToList();

    /// <summary>Whether what one observer probed, beyond its watched peers, says it is the one cut off: more than half look dead (the observer counts as one more, alive).</summary>
    public static bool IsHeld(int lookingDead, int probed) => CleanupPlanner.IsHeld(lookingDead, probed);

    /// <summary>
    /// The gone instances that may be removed in <paramref name="epoch"/>: the first
    /// max(1, floor(<paramref name="cap"/> × <paramref name="viewed"/> / <paramref name="ringSize"/>)) of
    /// <paramref name="gone"/> in the epoch's ranking.
    /// </summary>
    /// <param name="gone">Every instance this observer found gone (watched, sampled, or left the listing this epoch).</param>
    /// <param name="epoch">The epoch (<see cref="Epoch"/>).</param>
    /// <param name="cap">The fleet's cap per epoch: max(1, floor(share × instances)).</param>
    /// <param name="viewed">How many ring members this observer's view covers (itself included).</param>
    /// <param name="ringSize">How many members the ring has (itself included).</param>
    public static IReadOnlySet<string> Batch(IEnumerable<string> gone, long epoch, int cap, int viewed, int ringSize)
    {
        ArgumentNullException.ThrowIfNull(gone);
        var share = ringSize <= 0 ? 1.0 : Math.Min(1.0, (double)viewed / ringSize);
        var size = Math.Max(1, (int)Math.Floor((cap * share) + 1e-9));
        return gone
            .Distinct(StringComparer.Ordinal)
            .OrderBy(id => Rank(epoch, id))
            .ThenBy(id => id, StringComparer.Ordinal)
            .Take(size)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>FNV-1a (64 bit) of the epoch and the instance id: the same on every observer (unlike <see cref="string.GetHashCode()"/>).</summary>
    internal static ulong Rank(long epoch, string instanceId)
    {
        const ulong offset = 14695981039346656037;
        const ulong prime = 1099511628211;
        var hash = offset;
        for (var i = 0; i < 8; i++)
        {
            hash = (hash ^ (byte)(epoch >> (8 * i))) * prime;
        }

        foreach (var b in Encoding.UTF8.GetBytes(instanceId))
        {
            hash = (hash ^ b) * prime;
        }

        return hash;
    }
}
