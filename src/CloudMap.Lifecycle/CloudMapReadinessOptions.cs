// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CloudMap.Lifecycle;

/// <summary>
/// How the library waits for the application to be ready before it sends <c>RegisterInstance</c>
/// (configuration section <c>CloudMap:Readiness</c>).
/// </summary>
public sealed class CloudMapReadinessOptions
{
    /// <summary>The default value of <see cref="Tag"/>: <c>ready</c>.</summary>
    public const string DefaultTag = "ready";

    /// <summary>The default value of <see cref="ConsecutiveSuccesses"/>: 2.</summary>
    public const int DefaultConsecutiveSuccesses = 2;

    /// <summary>The default value of <see cref="PollInterval"/>: 2 seconds.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(2);

    /// <summary>The default value of <see cref="Timeout"/>: 5 minutes.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The smallest allowed <see cref="PollInterval"/>: 100 milliseconds.</summary>
    public static readonly TimeSpan MinPollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The largest allowed <see cref="PollInterval"/>: 10 minutes.</summary>
    public static readonly TimeSpan MaxPollInterval = TimeSpan.FromMinutes(10);

    /// <summary>The smallest allowed <see cref="ConsecutiveSuccesses"/>: 1.</summary>
    public const int MinConsecutiveSuccesses = 1;

    /// <summary>The largest allowed <see cref="ConsecutiveSuccesses"/>: 100.</summary>
    public const int MaxConsecutiveSuccesses = 100;

    /// <summary>The default value of <see cref="CheckTimeout"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultCheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The smallest allowed <see cref="CheckTimeout"/>: 100 milliseconds.</summary>
    public static readonly TimeSpan MinCheckTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The largest allowed <see cref="CheckTimeout"/>: 10 minutes.</summary>
    public static readonly TimeSpan MaxCheckTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Gets or sets the health-check tag that selects the readiness checks. The readiness checks pass when every
    /// registered check with this tag reports Healthy or Degraded (no checks with the tag means ready).
    /// Ignored when <see cref="Predicate"/> is set.
    /// </summary>
    /// <value>The default value is <c>ready</c> (<see cref="DefaultTag"/>); not empty unless <see cref="Predicate"/> is set.</value>
    public string Tag { get; set; } = DefaultTag;

    /// <summary>
    /// Gets or sets a predicate that selects the readiness checks, overriding <see cref="Tag"/> (code only; not bindable).
    /// The library's own <c>cloudmap</c> check is never included.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (select by <see cref="Tag"/>).</value>
    public Func<HealthCheckRegistration, bool>? Predicate { get; set; }

    /// <summary>Gets or sets how often the readiness checks are run while waiting.</summary>
    /// <value>
    /// The default value is 2 seconds (<see cref="DefaultPollInterval"/>); allowed from 100 milliseconds
    /// (<see cref="MinPollInterval"/>) to 10 minutes (<see cref="MaxPollInterval"/>).
    /// </value>
    public TimeSpan PollInterval { get; set; } = DefaultPollInterval;

    /// <summary>Gets or sets how many passing polls in a row are required before registering.</summary>
    /// <value>
    /// The default value is 2 (<see cref="DefaultConsecutiveSuccesses"/>); allowed from 1 (<see cref="MinConsecutiveSuccesses"/>)
    /// to 100 (<see cref="MaxConsecutiveSuccesses"/>).
    /// </value>
    public int ConsecutiveSuccesses { get; set; } = DefaultConsecutiveSuccesses;

    /// <summary>
    /// Gets or sets how long one readiness poll may take. A check still running then counts as failing and is
    /// abandoned: it is cancelled but never awaited (a check that ignores cancellation cannot hold the readiness wait,
    /// its <see cref="Timeout"/> or the host's stop), and it is not started again until it has completed. A check's
    /// own <see cref="HealthCheckRegistration.Timeout"/> applies when it is shorter.
    /// </summary>
    /// <value>
    /// The default value is 5 seconds (<see cref="DefaultCheckTimeout"/>); allowed from 100 milliseconds
    /// (<see cref="MinCheckTimeout"/>) to 10 minutes (<see cref="MaxCheckTimeout"/>).
    /// </value>
    public TimeSpan CheckTimeout { get; set; } = DefaultCheckTimeout;

    /// <summary>
    /// Gets or sets how long to wait for readiness before <see cref="TimeoutBehavior"/> applies.
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> means no timeout.
    /// </summary>
    /// <value>The default value is 5 minutes (<see cref="DefaultTimeout"/>); allowed: any positive time, or <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>.</value>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>Gets or sets what happens when <see cref="Timeout"/> elapses before the application is ready.</summary>
    /// <value>The default value is <see cref="ReadinessTimeoutBehavior.KeepWaiting"/>.</value>
    public ReadinessTimeoutBehavior TimeoutBehavior { get; set; } = ReadinessTimeoutBehavior.KeepWaiting;
}
