// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle;

/// <summary>How the instance leaves Cloud Map when the host stops (configuration section <c>CloudMap:Shutdown</c>).</summary>
/// <remarks>
/// Deregistration runs in <c>IHostedLifecycleService.StoppingAsync</c>, before the web server stops accepting
/// requests; the server then keeps serving for <see cref="DrainDelay"/> so that clients whose DNS or discovery caches
/// still point here are served. Both must fit in <c>HostOptions.ShutdownTimeout</c> (30 s by default; ECS waits
/// <c>stopTimeout</c>, 30 s by default, between SIGTERM and SIGKILL).
/// </remarks>
public sealed class CloudMapShutdownOptions
{
    /// <summary>The default value of <see cref="DeregistrationTimeout"/>: 15 seconds.</summary>
    public static readonly TimeSpan DefaultDeregistrationTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The default value of <see cref="DrainDelay"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultDrainDelay = TimeSpan.FromSeconds(5);

    /// <summary>The smallest allowed <see cref="DeregistrationTimeout"/>: 1 second.</summary>
    public static readonly TimeSpan MinDeregistrationTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The largest allowed <see cref="DeregistrationTimeout"/>: 10 minutes.</summary>
    public static readonly TimeSpan MaxDeregistrationTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The staleness CloudMap.Lifecycle.ServiceDiscovery documents for its default settings, 3 seconds: a deregistration
    /// is seen within its revision interval (2 s) plus one second for the DiscoverInstancesRevision and DiscoverInstances
    /// round trips. <see cref="DefaultDrainDelay"/> exceeds it; a shorter non-zero drain is warned about at start (1130).
    /// </summary>
    internal static readonly TimeSpan DefaultDiscoveryStaleness = TimeSpan.FromSeconds(3);

    /// <summary>The largest allowed <see cref="DrainDelay"/>: 10 minutes (the smallest is zero).</summary>
    public static readonly TimeSpan MaxDrainDelay = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Gets or sets the time allowed for deregistration, including waiting for a registration still in flight and
    /// for the operation to succeed. A deregistration that cannot finish in time is logged as a warning, never thrown.
    /// </summary>
    /// <value>
    /// The default value is 15 seconds (<see cref="DefaultDeregistrationTimeout"/>); allowed from 1 second
    /// (<see cref="MinDeregistrationTimeout"/>) to 10 minutes (<see cref="MaxDeregistrationTimeout"/>).
    /// </value>
    public TimeSpan DeregistrationTimeout { get; set; } = DefaultDeregistrationTimeout;

    /// <summary>Gets or sets how long the server keeps serving after deregistration.</summary>
    /// <value>
    /// The default value is 5 seconds (<see cref="DefaultDrainDelay"/>); allowed from zero to 10 minutes
    /// (<see cref="MaxDrainDelay"/>). It must outlast the staleness of the clients' discovery: the default exceeds the
    /// 3 s that CloudMap.Lifecycle.ServiceDiscovery's defaults may lag (2 s revision interval plus a round trip), and a
    /// non-zero drain shorter than that is warned about at start. DNS clients lag by the record's TTL instead.
    /// </value>
    public TimeSpan DrainDelay { get; set; } = DefaultDrainDelay;

    /// <summary>
    /// Gets or sets how startup reacts when <see cref="DeregistrationTimeout"/> plus <see cref="DrainDelay"/> exceeds
    /// <c>HostOptions.ShutdownTimeout</c>.
    /// </summary>
    /// <value>The default value is <see cref="ShutdownBudgetSeverity.Warning"/>.</value>
    public ShutdownBudgetSeverity BudgetSeverity { get; set; } = ShutdownBudgetSeverity.Warning;
}
