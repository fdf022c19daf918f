// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;

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

    /// <summary>Gets when the registration last proved life, or <see langword="null"/> when this observer never saw it do so.</summary>
    public DateTimeOffset? LastAliveAt { get; private set; }

    /// <summary>Gets the outcome of the last probe, or <see langword="null"/> before the first.</summary>
    public PeerProbeOutcome? LastOutcome { get; private set; }

    /// <summary>Gets what the last probe saw (loggable, never a secret).</summary>
    public string? LastDetail { get; private set; }

    /// <summary>Gets the time between the first and the last probe that found the process gone.</summary>
    public TimeSpan GoneSpan => FirstGoneAt is { } first && LastGoneAt is { } last ? last - first : TimeSpan.Zero;

    /// <summary>
    /// Gets a value indicating whether the peer looks dead right now (its last probe did not prove life): what the
    /// self-preservation rule counts. Unknown counts here, unlike in the evidence: many timeouts at once are how a
    /// partition of the observer looks.
    /// </summary>
    public bool LooksDead => LastOutcome is PeerProbeOutcome.Refused or PeerProbeOutcome.Foreign or PeerProbeOutcome.Unknown;

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
    /// Whether the evidence is enough to remove the registration at <paramref name="now"/>: at least
    /// <see cref="CleanupRules.FailuresBeforeRemoval"/> gone observations since the last proof of life, spread over at
    /// least <see cref="CleanupRules.MinimumEvidenceSpan"/>, and the registration known to this observer for at least
    /// <see cref="CleanupRules.StartupGrace"/>. Unknown outcomes never count.
    /// </summary>
    public bool IsRemovable(CleanupRules rules, DateTimeOffset now) => WhyNotRemovable(rules, now) is null;

    /// <summary>Why the evidence is not enough yet, or <see langword="null"/> when it is.</summary>
    public string? WhyNotRemovable(CleanupRules rules, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rules);
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
