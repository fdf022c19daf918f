// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Platform;

namespace CloudMap.Lifecycle.Internal.Cleanup;

/// <summary>
/// What this observer has seen of one peer registration (one instance id with one owner token at one address and
/// port): when it first appeared, the probes since its last proof of life, and the last outcome. Pure: every time is
/// given by the caller (from its <see cref="TimeProvider"/>), so the rules are tested without a clock.
/// </summary>
/// <remarks>
/// Only <see cref="PeerProbeOutcome.Refused"/> and <see cref="PeerProbeOutcome.Foreign"/> count as "gone"; an
/// <see cref="PeerProbeOutcome.Unknown"/> outcome is counted apart and never adds to the evidence (nor clears it); an
/// <see cref="PeerProbeOutcome.Alive"/> outcome clears every count, so the evidence always starts after the latest
/// proof of life. A registration whose owner token, address or port changes is another registration: it gets a new
/// <see cref="PeerEvidence"/> (see <see cref="Matches"/>).
/// </remarks>
internal sealed class PeerEvidence(PeerTarget target, DateTimeOffset firstSeen)
{
    /// <summary>Gets the registration judged.</summary>
    public PeerTarget Target { get; } = target;

    /// <summary>Gets the instance id.</summary>
    public string InstanceId => Target.InstanceId;

    /// <summary>Gets when this observer first saw the registration.</summary>
    public DateTimeOffset FirstSeen { get; } = firstSeen;

    /// <summary>Gets how many probes found the registered process gone since its last proof of life.</summary>
    public int GoneCount { get; private set; }

    /// <summary>Gets how many of <see cref="GoneCount"/> were refused connections.</summary>
    public int RefusedCount { get; private set; }

    /// <summary>Gets how many of <see cref="GoneCount"/> were answers without the proof.</summary>
    public int ForeignCount { get; private set; }

    /// <summary>Gets how many probes since the last proof of life told nothing (timeouts, unreachable).</summary>
    public int UnknownCount { get; private set; }

    /// <summary>Gets when the first probe counted in <see cref="GoneCount"/> ended.</summary>
    public DateTimeOffset? FirstGoneAt { get; private set; }

    /// <summary>Gets when the last probe counted in <see cref="GoneCount"/> ended.</summary>
    public DateTimeOffset? LastGoneAt { get; private set; }

    /// <summary>Gets a value indicating whether the removal (when <see cref="IsRemovable"/>) rests on the platform's word rather than on the probes.</summary>
    public bool IsRemovableByPlatform(CleanupRules rules) => IsPlatformDead && PlatformDeadCount >= rules.PlatformConfirmations;

    /// <summary>Gets when the registration last proved life, or <see langword="null"/> when this observer never saw it do so.</summary>
    public DateTimeOffset? LastAliveAt { get; private set; }

    /// <summary>Gets the outcome of the last probe, or <see langword="null"/> before the first.</summary>
    public PeerProbeOutcome? LastOutcome { get; private set; }

    /// <summary>Gets what the last probe saw (loggable, never a secret).</summary>
    public string? LastDetail { get; private set; }

    /// <summary>
    /// Gets or sets the platform resources the registration names (from its attributes), or <see langword="null"/> when
    /// it names none; set by the sweep from the listing.
    /// </summary>
    public PlatformIdentity? Platform { get; set; }

    /// <summary>Gets the last platform verdict, or <see langword="null"/> when the platform was never asked.</summary>
    public PlatformVerdict? LastPlatformVerdict { get; private set; }

    /// <summary>Gets how many platform answers since the last sign of life (unknown ones skipped) said the registered process is gone.</summary>
    public int PlatformDeadCount { get; private set; }

    /// <summary>Gets when the first of <see cref="PlatformDeadCount"/> came.</summary>
    public DateTimeOffset? PlatformDeadSince { get; private set; }

    /// <summary>Gets when the platform last said the registration is alive, or <see langword="null"/>.</summary>
    public DateTimeOffset? PlatformAliveAt { get; private set; }

    /// <summary>Gets a value indicating whether the latest platform answer said "alive".</summary>
    public bool IsPlatformAlive => LastPlatformVerdict is { State: PlatformState.Alive };

    /// <summary>Gets a value indicating whether the platform evidence (not the probes) makes the registration removable once the grace is over.</summary>
    public bool IsPlatformDead => LastPlatformVerdict is { State: PlatformState.Dead };

    /// <summary>Gets when the evidence of death began: the first gone probe or the first dead platform answer, whichever came first.</summary>
    public DateTimeOffset? EvidenceSince => FirstGoneAt is { } gone && PlatformDeadSince is { } dead ? (gone < dead ? gone : dead) : FirstGoneAt ?? PlatformDeadSince;

    /// <summary>Gets the time between the first and the last probe that found the process gone.</summary>
    public TimeSpan GoneSpan => FirstGoneAt is { } first && LastGoneAt is { } last ? last - first : TimeSpan.Zero;

    /// <summary>
    /// Gets a value indicating whether the peer looks dead right now (its last probe did not prove life): what the
    /// self-preservation rule counts. Unknown counts here, unlike in the evidence: many timeouts at once are how a
    /// partition of the observer looks.
    /// </summary>
    /// <remarks>The platform outranks the probes: a peer the platform says is alive never looks dead, one it says is dead always does.</remarks>
    public bool LooksDead => IsGone || (!IsPlatformAlive && LastOutcome is PeerProbeOutcome.Unknown);

    /// <summary>
    /// Gets a value indicating whether there is positive evidence right now that the registered process is not there:
    /// the platform says it is dead, or the last probe was refused or answered without the proof and the platform does
    /// not say it is alive. What the fleet batch ranks (see <see cref="FleetBudget"/>): unlike <see cref="LooksDead"/>, a
    /// probe that told nothing is no evidence, and a peer the platform reports running never takes a dead one's place.
    /// </summary>
    public bool IsGone => !IsPlatformAlive
        && (IsPlatformDead || LastOutcome is PeerProbeOutcome.Refused or PeerProbeOutcome.Foreign);

    /// <summary>Whether <paramref name="target"/> is the same registration (instance id, owner token, address and port).</summary>
    public bool Matches(PeerTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return string.Equals(target.InstanceId, Target.InstanceId, StringComparison.Ordinal)
            && string.Equals(target.OwnerToken, Target.OwnerToken, StringComparison.Ordinal)
            && target.Address.Equals(Target.Address)
            && target.Port == Target.Port;
    }

    /// <summary>Whether an instance read back from Cloud Map is still this registration: same owner token, address and port.</summary>
    public bool IsStill(string? ownerToken, IPAddress? address, int? port) =>
        string.Equals(ownerToken, Target.OwnerToken, StringComparison.Ordinal)
        && address is not null && address.Equals(Target.Address)
        && port == Target.Port;

    /// <summary>Adds one probe's outcome, ended at <paramref name="at"/>.</summary>
    public void Record(PeerProbeResult result, DateTimeOffset at)
    {
        LastOutcome = result.Outcome;
        LastDetail = result.Detail;
        switch (result.Outcome)
        {
            case PeerProbeOutcome.Alive:
                LastAliveAt = at;
                GoneCount = RefusedCount = ForeignCount = UnknownCount = 0;
                FirstGoneAt = LastGoneAt = null;

                // A proof of life is cryptographic: it vetoes a platform answer that says the process is gone (such an
                // answer is then about another resource: a wrong cluster or region in the attributes).
                PlatformDeadCount = 0;
                PlatformDeadSince = null;
                break;
            case PeerProbeOutcome.Refused or PeerProbeOutcome.Foreign:
                GoneCount++;
                if (result.Outcome == PeerProbeOutcome.Refused)
                {
                    RefusedCount++;
                }
                else
                {
                    ForeignCount++;
                }

                FirstGoneAt ??= at;
                LastGoneAt = at;
                break;
            default:
                UnknownCount++;
                break;
        }
    }

    /// <summary>
    /// Adds one platform answer, come at <paramref name="at"/>. <see cref="PlatformState.Alive"/> clears the evidence of
    /// the probes (as a proof of life does: the platform outranks them) and of the platform; <see cref="PlatformState.Dead"/>
    /// adds to <see cref="PlatformDeadCount"/>; <see cref="PlatformState.Unknown"/> (a failed call, a state that proves
    /// nothing) neither adds nor clears the counts, and ends the standing of the earlier verdict: until the platform
    /// tells something again, the probes decide.
    /// </summary>
    public void RecordPlatform(PlatformVerdict verdict, DateTimeOffset at)
    {
        switch (verdict.State)
        {
            case PlatformState.Alive:
                LastPlatformVerdict = verdict;
                PlatformAliveAt = at;
                PlatformDeadCount = 0;
                PlatformDeadSince = null;
                GoneCount = RefusedCount = ForeignCount = UnknownCount = 0;
                FirstGoneAt = LastGoneAt = null;
                break;
            case PlatformState.Dead:
                LastPlatformVerdict = verdict;
                PlatformDeadCount++;
                PlatformDeadSince ??= at;
                break;
            default:
                // Neither adds to nor clears the counts, but the platform's earlier word no longer stands: the probes decide.
                LastPlatformVerdict = verdict;
                break;
        }
    }

    /// <summary>
    /// Whether the evidence is enough to remove the registration at <paramref name="now"/>: at least
    /// <see cref="CleanupRules.FailuresBeforeRemoval"/> gone observations since the last proof of life, spread over at
    /// least <see cref="CleanupRules.MinimumEvidenceSpan"/>, and the registration known to this observer for at least
    /// <see cref="CleanupRules.StartupGrace"/>. Unknown outcomes never count.
    /// </summary>
    public bool IsRemovable(CleanupRules rules, DateTimeOffset now) => WhyNotRemovable(rules, now) is null;

    /// <summary>Why the evidence is not enough yet, or <see langword="null"/> when it is.</summary>
    /// <remarks>
    /// The platform first: a platform that says "alive" makes it not removable whatever the probes say; one that said
    /// "dead" <see cref="CleanupRules.PlatformConfirmations"/> times in a row makes it removable past the startup grace,
    /// whatever the probes say (but a proof of life since, see <see cref="Record"/>). Otherwise the probes decide.
    /// </remarks>
    public string? WhyNotRemovable(CleanupRules rules, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (IsPlatformAlive)
        {
            return "the platform says it is alive (" + LastPlatformVerdict!.Value.Detail + ")";
        }

        if (IsPlatformDead && PlatformDeadCount >= rules.PlatformConfirmations)
        {
            return now - FirstSeen < rules.StartupGrace
                ? $"seen {(now - FirstSeen).TotalSeconds:0.#} of {rules.StartupGrace.TotalSeconds:0.#} s (startup grace)"
                : null;
        }

        if (GoneCount < rules.FailuresBeforeRemoval)
        {
            return $"gone {GoneCount} of {rules.FailuresBeforeRemoval} times";
        }

        if (GoneSpan < rules.MinimumEvidenceSpan)
        {
            return $"evidence spans {GoneSpan.TotalSeconds:0.#} of {rules.MinimumEvidenceSpan.TotalSeconds:0.#} s";
        }

        if (now - FirstSeen < rules.StartupGrace)
        {
            return $"seen {(now - FirstSeen).TotalSeconds:0.#} of {rules.StartupGrace.TotalSeconds:0.#} s (startup grace)";
        }

        return null;
    }
}
