// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Client.Pacing;

/// <summary>
/// The client-side rate limiter of the AWS SDKs' adaptive retry mode (botocore <c>retries/adaptive.py</c>
/// <c>ClientRateLimiter</c>, AWSSDK.Core <c>TokenBucket</c>): it lets every request through until the first throttling
/// answer; from then on every attempt takes a token from a <see cref="CloudMapTokenBucket"/> whose rate follows
/// <see cref="CloudMapCubicRate"/> (down by β on each throttle, CUBIC growth back), never above
/// <see cref="MaxRateAdjustScale"/> × the <see cref="CloudMapSendRateMeter">measured send rate</see>. One per
/// endpoint per process (<see cref="CloudMapPacing"/>), shared by every client. Waiting attempts are served by
/// <see cref="CloudMapCallPriority"/>: an attempt waits only for the tokens taken by attempts of its priority or a higher
/// one, and every lower-priority attempt still waiting is pushed back by one token.
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

    /// <summary>
    /// How far the first attempt after the process's first throttle is spread by default (with a spread): it goes at a
    /// uniformly random point of the next 4 s. At its first throttle a process has no measure of the limit yet (one or
    /// two answers), and the processes that started with it were throttled in the same instant; the SDKs' bucket sends
    /// each of them again when its next token is due, the same 0–2 s for all, where they are throttled again. Spread over
    /// 4 s, the first retries of a herd of 1,000 hosts arrive at about 250/s; a process throttled alone waits 2 s on
    /// average for its first retry, once.
    /// </summary>
    public static readonly TimeSpan FirstThrottleSpread = TimeSpan.FromSeconds(4);

    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly Lock _lock = new();
    private readonly CloudMapCubicRate _cubic;
    private readonly CloudMapSendRateMeter _meter;
    private readonly CloudMapTokenBucket _bucket = new();
    private readonly List<Waiter> _waiting = [];
    private readonly Func<double>? _spread;
    private readonly double _firstSpread;
    private bool _enabled;
    private bool _lastThrottled;
    private bool _spreadFirst;

    /// <summary>Initializes a new instance of the <see cref="CloudMapAdaptiveRateLimiter"/> class on <paramref name="timeProvider"/>.</summary>
    /// <param name="timeProvider">The clock the bucket fills and waits on.</param>
    /// <param name="spread">
    /// A random number in [0, 1) per attempt held while the last answer was a throttle: the attempt waits that fraction
    /// of one token interval more, so that processes throttled at the same moment (a fleet starting together) do not
    /// all send again at the same moment, as the SDKs' bucket would make them (its waits are exact). The average rate is
    /// unchanged. After an answer that was not a throttle the process's timing is its own already, and the wait is
    /// exact: near the limit's floor a spread costs up to a whole 2 s interval per call. The first attempt after the
    /// process's first throttle also takes one from it for <paramref name="firstThrottleSpread"/>. Null: exact waits.
    /// </param>
    /// <param name="firstThrottleSpread">How far that first attempt is spread; null: <see cref="FirstThrottleSpread"/>.</param>
    public CloudMapAdaptiveRateLimiter(TimeProvider timeProvider, Func<double>? spread = null, TimeSpan? firstThrottleSpread = null)
    {
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _spread = spread;
        _firstSpread = (firstThrottleSpread ?? FirstThrottleSpread).TotalSeconds;
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

    /// <summary>Gets the number of attempts waiting for a token.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Waits for the token of one attempt of <see cref="CloudMapCallPriority.Normal"/> priority (see the other overload).</summary>
    public ValueTask<TimeSpan> AcquireAsync(TimeSpan maxWait, CancellationToken cancellationToken) =>
        AcquireAsync(CloudMapCallPriority.Normal, maxWait, cancellationToken);

    /// <summary>
    /// Waits for the token of one attempt: not at all until a throttle was seen, else until the bucket has it for
    /// <paramref name="priority"/> (tokens taken by waiting attempts of a lower priority do not count, and those
    /// attempts wait one token longer), but never longer than <paramref name="maxWait"/> (the token is taken anyway, so
    /// later requests wait for it).
    /// </summary>
    /// <returns>How long the attempt was held back.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while waiting.</exception>
    public ValueTask<TimeSpan> AcquireAsync(CloudMapCallPriority priority, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (!_enabled)
            {
                return ValueTask.FromResult(TimeSpan.Zero);
            }

            var now = Now();
            double seconds;
            if (_spreadFirst && _firstSpread > 0 && _spread is { } first)
            {
                // The first attempt after the first throttle goes at a random point of the next FirstThrottleSpread, from
                // now (what the bucket holds and owes is replaced: its rate measures nothing yet), and the attempts after
                // it queue behind that point.
                _spreadFirst = false;
                seconds = _bucket.ReserveAfter(Math.Clamp(first(), 0, 1) * _firstSpread, now);
            }
            else
            {
                var deficit = _bucket.Reserve(now) * _bucket.FillRate; // tokens owed before this one is free (wait × rate)
                var slot = 1 / _bucket.FillRate;
                foreach (var lower in _waiting)
                {
                    if (lower.Priority < priority)
                    {
                        // It keeps its token but yields its place: this attempt does not wait for it, it waits one more.
                        deficit -= 1;
                        lower.Due += slot;
                    }
                }

                seconds = deficit > 0 ? deficit / _bucket.FillRate : 0;
                if (seconds > 0 && _spread is { } spread && _lastThrottled)
                {
                    seconds += Math.Clamp(spread(), 0, 1) * slot;
                }
            }

            var limit = maxWait == Timeout.InfiniteTimeSpan ? double.PositiveInfinity : maxWait.TotalSeconds;
            if (seconds <= 0 || limit <= 0)
            {
                return ValueTask.FromResult(TimeSpan.Zero);
            }

            waiter = new Waiter(priority, now, now + seconds, now + limit);
            _waiting.Add(waiter);
        }

        return WaitAsync(waiter, cancellationToken);
    }

    /// <summary>Adjusts the rate after an attempt ended: <paramref name="throttled"/> when its answer said "slow down".</summary>
    public void OnAttemptEnded(bool throttled)
    {
        lock (_lock)
        {
            var now = Now();
            var measured = _meter.Record(now);
            _lastThrottled = throttled;
            double rate;
            if (throttled)
            {
                // Once pacing, the rate being sent at is what the bucket allows when that is below what was measured.
                rate = _cubic.RateAfterThrottle(_enabled ? Math.Min(measured, _bucket.FillRate) : measured, now);
                _spreadFirst = !_enabled;
                _enabled = true;
            }
            else
            {
                rate = _cubic.RateAfterSuccess(now);
            }

            _bucket.SetRate(Math.Min(rate, MaxRateAdjustScale * measured), now);
        }
    }

    /// <summary>Waits until the waiter's slot, which a higher-priority attempt may push back while it waits, or its limit.</summary>
    private async ValueTask<TimeSpan> WaitAsync(Waiter waiter, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                double wait;
                lock (_lock)
                {
                    var now = Now();
                    var until = Math.Min(waiter.Due, waiter.Limit);
                    if (now >= until)
                    {
                        return TimeSpan.FromSeconds(now - waiter.Started);
                    }

                    wait = until - now;
                }

                // Whole ticks, rounded up, so that a fake clock advanced by exactly the wait ends it.
                await Task.Delay(TimeSpan.FromTicks((long)Math.Ceiling(wait * TimeSpan.TicksPerSecond)), _time, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_lock)
            {
                _waiting.Remove(waiter);
            }
        }
    }

    private double Now() => _time.GetElapsedTime(_origin).TotalSeconds;

    /// <summary>One attempt waiting for its token: its slot (<see cref="Due"/>, seconds on the limiter's clock) moves back when a higher-priority attempt takes its place.</summary>
    private sealed class Waiter(CloudMapCallPriority priority, double started, double due, double limit)
    {
        public CloudMapCallPriority Priority { get; } = priority;

        public double Started { get; } = started;

        public double Due { get; set; } = due;

        public double Limit { get; } = limit;
    }
}
