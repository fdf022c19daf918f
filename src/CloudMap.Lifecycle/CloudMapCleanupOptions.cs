// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle;

/// <summary>
/// Crash cleanup (configuration section <c>CloudMap:Cleanup</c>): the live instances of a service find the
/// registrations of instances that died without deregistering and remove them, on verified evidence only (G7).
/// </summary>
/// <remarks>
/// <para>
/// Each registration that can be verified says so in its attributes (<c>CLOUDMAP_LIFECYCLE_PROOF</c>: a public key
/// made for this process start) and answers proof-of-life probes on the application's own server. A peer asks with a
/// fresh random challenge; only the process holding the private key can sign it, so a server that took over a dead
/// instance's address (even one that echoes requests) cannot pass.
/// </para>
/// <para>
/// A registration is removed only after its address was seen refusing connections or answering without the proof
/// <see cref="FailuresBeforeRemoval"/> times over at least <see cref="MinimumEvidenceSpan"/>. Timeouts and unreachable
/// networks never count. Instances that do not advertise verification are never judged.
/// </para>
/// </remarks>
public sealed class CloudMapCleanupOptions
{
    /// <summary>The default value of <see cref="ProbeInterval"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultProbeInterval = TimeSpan.FromSeconds(10);

    /// <summary>The smallest allowed <see cref="ProbeInterval"/>: 1 second.</summary>
    public static readonly TimeSpan MinProbeInterval = TimeSpan.FromSeconds(1);

    /// <summary>The largest allowed <see cref="ProbeInterval"/>: 5 minutes.</summary>
    public static readonly TimeSpan MaxProbeInterval = TimeSpan.FromMinutes(5);

    /// <summary>The default value of <see cref="ProbeTimeout"/>: 2 seconds.</summary>
    public static readonly TimeSpan DefaultProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The smallest allowed <see cref="ProbeTimeout"/>: 100 milliseconds (the largest is <see cref="ProbeInterval"/>).</summary>
    public static readonly TimeSpan MinProbeTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The default value of <see cref="WatchedPeers"/>: 3.</summary>
    public const int DefaultWatchedPeers = 3;

    /// <summary>The smallest allowed <see cref="WatchedPeers"/>: 1.</summary>
    public const int MinWatchedPeers = 1;

    /// <summary>The largest allowed <see cref="WatchedPeers"/>: 10.</summary>
    public const int MaxWatchedPeers = 10;

    /// <summary>The default value of <see cref="FailuresBeforeRemoval"/>: 3.</summary>
    public const int DefaultFailuresBeforeRemoval = 3;

    /// <summary>The smallest allowed <see cref="FailuresBeforeRemoval"/>: 2.</summary>
    public const int MinFailuresBeforeRemoval = 2;

    /// <summary>The largest allowed <see cref="FailuresBeforeRemoval"/>: 20.</summary>
    public const int MaxFailuresBeforeRemoval = 20;

    /// <summary>The default value of <see cref="MinimumEvidenceSpan"/>: 20 seconds.</summary>
    public static readonly TimeSpan DefaultMinimumEvidenceSpan = TimeSpan.FromSeconds(20);

    /// <summary>The largest allowed <see cref="MinimumEvidenceSpan"/>: 1 hour (the smallest is zero).</summary>
    public static readonly TimeSpan MaxMinimumEvidenceSpan = TimeSpan.FromHours(1);

    /// <summary>The default value of <see cref="StartupGrace"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultStartupGrace = TimeSpan.FromSeconds(30);

    /// <summary>The largest allowed <see cref="StartupGrace"/>: 1 hour (the smallest is zero).</summary>
    public static readonly TimeSpan MaxStartupGrace = TimeSpan.FromHours(1);

    /// <summary>The default value of <see cref="MaxRemovalShare"/>: 0.1 (a tenth of the service per sweep, at least one instance).</summary>
    public const double DefaultMaxRemovalShare = 0.1;

    /// <summary>
    /// Gets or sets a value indicating whether this instance watches some of its peers and removes the registrations
    /// of dead ones.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether this instance answers proof-of-life probes on the application's server
    /// and advertises it in its registration. Without it, peers never judge this instance (and never clean it up
    /// after a crash).
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool AnswerProbes { get; set; } = true;

    /// <summary>Gets or sets how often each watched peer is probed.</summary>
    /// <value>
    /// The default value is 10 seconds (<see cref="DefaultProbeInterval"/>); allowed from 1 second
    /// (<see cref="MinProbeInterval"/>) to 5 minutes (<see cref="MaxProbeInterval"/>).
    /// </value>
    public TimeSpan ProbeInterval { get; set; } = DefaultProbeInterval;

    /// <summary>Gets or sets how long one probe may take; a probe that takes longer tells nothing (unknown).</summary>
    /// <value>
    /// The default value is 2 seconds (<see cref="DefaultProbeTimeout"/>); allowed from 100 milliseconds
    /// (<see cref="MinProbeTimeout"/>) up to <see cref="ProbeInterval"/>.
    /// </value>
    public TimeSpan ProbeTimeout { get; set; } = DefaultProbeTimeout;

    /// <summary>Gets or sets how many peers each instance watches (its successors on a ring ordered by instance id).</summary>
    /// <value>
    /// The default value is 3 (<see cref="DefaultWatchedPeers"/>); allowed from 1 (<see cref="MinWatchedPeers"/>) to
    /// 10 (<see cref="MaxWatchedPeers"/>).
    /// </value>
    public int WatchedPeers { get; set; } = DefaultWatchedPeers;

    /// <summary>
    /// Gets or sets how many probes must have found a peer gone (connection refused, or an answer without the proof)
    /// before it is removed; a proof of life in between starts the count again.
    /// </summary>
    /// <value>
    /// The default value is 3 (<see cref="DefaultFailuresBeforeRemoval"/>); allowed from 2
    /// (<see cref="MinFailuresBeforeRemoval"/>) to 20 (<see cref="MaxFailuresBeforeRemoval"/>).
    /// </value>
    public int FailuresBeforeRemoval { get; set; } = DefaultFailuresBeforeRemoval;

    /// <summary>Gets or sets the least time between the first and the last probe that found a peer gone before it is removed.</summary>
    /// <value>
    /// The default value is 20 seconds (<see cref="DefaultMinimumEvidenceSpan"/>); allowed from zero to 1 hour
    /// (<see cref="MaxMinimumEvidenceSpan"/>).
    /// </value>
    public TimeSpan MinimumEvidenceSpan { get; set; } = DefaultMinimumEvidenceSpan;

    /// <summary>
    /// Gets or sets how long a registration is left alone after this instance first saw it, whatever the probes say.
    /// </summary>
    /// <value>
    /// The default value is 30 seconds (<see cref="DefaultStartupGrace"/>); allowed from zero to 1 hour
    /// (<see cref="MaxStartupGrace"/>).
    /// </value>
    public TimeSpan StartupGrace { get; set; } = DefaultStartupGrace;

    /// <summary>
    /// Gets or sets the largest share of the service's instances one instance removes in one sweep; at least one is
    /// always allowed.
    /// </summary>
    /// <value>The default value is 0.1 (<see cref="DefaultMaxRemovalShare"/>); allowed from more than 0 to 1.</value>
    public double MaxRemovalShare { get; set; } = DefaultMaxRemovalShare;
}
