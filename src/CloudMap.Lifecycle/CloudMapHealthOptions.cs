// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CloudMap.Lifecycle;

/// <summary>
/// How the running health of a registered instance is reflected in Cloud Map (configuration section <c>CloudMap:Health</c>).
/// </summary>
/// <remarks>
/// The health checks run every <see cref="Interval"/>. The observed status flips to unhealthy after
/// <see cref="UnhealthyThreshold"/> failing runs in a row and back to healthy after <see cref="HealthyThreshold"/>
/// passing runs in a row, so a flapping check does not flap the registration. A status is pushed to Cloud Map
/// (<c>UpdateInstanceCustomHealthStatus</c>) only when it changes, and re-asserted every <see cref="ReassertInterval"/>;
/// in steady state that is about 4 calls per instance-hour with the defaults.
/// </remarks>
public sealed class CloudMapHealthOptions
{
    /// <summary>The default value of <see cref="HealthyThreshold"/>: 2.</summary>
    public const int DefaultHealthyThreshold = 2;

    /// <summary>The default value of <see cref="UnhealthyThreshold"/>: 3.</summary>
    public const int DefaultUnhealthyThreshold = 3;

    /// <summary>The default value of <see cref="Interval"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    /// <summary>The default value of <see cref="ReassertInterval"/>: 15 minutes.</summary>
    public static readonly TimeSpan DefaultReassertInterval = TimeSpan.FromMinutes(15);

    /// <summary>The smallest allowed <see cref="Interval"/>: 1 second.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    /// <summary>The largest allowed <see cref="Interval"/>: 1 hour.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    /// <summary>The largest allowed <see cref="ReassertInterval"/>: 24 hours (the smallest is <see cref="Interval"/>).</summary>
    public static readonly TimeSpan MaxReassertInterval = TimeSpan.FromHours(24);

    /// <summary>The smallest allowed <see cref="HealthyThreshold"/> and <see cref="UnhealthyThreshold"/>: 1.</summary>
    public const int MinThreshold = 1;

    /// <summary>The largest allowed <see cref="HealthyThreshold"/> and <see cref="UnhealthyThreshold"/>: 100.</summary>
    public const int MaxThreshold = 100;

    /// <summary>The default value of <see cref="CheckTimeout"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultCheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The smallest allowed <see cref="CheckTimeout"/>: 100 milliseconds.</summary>
    public static readonly TimeSpan MinCheckTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The largest allowed <see cref="CheckTimeout"/>: 10 minutes.</summary>
    public static readonly TimeSpan MaxCheckTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Gets or sets the health-check tag that selects the checks deciding the running health. When not set, the
    /// readiness selection (<see cref="CloudMapReadinessOptions.Tag"/> or its predicate) is used. Ignored when
    /// <see cref="Predicate"/> is set.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (same checks as readiness).</value>
    public string? Tag { get; set; }

    /// <summary>Gets or sets a predicate that selects the running-health checks, overriding <see cref="Tag"/> (code only; not bindable).</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<HealthCheckRegistration, bool>? Predicate { get; set; }

    /// <summary>Gets or sets how often the health checks run while registered.</summary>
    /// <value>
    /// The default value is 10 seconds (<see cref="DefaultInterval"/>); allowed from 1 second (<see cref="MinInterval"/>)
    /// to 1 hour (<see cref="MaxInterval"/>).
    /// </value>
    public TimeSpan Interval { get; set; } = DefaultInterval;

    /// <summary>
    /// Gets or sets how long one run of the health checks may take. A check still running then counts as failing (so
    /// a hung check turns the instance unhealthy after <see cref="UnhealthyThreshold"/> runs) and is abandoned: it is
    /// cancelled but never awaited, and not started again until it has completed. A check's own
    /// <see cref="HealthCheckRegistration.Timeout"/> applies when it is shorter.
    /// </summary>
    /// <value>
    /// The default value is 5 seconds (<see cref="DefaultCheckTimeout"/>); allowed from 100 milliseconds
    /// (<see cref="MinCheckTimeout"/>) to 10 minutes (<see cref="MaxCheckTimeout"/>).
    /// </value>
    public TimeSpan CheckTimeout { get; set; } = DefaultCheckTimeout;

    /// <summary>Gets or sets how many passing runs in a row turn an unhealthy instance healthy again.</summary>
    /// <value>
    /// The default value is 2 (<see cref="DefaultHealthyThreshold"/>); allowed from 1 (<see cref="MinThreshold"/>)
    /// to 100 (<see cref="MaxThreshold"/>).
    /// </value>
    public int HealthyThreshold { get; set; } = DefaultHealthyThreshold;

    /// <summary>Gets or sets how many failing runs in a row turn a healthy instance unhealthy.</summary>
    /// <value>
    /// The default value is 3 (<see cref="DefaultUnhealthyThreshold"/>); allowed from 1 (<see cref="MinThreshold"/>)
    /// to 100 (<see cref="MaxThreshold"/>).
    /// </value>
    public int UnhealthyThreshold { get; set; } = DefaultUnhealthyThreshold;

    /// <summary>
    /// Gets or sets how often an unchanged status is pushed again, and how often the registration is checked to still
    /// exist when nothing is pushed.
    /// </summary>
    /// <value>
    /// The default value is 15 minutes (<see cref="DefaultReassertInterval"/>); allowed from <see cref="Interval"/>
    /// to 24 hours (<see cref="MaxReassertInterval"/>).
    /// </value>
    public TimeSpan ReassertInterval { get; set; } = DefaultReassertInterval;

    /// <summary>
    /// Gets or sets what happens to an unhealthy instance when the service has no custom health check. Services with a
    /// Route 53 health check are always report-only (Route 53 checks the instance itself).
    /// </summary>
    /// <value>The default value is <see cref="UnmanagedHealthMode.DeregisterWhileUnhealthy"/>.</value>
    public UnmanagedHealthMode UnmanagedMode { get; set; } = UnmanagedHealthMode.DeregisterWhileUnhealthy;
}
