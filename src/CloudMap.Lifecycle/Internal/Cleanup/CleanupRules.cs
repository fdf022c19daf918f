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
    /// <summary>The rules of <paramref name="options"/>.</summary>
    public static CleanupRules From(CloudMapCleanupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new CleanupRules(options.FailuresBeforeRemoval, options.MinimumEvidenceSpan, options.StartupGrace, options.WatchedPeers, options.MaxRemovalShare);
    }
}
