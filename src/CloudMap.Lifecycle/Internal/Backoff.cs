// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal;

/// <summary>Capped exponential backoff with "equal jitter" (half fixed, half random) for the lifecycle's own retries.</summary>
internal static class Backoff
{
    public static readonly TimeSpan Base = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    /// <summary>The upper bound of the delay before retry number <paramref name="attempt"/> (0-based); tests advance by this.</summary>
    public static TimeSpan UpperBound(int attempt) =>
        TimeSpan.FromTicks(Math.Min(Max.Ticks, Base.Ticks << Math.Clamp(attempt, 0, 20)));

    /// <summary>The delay before retry number <paramref name="attempt"/>: between half of and the whole <see cref="UpperBound"/>.</summary>
    public static TimeSpan Delay(int attempt)
    {
        var upper = UpperBound(attempt);
#pragma warning disable CA5394 // Jitter spreads retries of many instances; it needs no cryptographic randomness.
        return TimeSpan.FromTicks((upper.Ticks / 2) + (long)(Random.Shared.NextDouble() * (upper.Ticks / 2)));
#pragma warning restore CA5394
    }
}
