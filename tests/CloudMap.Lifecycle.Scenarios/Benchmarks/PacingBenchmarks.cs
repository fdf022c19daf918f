// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using BenchmarkDotNet.Attributes;
using CloudMap.Lifecycle.Client.Pacing;

namespace CloudMap.Lifecycle.Scenarios.Benchmarks;

/// <summary>
/// Issue 15: what the adaptive rate limiter and the retry quota add to every attempt (next to scenario 7's health
/// cycle). Each benchmark is the pacing work of one attempt: the token before it, the rate update and the quota refund
/// after it. <see cref="Paced"/> runs with a learned rate far above the benchmark's own (no waiting), so it measures the
/// bookkeeping, not a delay.
/// </summary>
[MemoryDiagnoser]
public class PacingBenchmarks
{
    private CloudMapAdaptiveRateLimiter? unpaced;
    private CloudMapAdaptiveRateLimiter? paced;
    private CloudMapRetryQuota? quota;

    [GlobalSetup]
    public void Setup()
    {
        unpaced = new CloudMapAdaptiveRateLimiter(TimeProvider.System);
        quota = new CloudMapRetryQuota();

        // Paced from a throttle on, on a clock that moves 10 s per reading: the bucket always holds the token, so the
        // benchmark measures the bookkeeping (lock, refill, CUBIC update), never a wait.
        paced = new CloudMapAdaptiveRateLimiter(new SteppingClock());
        paced.OnAttemptEnded(throttled: false);
        paced.OnAttemptEnded(throttled: true);
    }

    /// <summary>Before any throttle (the normal case): the limiter lets the attempt through and records the answer.</summary>
    [Benchmark(Baseline = true)]
    public async Task<TimeSpan> Unpaced()
    {
        var waited = await unpaced!.AcquireAsync(Timeout.InfiniteTimeSpan, CancellationToken.None).ConfigureAwait(false);
        unpaced.OnAttemptEnded(throttled: false);
        quota!.Release(CloudMapRetryQuota.NoRetryRefund);
        return waited;
    }

    /// <summary>After a throttle: a token from the bucket, the CUBIC rate update, the quota refund.</summary>
    [Benchmark]
    public async Task<TimeSpan> Paced()
    {
        var waited = await paced!.AcquireAsync(Timeout.InfiniteTimeSpan, CancellationToken.None).ConfigureAwait(false);
        paced.OnAttemptEnded(throttled: false);
        quota!.Release(CloudMapRetryQuota.NoRetryRefund);
        return waited;
    }

    /// <summary>A clock that moves 10 s every time it is read.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        private long now;

        public override long GetTimestamp() => Interlocked.Add(ref now, 10 * TimestampFrequency);
    }
}
