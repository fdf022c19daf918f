// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;

namespace CloudMap.Lifecycle.Internal.Cleanup;

/// <summary>What one proof-of-life probe of a peer found.</summary>
internal enum PeerProbeOutcome
{
    /// <summary>The peer signed the challenge with the key its registration advertises: it is the registered process.</summary>
    Alive,

    /// <summary>Positive evidence that the registered process is gone: its address refused the connection.</summary>
    Refused,

    /// <summary>
    /// Positive evidence that the registered process is gone: something answered at its address but could not prove it
    /// is that process (any status, a wrong or missing signature, an echo, a non-HTTP answer).
    /// </summary>
    Foreign,

    /// <summary>Nothing learnt: a timeout, an unreachable network, a reset before any answer, TLS trouble.</summary>
    Unknown,
}

/// <summary>The outcome of one probe and a short, loggable description of what was seen (never a secret).</summary>
internal readonly record struct PeerProbeResult(PeerProbeOutcome Outcome, string Detail)
{
    /// <summary>Gets a value indicating whether the probe is positive evidence that the registered process is gone.</summary>
    public bool IsGone => Outcome is PeerProbeOutcome.Refused or PeerProbeOutcome.Foreign;
}

/// <summary>A peer registration to be probed: the identity it must prove, the address it registered, and its advert.</summary>
internal sealed record PeerTarget(
    string ServiceId,
    string InstanceId,
    string OwnerToken,
    IPAddress Address,
    int Port,
    ProofOfLifeAdvert Advert);

/// <summary>Probes one peer over the address and port it registered.</summary>
internal interface IPeerProber
{
    /// <summary>Probes <paramref name="peer"/> once; never throws but for cancellation of <paramref name="cancellationToken"/>.</summary>
    Task<PeerProbeResult> ProbeAsync(PeerTarget peer, TimeSpan timeout, CancellationToken cancellationToken);
}
