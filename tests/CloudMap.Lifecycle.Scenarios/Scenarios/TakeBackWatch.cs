// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>
/// Watches one instance id after its new owner's stop (polled): when the entry disappeared, and when it was listed again
/// for the old owner. Gives up when the entry is not removed within <paramref name="removalCap"/> of the start, or not back
/// within <paramref name="healCap"/> of its removal. Timestamps are <see cref="Clock"/>'s.
/// </summary>
internal sealed class TakeBackWatch(long started, TimeSpan removalCap, TimeSpan healCap)
{
    public long? GoneAt { get; private set; }

    public long? BackAt { get; private set; }

    /// <summary>Takes one poll; returns <see langword="true"/> when the watch is over (back, or given up).</summary>
    /// <param name="now">When the entry was read.</param>
    /// <param name="present">Whether the id is registered at all.</param>
    /// <param name="oldOwners">Whether it is registered with the old owner's address and port.</param>
    /// <param name="stopEnded">Whether the new owner's stop has returned.</param>
    public bool Observe(long now, bool present, bool oldOwners, bool stopEnded)
    {
        if (!present)
        {
            GoneAt ??= now;
        }
        else if (oldOwners && (GoneAt is not null || stopEnded))
        {
            // Listed for the old owner again; when no gap was seen between two polls, it came back at once.
            GoneAt ??= now;
            BackAt = now;
            return true;
        }

        return GoneAt is { } gone
            ? Clock.MillisecondsBetween(gone, now) > healCap.TotalMilliseconds
            : Clock.MillisecondsBetween(started, now) > removalCap.TotalMilliseconds;
    }
}
