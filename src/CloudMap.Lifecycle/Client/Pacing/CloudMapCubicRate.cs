// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Client.Pacing;

/// <summary>
/// The CUBIC rate curve of the AWS SDKs' adaptive retry mode (botocore <c>retries/throttling.py</c> <c>CubicCalculator</c>,
/// AWSSDK.Core <c>TokenBucket</c>): after a throttle at rate <c>Wmax</c> the rate drops to <c>Wmax × β</c>, then grows as
/// <c>C × (t − K)³ + Wmax</c>, where <c>K = ∛(Wmax × (1 − β) / C)</c> is the time it takes to climb back to <c>Wmax</c>.
/// Times are seconds on the caller's clock. Not thread-safe: <see cref="CloudMapAdaptiveRateLimiter"/> locks around it.
/// </summary>
internal sealed class CloudMapCubicRate
{
    /// <summary>β, the share of the rate kept after a throttle: 0.7 (botocore <c>CubicCalculator._BETA</c>, AWSSDK.Core <c>BETA</c>).</summary>
    public const double Beta = 0.7;

    /// <summary>C, how fast the rate climbs back: 0.4 (botocore <c>CubicCalculator._SCALE_CONSTANT</c>, AWSSDK.Core <c>SCALE_CONSTANT</c>).</summary>
    public const double ScaleConstant = 0.4;

    private double _maxRate;
    private double _zeroPoint;
    private double _lastThrottle;

    /// <summary>Initializes a new instance of the <see cref="CloudMapCubicRate"/> class: no throttle seen, <c>Wmax</c> 0 (as the SDKs start).</summary>
    public CloudMapCubicRate(double startSeconds)
    {
        _lastThrottle = startSeconds;
    }

    /// <summary>Gets <c>Wmax</c>, the rate of the last throttle (requests/s).</summary>
    public double MaxRate => _maxRate;

    /// <summary>Gets <c>K</c>, the seconds from the last throttle until the curve is back at <see cref="MaxRate"/>.</summary>
    public double ZeroPoint => _zeroPoint;

    /// <summary>The rate the curve allows at <paramref name="nowSeconds"/> after an answer that was not a throttle.</summary>
    public double RateAfterSuccess(double nowSeconds)
    {
        var t = nowSeconds - _lastThrottle - _zeroPoint;
        return (ScaleConstant * t * t * t) + _maxRate;
    }

    /// <summary>Records a throttle at <paramref name="rate"/> (the rate being sent at) and returns the rate to drop to.</summary>
    public double RateAfterThrottle(double rate, double nowSeconds)
    {
        _maxRate = rate;
        _zeroPoint = Math.Cbrt(rate * (1 - Beta) / ScaleConstant);
        _lastThrottle = nowSeconds;
        return rate * Beta;
    }
}
