// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Client.Pacing;

/// <summary>
/// The token bucket of the AWS SDKs' adaptive mode (botocore <c>retries/bucket.py</c> <c>TokenBucket</c>, AWSSDK.Core
/// <c>TokenBucket</c>): it fills at <see cref="FillRate"/> tokens/s up to <see cref="MaxCapacity"/> (one second of the
/// rate, at least 1), and every request takes one token. Unlike the SDKs' blocking acquire, a request here
/// <em>reserves</em> its token (the bucket may go below zero) and is told how long to wait for it, so waiters are served
/// in order with one timer each instead of all waking when a token arrives. Times are seconds on the caller's clock.
/// Not thread-safe: <see cref="CloudMapAdaptiveRateLimiter"/> locks around it.
/// </summary>
internal sealed class CloudMapTokenBucket
{
    /// <summary>The lowest fill rate: 0.5 tokens/s (botocore <c>TokenBucket._MIN_RATE</c>, AWSSDK.Core <c>MIN_FILL_RATE</c>).</summary>
    public const double MinFillRate = 0.5;

    /// <summary>The smallest capacity: 1 token (botocore's <c>max_rate</c> setter, AWSSDK.Core <c>MIN_CAPACITY</c>).</summary>
    public const double MinCapacity = 1;

    private double? _lastRefill;

    /// <summary>Initializes a new instance of the <see cref="CloudMapTokenBucket"/> class: 1 token/s, empty (as botocore's bucket starts).</summary>
    public CloudMapTokenBucket()
    {
        FillRate = 1;
        MaxCapacity = 1;
    }

    /// <summary>Gets the rate the bucket fills at (tokens/s).</summary>
    public double FillRate { get; private set; }

    /// <summary>Gets the most tokens the bucket holds.</summary>
    public double MaxCapacity { get; private set; }

    /// <summary>Gets the tokens in the bucket as of the last refill (negative: reserved by requests still waiting).</summary>
    public double Tokens { get; private set; }

    /// <summary>Sets the fill rate from <paramref name="nowSeconds"/> on (the tokens earned until then at the old rate are kept).</summary>
    public void SetRate(double rate, double nowSeconds)
    {
        Refill(nowSeconds);
        FillRate = Math.Max(rate, MinFillRate);
        MaxCapacity = Math.Max(rate, MinCapacity);
        Tokens = Math.Min(Tokens, MaxCapacity);
    }

    /// <summary>Takes one token at <paramref name="nowSeconds"/> and returns how many seconds the request waits for it (0 when it was there).</summary>
    public double Reserve(double nowSeconds)
    {
        Refill(nowSeconds);
        Tokens -= 1;
        return Tokens >= 0 ? 0 : -Tokens / FillRate;
    }

    /// <summary>
    /// Takes one token due <paramref name="seconds"/> after <paramref name="nowSeconds"/>, whatever the bucket held or
    /// owed before, so that the next request waits for it and one more; returns <paramref name="seconds"/>.
    /// </summary>
    public double ReserveAfter(double seconds, double nowSeconds)
    {
        Refill(nowSeconds);
        Tokens = -seconds * FillRate;
        return seconds;
    }

    private void Refill(double nowSeconds)
    {
        if (_lastRefill is { } last && nowSeconds > last)
        {
            Tokens = Math.Min(MaxCapacity, Tokens + ((nowSeconds - last) * FillRate));
        }

        _lastRefill = _lastRefill is { } previous ? Math.Max(previous, nowSeconds) : nowSeconds;
    }
}
