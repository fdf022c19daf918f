// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Client.Pacing;

/// <summary>
/// The client-side rate limiter of the AWS SDKs' adaptive retry mode (botocore <c>retries/adaptive.py</c>
/// <c>ClientRateLimiter</c>, AWSSDK.Core <c>TokenBucket</c>): it lets every request through until the first throttling
/// answer; from then on every attempt takes a token from a <see cref="CloudMapTokenBucket"/> whose rate follows
/// <see cref="CloudMapCubicRate"/> (down by β on each throttle, CUBIC growth back), never above
/// <see cref="MaxRateAdjustScale"/> × the <see cref="CloudMapSendRateMeter">measured send rate</see>. One per
/// endpoint per process (<see cref="CloudMapPacing"/>), shared by every client.
/// </summary>
/// <remarks>
/// Written for this library rather than reused from AWSSDK.Core because the SDK's bucket reads the wall clock
/// (<c>DateTime.UtcNow</c>) and sleeps the thread; this one reads and waits on the injected <see cref="TimeProvider"/>,
/// so it is deterministic under a fake clock, and its waits are asynchronous and cancellable.
/// </remarks>
internal sealed class CloudMapAdaptiveRateLimiter
{
    /// <summary>The new rate is capped at this many times the measured send rate: 2 (botocore <c>ClientRateLimiter._MAX_RATE_ADJUST_SCALE</c>, AWSSDK.Core's <c>2 * measuredTxRate</c>).</summary>
    public const double MaxRateAdjustScale = 2.0;

    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly Lock _lock = new();
    private readonly CloudMapCubicRate _cubic;
    private readonly CloudMapSendRateMeter _meter;
    private readonly CloudMapTokenBucket _bucket = new();
    private bool _enabled;

    /// <summary>Initializes a new instance of the <see cref="CloudMapAdaptiveRateLimiter"/> class on <paramref name="timeProvider"/>.</summary>
    public CloudMapAdaptiveRateLimiter(TimeProvider timeProvider)
    {
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _origin = timeProvider.GetTimestamp();

        // The SDKs' clock is epoch seconds, so the meter's first window starts at a whole second; ours starts at 0.
        _cubic = new CloudMapCubicRate(0);
        _meter = new CloudMapSendRateMeter(0);

        // As botocore's client: the bucket is created at 1 token/s and fills from then on.
        _bucket.SetRate(1, 0);
    }

    /// <summary>Gets a value indicating whether requests are paced (a throttling answer has been seen).</summary>
    public bool IsEnabled
    {
        get
        {
            lock (_lock)
            {
                return _enabled;
            }
        }
    }

    /// <summary>Gets the rate requests are paced at once enabled (tokens/s).</summary>
    public double FillRate
    {
        get
        {
            lock (_lock)
            {
                return _bucket.FillRate;
            }
        }
    }

    /// <summary>Gets the measured send rate (answers/s).</summary>
    public double MeasuredRate
    {
        get
        {
            lock (_lock)
            {
                return _meter.Rate;
            }
        }
    }

    /// <summary>
    /// Waits for the token of one attempt: not at all until a throttle was seen, else until the bucket has it, but never
    /// longer than <paramref name="maxWait"/> (the token is taken anyway, so later requests wait for it).
    /// </summary>
    /// <returns>How long the attempt was held back.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while waiting.</exception>
    public ValueTask<TimeSpan> AcquireAsync(TimeSpan maxWait, CancellationToken cancellationToken)
    {
        double seconds;
        lock (_lock)
        {
            if (!_enabled)
            {
                return ValueTask.FromResult(TimeSpan.Zero);
            }

            seconds = _bucket.Reserve(Now());
        }

        var wait = TimeSpan.FromSeconds(seconds);
        wait = maxWait != Timeout.InfiniteTimeSpan && wait > maxWait ? maxWait : wait;
        return wait <= TimeSpan.Zero ? ValueTask.FromResult(TimeSpan.Zero) : WaitAsync(wait, cancellationToken);
    }

    /// <summary>Adjusts the rate after an attempt ended: <paramref name="throttled"/> when its answer said "slow down".</summary>
    public void OnAttemptEnded(bool throttled)
    {
        lock (_lock)
        {
            var now = Now();
            var measured = _meter.Record(now);
            double rate;
            if (throttled)
            {
                // Once pacing, the rate being sent at is what the bucket allows when that is below what was measured.
                rate = _cubic.RateAfterThrottle(_enabled ? Math.Min(measured, _bucket.FillRate) : measured, now);
                _enabled = true;
            }
            else
            {
                rate = _cubic.RateAfterSuccess(now);
            }

            _bucket.SetRate(Math.Min(rate, MaxRateAdjustScale * measured), now);
        }
    }

    private async ValueTask<TimeSpan> WaitAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        return wait;
    }

    private double Now() => _time.GetElapsedTime(_origin).TotalSeconds;
}
