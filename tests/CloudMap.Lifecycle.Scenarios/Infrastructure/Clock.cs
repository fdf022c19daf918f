// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>Monotonic time helpers for measurements (the runner is not library code: Stopwatch is fine here).</summary>
internal static class Clock
{
    public static long Now => Stopwatch.GetTimestamp();

    public static double MillisecondsSince(long start) => Stopwatch.GetElapsedTime(start).TotalMilliseconds;

    public static double MillisecondsBetween(long start, long end) => Stopwatch.GetElapsedTime(start, end).TotalMilliseconds;

    /// <summary>Polls <paramref name="condition"/> every <paramref name="interval"/> until it holds or <paramref name="timeout"/> passes; returns the time it first held.</summary>
    public static async Task<long?> WaitUntilAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, TimeSpan interval, CancellationToken cancellationToken)
    {
        var start = Now;
        while (Stopwatch.GetElapsedTime(start) < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await condition(cancellationToken).ConfigureAwait(false))
            {
                return Now;
            }

            await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }
}
