// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using BenchmarkDotNet.Attributes;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Client.Pacing;
using Polly;

namespace CloudMap.Lifecycle.Scenarios.Benchmarks;

/// <summary>
/// Issue 15, reported by scenario 7: what the pacing step (<see cref="CloudMapPacingStrategy"/>, the adaptive rate
/// limiter and the retry quota) adds to every attempt, measured as the client runs it: a Polly pipeline holding only that
/// step around an attempt that completes at once. <see cref="NoStep"/> is the same pipeline without the step, the "raw
/// call"; <see cref="StandardStep"/> is Standard retry mode (quota only, no limiter), the baseline; the adaptive steps are
/// the library's default.
/// </summary>
[MemoryDiagnoser]
public class PacingBenchmarks
{
    private static readonly Func<ResilienceContext, TimeSpan> NoLimit = static _ => Timeout.InfiniteTimeSpan;
    private ResiliencePipeline noStep = ResiliencePipeline.Empty;
    private ResiliencePipeline standard = ResiliencePipeline.Empty;
    private ResiliencePipeline adaptive = ResiliencePipeline.Empty;
    private ResiliencePipeline paced = ResiliencePipeline.Empty;

    [GlobalSetup]
    public void Setup()
    {
        noStep = new ResiliencePipelineBuilder().Build();
        standard = Pipeline(CloudMapPacing.For(TimeProvider.System, "bench-standard"), CloudMapRetryMode.Standard);
        adaptive = Pipeline(CloudMapPacing.For(TimeProvider.System, "bench-adaptive"), CloudMapRetryMode.Adaptive);

        // Paced from a throttle on, on a clock that moves 10 s per reading: the bucket always holds the token, so the
        // benchmark measures the bookkeeping (lock, refill, CUBIC update), never a wait.
        var throttled = CloudMapPacing.For(new SteppingClock(), "bench-paced");
        throttled.Limiter.OnAttemptEnded(throttled: false);
        throttled.Limiter.OnAttemptEnded(throttled: true);
        paced = Pipeline(throttled, CloudMapRetryMode.Adaptive);
    }

    /// <summary>The pipeline without the pacing step (the raw call's own cost through Polly).</summary>
    [Benchmark]
    public ValueTask NoStep() => noStep.ExecuteAsync(static _ => ValueTask.CompletedTask, CancellationToken.None);

    /// <summary>Standard retry mode: the quota refund after the attempt, no limiter.</summary>
    [Benchmark(Baseline = true)]
    public ValueTask StandardStep() => standard.ExecuteAsync(static _ => ValueTask.CompletedTask, CancellationToken.None);

    /// <summary>Adaptive mode before any throttle (the normal case): the limiter lets the attempt through and records the answer.</summary>
    [Benchmark]
    public ValueTask AdaptiveStep() => adaptive.ExecuteAsync(static _ => ValueTask.CompletedTask, CancellationToken.None);

    /// <summary>Adaptive mode after a throttle: a token from the bucket, the CUBIC rate update, the quota refund.</summary>
    [Benchmark]
    public ValueTask AdaptivePacedStep() => paced.ExecuteAsync(static _ => ValueTask.CompletedTask, CancellationToken.None);

    private static ResiliencePipeline Pipeline(CloudMapPacing pacing, CloudMapRetryMode mode)
    {
        var step = new CloudMapPacingStrategy(pacing, mode, NoLimit, static _ => CloudMapCallPriority.Normal);
        return new ResiliencePipelineBuilder().AddStrategy(_ => step).Build();
    }

    /// <summary>A clock that moves 10 s every time it is read.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        private long now;

        public override long GetTimestamp() => Interlocked.Add(ref now, 10 * TimestampFrequency);
    }
}
