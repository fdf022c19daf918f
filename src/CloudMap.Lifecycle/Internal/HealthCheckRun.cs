// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CloudMap.Lifecycle.Internal;

/// <summary>The outcome of one bounded run of the selected health checks.</summary>
/// <param name="Report">The checks' entries; a check that timed out has an Unhealthy entry with a <see cref="TimeoutException"/>.</param>
/// <param name="TimedOut">The names of the checks that did not complete within the run's timeout (sorted).</param>
internal sealed record HealthCheckRun(HealthReport Report, IReadOnlyList<string> TimedOut)
{
    /// <summary>Gets whether the run passes: Healthy or Degraded (a degraded instance still serves).</summary>
    public bool Passing => Report.Status != HealthStatus.Unhealthy;

    /// <summary>Gets the names of the checks that reported Unhealthy (timed-out ones included), sorted.</summary>
    public IReadOnlyList<string> Failing =>
        [.. Report.Entries.Where(e => e.Value.Status == HealthStatus.Unhealthy).Select(e => e.Key).Order(StringComparer.Ordinal)];

    /// <summary>The name a timed-out run reports when it cannot tell which checks it was running.</summary>
    public const string UnknownChecks = "(the selected checks)";

    /// <summary>A run whose checks, as far as the caller can tell, all hung: used when a whole report did not arrive in time.</summary>
    public static HealthCheckRun AllTimedOut(IReadOnlyList<string> names, TimeSpan timeout, TimeSpan elapsed)
    {
        // Never an empty report: that would read as Healthy.
        var entries = (names.Count == 0 ? [UnknownChecks] : names).Distinct(StringComparer.Ordinal).ToDictionary(
            name => name,
            name => HealthCheckRunner.TimedOutEntry(timeout, elapsed, tags: null),
            StringComparer.Ordinal);
        return new HealthCheckRun(new HealthReport(entries, elapsed), [.. entries.Keys.Order(StringComparer.Ordinal)]);
    }
}
