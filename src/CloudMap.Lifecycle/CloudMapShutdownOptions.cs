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
    /// <summary>The default value of <see cref="DeregistrationTimeout"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultDeregistrationTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The default value of <see cref="DrainDelay"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultDrainDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets the time allowed for deregistration, including waiting for a registration still in flight and
    /// for the operation to succeed. Between 1 second and 10 minutes. A deregistration that cannot finish in time is
    /// logged as a warning, never thrown.
    /// </summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan DeregistrationTimeout { get; set; } = DefaultDeregistrationTimeout;

    /// <summary>Gets or sets how long the server keeps serving after deregistration. Between 0 and 10 minutes.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan DrainDelay { get; set; } = DefaultDrainDelay;

    /// <summary>
    /// Gets or sets how startup reacts when <see cref="DeregistrationTimeout"/> plus <see cref="DrainDelay"/> exceeds
    /// <c>HostOptions.ShutdownTimeout</c>.
    /// </summary>
    /// <value>The default value is <see cref="ShutdownBudgetSeverity.Warning"/>.</value>
    public ShutdownBudgetSeverity BudgetSeverity { get; set; } = ShutdownBudgetSeverity.Warning;
}
