// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Client.Pacing;

/// <summary>
/// The measured send rate of the AWS SDKs' adaptive mode (botocore <c>retries/adaptive.py</c> <c>RateClocker</c>,
/// AWSSDK.Core <c>TokenBucket.UpdateMeasuredRate</c>): answers are counted in windows of <see cref="WindowSeconds"/>;
/// when a window closes, the rate it saw is blended into the measure with weight <see cref="Smoothing"/>.
/// Not thread-safe: <see cref="CloudMapAdaptiveRateLimiter"/> locks around it.
/// </summary>
internal sealed class CloudMapSendRateMeter
{
    /// <summary>The weight of the newest window: 0.8 (botocore <c>RateClocker._DEFAULT_SMOOTHING</c>, AWSSDK.Core <c>SMOOTH</c>).</summary>
    public const double Smoothing = 0.8;

    /// <summary>The measuring window: 0.5 s (botocore <c>RateClocker._TIME_BUCKET_RANGE</c>; AWSSDK.Core floors time × 2 the same way).</summary>
    public const double WindowSeconds = 0.5;

    private double _windowStart;
    private long _count;

    /// <summary>Initializes a new instance of the <see cref="CloudMapSendRateMeter"/> class.</summary>
    public CloudMapSendRateMeter(double startSeconds)
    {
        // As botocore: the first window starts at the whole second before the start.
        _windowStart = Math.Floor(startSeconds);
    }

    /// <summary>Gets the measured rate (requests/s).</summary>
    public double Rate { get; private set; }

    /// <summary>Counts one answer at <paramref name="nowSeconds"/> and returns the measured rate.</summary>
    public double Record(double nowSeconds)
    {
        var window = Math.Floor(nowSeconds / WindowSeconds) * WindowSeconds;
        _count++;
        if (window > _windowStart)
        {
            var current = _count / (window - _windowStart);
            Rate = (current * Smoothing) + (Rate * (1 - Smoothing));
            _count = 0;
            _windowStart = window;
        }

        return Rate;
    }
}
