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

    /// <summary>
    /// Gets or sets the health-check tag that selects the readiness checks. The readiness checks pass when every
    /// registered check with this tag reports Healthy or Degraded (no checks with the tag means ready).
    /// Ignored when <see cref="Predicate"/> is set.
    /// </summary>
    /// <value>The default value is <c>ready</c>.</value>
    public string Tag { get; set; } = DefaultTag;

    /// <summary>
    /// Gets or sets a predicate that selects the readiness checks, overriding <see cref="Tag"/> (code only; not bindable).
    /// The library's own <c>cloudmap</c> check is never included.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (select by <see cref="Tag"/>).</value>
    public Func<HealthCheckRegistration, bool>? Predicate { get; set; }

    /// <summary>Gets or sets how often the readiness checks are run while waiting. Between 100 ms and 10 minutes.</summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan PollInterval { get; set; } = DefaultPollInterval;

    /// <summary>Gets or sets how many passing polls in a row are required before registering. Between 1 and 100.</summary>
    /// <value>The default value is 2.</value>
    public int ConsecutiveSuccesses { get; set; } = DefaultConsecutiveSuccesses;

    /// <summary>
    /// Gets or sets how long to wait for readiness before <see cref="TimeoutBehavior"/> applies.
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> means no timeout.
    /// </summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>Gets or sets what happens when <see cref="Timeout"/> elapses before the application is ready.</summary>
    /// <value>The default value is <see cref="ReadinessTimeoutBehavior.KeepWaiting"/>.</value>
    public ReadinessTimeoutBehavior TimeoutBehavior { get; set; } = ReadinessTimeoutBehavior.KeepWaiting;
}
