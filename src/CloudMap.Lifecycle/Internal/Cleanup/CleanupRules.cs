// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal.Cleanup;

/// <summary>The thresholds of crash cleanup, read once from <see cref="CloudMapCleanupOptions"/>.</summary>
internal sealed record CleanupRules(
    int FailuresBeforeRemoval,
    TimeSpan MinimumEvidenceSpan,
    TimeSpan StartupGrace,
    int WatchedPeers,
    double MaxRemovalShare)
{
    /// <summary>
    /// The platform answers in a row that must say "dead" before the platform's word alone removes a registration: 2.
    /// One answer is authoritative but not final: ECS and EC2 reads are eventually consistent (a task just started can be
    /// MISSING for a moment, an instance just launched absent), and the second answer, one sweep later, costs one probe
    /// interval (10 s) instead of the probes' 3 observations over 20 s. Not an option: it is a correctness margin.
    /// </summary>
    public const int DefaultPlatformConfirmations = 2;

    /// <summary>Gets the platform answers in a row that must say "dead" (<see cref="DefaultPlatformConfirmations"/>).</summary>
    public int PlatformConfirmations { get; init; } = DefaultPlatformConfirmations;

    /// <summary>The rules of <paramref name="options"/>.</summary>
    public static CleanupRules From(CloudMapCleanupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new CleanupRules(options.FailuresBeforeRemoval, options.MinimumEvidenceSpan, options.StartupGrace, options.WatchedPeers, options.MaxRemovalShare);
    }
}
