// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal.Cleanup;

/// <summary>How this instance's own registration stands, as far as cleanup cares.</summary>
/// <param name="IsConfirmed">The registration's operation succeeded and it has not been lost since.</param>
/// <param name="IsSuperseded">Another process registered the same instance id over ours.</param>
/// <param name="IsHealthy">The running health (after thresholds) is healthy.</param>
internal readonly record struct CleanupObserver(bool IsConfirmed, bool IsSuperseded, bool IsHealthy);

/// <summary>What one sweep decided from the evidence: the registrations to remove, or a hold.</summary>
/// <param name="Held">More than half of the watched peers (plus this instance) look dead at once: nothing is removed.</param>
/// <param name="LookingDead">How many watched peers look dead (their last probe did not prove life).</param>
/// <param name="Watched">How many peers were judged.</param>
/// <param name="Removable">How many have enough evidence (before the cap and the hold).</param>
/// <param name="Cap">The most this sweep may remove.</param>
/// <param name="Removals">The registrations to remove (after re-checking each one), oldest evidence first.</param>
internal sealed record CleanupPlan(bool Held, int LookingDead, int Watched, int Removable, int Cap, IReadOnlyList<PeerEvidence> Removals);

/// <summary>
/// Every safety rule of crash cleanup, pure: who may clean up at all, when nothing is removed (self-preservation), and
/// what one sweep removes at most. The sweep loop only gathers evidence, asks here, and re-checks each removal against
/// Cloud Map right before it (G4).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Only an observer whose own registration is confirmed, ours and healthy cleans up (<see cref="WhyNotObserving"/>):
/// an instance that is itself failing, or whose id another process took over, may be the one that is wrong, and it
/// never leaves the service without an instance that looks alive (it is one, and it stays).</item>
/// <item>Self-preservation: when more than half of the watched peers plus the observer look dead at once
/// (<see cref="PeerEvidence.LooksDead"/>, unknown outcomes included), the observer assumes it is the one cut off and
/// removes nothing in that sweep.</item>
/// <item>At most max(1, floor(<see cref="CleanupRules.MaxRemovalShare"/> × instances in the service)) per sweep
/// (<see cref="MaxRemovals"/>).</item>
/// <item>Each removal needs the evidence of <see cref="PeerEvidence.IsRemovable"/>: positive evidence only, several
/// times, over a minimum span, past a startup grace, with no proof of life since. Platform evidence (ECS, EC2) comes
/// first: a peer the platform says is alive is never removed nor counted as looking dead; one it said is dead
/// <see cref="CleanupRules.PlatformConfirmations"/> times in a row is removable past the grace and counts as looking
/// dead (so self-preservation and the cap still apply to it).</item>
/// </list>
/// </remarks>
internal static class CleanupPlanner
{
    /// <summary>Why <paramref name="observer"/> may not clean up now, or <see langword="null"/> when it may.</summary>
    public static string? WhyNotObserving(CleanupObserver observer) =>
        observer.IsSuperseded ? "this instance's id is registered by another process"
        : !observer.IsConfirmed ? "this instance's registration is not confirmed"
        : !observer.IsHealthy ? "this instance is not healthy"
        : null;

    /// <summary>The most one sweep removes in a service of <paramref name="serviceInstances"/> instances: at least one.</summary>
    public static int MaxRemovals(int serviceInstances, double share) =>
        Math.Max(1, (int)Math.Floor(share * Math.Max(0, serviceInstances)));

    /// <summary>Whether <paramref name="lookingDead"/> of <paramref name="watched"/> peers trip self-preservation (the observer counts as one more, alive).</summary>
    public static bool IsHeld(int lookingDead, int watched) => lookingDead * 2 > watched + 1;

    /// <summary>Plans one sweep over the evidence of the watched peers.</summary>
    public static CleanupPlan Plan(IReadOnlyCollection<PeerEvidence> watched, int serviceInstances, CleanupRules rules, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(watched);
        ArgumentNullException.ThrowIfNull(rules);
        var lookingDead = watched.Count(e => e.LooksDead);
        var removable = watched
            .Where(e => e.IsRemovable(rules, now))
            .OrderBy(e => e.EvidenceSince)
            .ThenBy(e => e.InstanceId, StringComparer.Ordinal)
            .ToList();
        var cap = MaxRemovals(serviceInstances, rules.MaxRemovalShare);
        var held = IsHeld(lookingDead, watched.Count);
        return new CleanupPlan(held, lookingDead, watched.Count, removable.Count, cap, held ? [] : removable.Take(cap).ToList());
    }
}
