// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace CloudMap.Lifecycle.Client.Pacing;

/// <summary>
/// What paces the calls to one Cloud Map endpoint in this process: its retry quota (both retry modes) and its adaptive
/// rate limiter (<see cref="CloudMapRetryMode.Adaptive"/> only). Every client of the process that calls the same
/// endpoint, in the same region, on the same <see cref="TimeProvider"/>, shares one (<see cref="For"/>): the limit
/// they are throttled against is the account's, not one client's.
/// </summary>
/// <remarks>
/// The account itself is not known without a call (STS), so the key is the endpoint and the signing region; clients of
/// two accounts in one process and region share a pace, which errs on the slow side. Keyed by the
/// <see cref="TimeProvider"/> too, so tests on different fake clocks never share a bucket; in an app every client uses
/// <see cref="TimeProvider.System"/>.
/// </remarks>
internal sealed class CloudMapPacing
{
    private static readonly ConditionalWeakTable<TimeProvider, ConcurrentDictionary<string, CloudMapPacing>> ByClock = [];

    private readonly TimeProvider _time;
    private long _lastThrottled;
    private int _throttled;

    private CloudMapPacing(TimeProvider timeProvider, Func<double>? spread)
    {
        _time = timeProvider;
        Limiter = new CloudMapAdaptiveRateLimiter(timeProvider, spread);
    }

    /// <summary>
    /// Gets a value indicating whether a call to the endpoint has been throttled in this process (in either retry mode):
    /// the account's limit is near, so a call that cannot earn anything yet (an operation poll right after the call that
    /// started the operation) is better not sent.
    /// </summary>
    public bool HasBeenThrottled => Volatile.Read(ref _throttled) != 0;

    /// <summary>Gets the retry quota of the endpoint.</summary>
    public CloudMapRetryQuota Quota { get; } = new();

    /// <summary>Gets the adaptive rate limiter of the endpoint (used by the clients in adaptive mode only).</summary>
    public CloudMapAdaptiveRateLimiter Limiter { get; }

    /// <summary>Records that a call to the endpoint was throttled (<see cref="HasBeenThrottled"/>).</summary>
    public void OnThrottled()
    {
        Volatile.Write(ref _lastThrottled, _time.GetTimestamp());
        Volatile.Write(ref _throttled, 1);
    }

    /// <summary>Whether a call to the endpoint was throttled less than <paramref name="window"/> ago (on the pacing's clock).</summary>
    public bool ThrottledWithin(TimeSpan window) =>
        HasBeenThrottled && _time.GetElapsedTime(Volatile.Read(ref _lastThrottled)) < window;

    /// <summary>Gets the pacing of the endpoint named by <paramref name="key"/> (region and URL) on <paramref name="timeProvider"/>.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="key">The endpoint and signing region.</param>
    /// <param name="spread">The limiter's spread of held attempts (see <see cref="CloudMapAdaptiveRateLimiter(TimeProvider, Func{double}, TimeSpan?)"/>); the first caller's is kept.</param>
    public static CloudMapPacing For(TimeProvider timeProvider, string key, Func<double>? spread = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(key);
        var endpoints = ByClock.GetValue(timeProvider, static _ => new ConcurrentDictionary<string, CloudMapPacing>(StringComparer.Ordinal));
        return endpoints.GetOrAdd(key, static (_, state) => new CloudMapPacing(state.Time, state.Spread), (Time: timeProvider, Spread: spread));
    }
}
