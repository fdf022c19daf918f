// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Client.Pacing;
using CloudMap.Lifecycle.TestInfrastructure;
using Microsoft.Extensions.Time.Testing;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>
/// The adaptive rate limiter and the retry quota (issue 15): the rates are botocore's own, computed by
/// <c>TestData/make_adaptive_rate_expected.py</c> (botocore 1.43.11's ClientRateLimiter, RateClocker, CubicCalculator and
/// TokenBucket on a fake clock, the same script of answers).
/// </summary>
public sealed class CloudMapPacingTests
{
    private const string ThrottlingBody = """{"__type":"ThrottlingException","message":"Rate exceeded"}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Checkpoints of the python script's output: time (s), throttled, fill rate, measured rate.</summary>
    public static TheoryData<double, double, double> BotocoreCheckpoints => new()
    {
        { 0.5, 0.5, 8.0 },
        { 1.1, 0.5324000000000002, 9.6 },
        { 2.0, 3.2, 9.984 },
        { 2.05, 6.9887999999999995, 9.984 },
        { 2.5, 8.616675307792107, 11.596800000000002 },
        { 3.5, 9.932058612204479, 10.063872 },
        { 4.4, 10.008392745441233, 10.0127744 },
        { 5.0, 10.37638172510729, 10.000510976 },
        { 5.05, 7.000357683199999, 10.000510976 },
        { 5.5, 8.630249111995667, 5.2001021951999995 },
        { 6.0, 5.2800408780799994, 2.6400204390399997 },
        { 20.0, 4.0, 2.0 },
    };

    [Theory]
    [MemberData(nameof(BotocoreCheckpoints))]
    public void Limiter_ScriptOfAnswers_FollowsBotocoresRates(double at, double fillRate, double measured)
    {
        var clock = new FakeTimeProvider();
        var limiter = new CloudMapAdaptiveRateLimiter(clock);
        var origin = clock.GetTimestamp();

        foreach (var (time, throttled) in Script().TakeWhile(e => e.At <= at))
        {
            clock.Advance(TimeSpan.FromTicks((long)Math.Round(time * TimeSpan.TicksPerSecond)) - clock.GetElapsedTime(origin));
            limiter.OnAttemptEnded(throttled);
        }

        Assert.Equal(fillRate, limiter.FillRate, 1e-9);
        Assert.Equal(measured, limiter.MeasuredRate, 1e-9);
        Assert.Equal(at >= 2.05, limiter.IsEnabled);
    }

    [Fact]
    public void Pacing_ThrottledWithin_TrueForTheWindowAfterTheLastThrottleOnItsClock()
    {
        var clock = new FakeTimeProvider();
        var pacing = CloudMapPacing.For(clock, "throttled-within");
        Assert.False(pacing.HasBeenThrottled);
        Assert.False(pacing.ThrottledWithin(TimeSpan.FromSeconds(10)));

        pacing.OnThrottled();
        clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));
        Assert.True(pacing.ThrottledWithin(TimeSpan.FromSeconds(10)));
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.False(pacing.ThrottledWithin(TimeSpan.FromSeconds(10)));
        Assert.True(pacing.HasBeenThrottled); // for the first operation poll: once throttled, always waited for
    }

    [Fact]
    public void Cubic_AfterThrottle_DropsByBetaAndIsBackAtTheThrottledRateAfterK()
    {
        var cubic = new CloudMapCubicRate(0);

        var dropped = cubic.RateAfterThrottle(10, 100);

        // By hand: 10 × 0.7; K = ∛(10 × (1 − 0.7) / 0.4) = ∛7.5 = 1.9574338205844317 s; at K the curve is back at 10,
        // one second later 0.4 × 1³ + 10.
        Assert.Equal(7, dropped, 1e-12);
        Assert.Equal(1.9574338205844317, cubic.ZeroPoint, 1e-12);
        Assert.Equal(7, cubic.RateAfterSuccess(100), 1e-9);
        Assert.Equal(10, cubic.RateAfterSuccess(100 + 1.9574338205844317), 1e-9);
        Assert.Equal(10.4, cubic.RateAfterSuccess(101 + 1.9574338205844317), 1e-9);
    }

    [Fact]
    public void Limiter_SteadySuccessesAfterThrottle_RecoversPastTheThrottledRate()
    {
        var clock = new FakeTimeProvider();
        var limiter = new CloudMapAdaptiveRateLimiter(clock);
        for (var i = 1; i <= 40; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(50));
            limiter.OnAttemptEnded(throttled: i == 40);
        }

        var afterThrottle = limiter.FillRate;
        for (var i = 0; i < 100; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(50));
            limiter.OnAttemptEnded(throttled: false);
        }

        // 20 answers/s measured: dropped to 0.7 × ~20, then CUBIC back past 20 within K ≈ 2.5 s (capped at 2 × measured).
        Assert.InRange(afterThrottle, 13, 14.5);
        Assert.InRange(limiter.FillRate, 20.5, 40);
    }

    [Fact]
    public async Task Limiter_BeforeAnyThrottle_NeverHoldsBack()
    {
        var clock = new FakeTimeProvider();
        var limiter = new CloudMapAdaptiveRateLimiter(clock);

        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(TimeSpan.Zero, await limiter.AcquireAsync(Timeout.InfiniteTimeSpan, Ct));
            limiter.OnAttemptEnded(throttled: false);
        }
    }

    [Fact]
    public async Task Limiter_AfterThrottle_PacesAtTheFillRateOnTheInjectedClock()
    {
        var clock = new FakeTimeProvider();
        var limiter = new CloudMapAdaptiveRateLimiter(clock);
        limiter.OnAttemptEnded(throttled: true); // nothing measured yet: the floor, 0.5 tokens/s, and an empty bucket.

        var first = limiter.AcquireAsync(Timeout.InfiniteTimeSpan, Ct).AsTask();
        var second = limiter.AcquireAsync(Timeout.InfiniteTimeSpan, Ct).AsTask();
        Assert.Equal(TimeSpan.FromSeconds(2), await ReleaseAfterAsync(clock, first, TimeSpan.FromSeconds(2)));
        Assert.False(second.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(4), await second);
    }

    [Fact]
    public async Task Limiter_WithSpread_HoldsEachAttemptItsFractionOfOneSlotLongerAndKeepsTheRate()
    {
        var clock = new FakeTimeProvider();
        var limiter = new CloudMapAdaptiveRateLimiter(clock, spread: () => 0.25, firstThrottleSpread: TimeSpan.Zero);
        limiter.OnAttemptEnded(throttled: true); // 0.5 tokens/s: a slot is 2 s.

        var first = limiter.AcquireAsync(Timeout.InfiniteTimeSpan, Ct).AsTask();
        var second = limiter.AcquireAsync(Timeout.InfiniteTimeSpan, Ct).AsTask();
        Assert.Equal(TimeSpan.FromSeconds(2.5), await ReleaseAfterAsync(clock, first, TimeSpan.FromSeconds(2.5)));

        // The bucket's reservations are the exact ones (the second token is due at 4 s): only the send moves in its slot.
        Assert.Equal(TimeSpan.FromSeconds(4.5), await ReleaseAfterAsync(clock, second, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task Limiter_WithSpread_AfterAnAnswerThatWasNotAThrottle_HoldsExactly()
    {
        var clock = new FakeTimeProvider();
        var limiter = new CloudMapAdaptiveRateLimiter(clock, spread: () => 0.99, firstThrottleSpread: TimeSpan.Zero);
        limiter.OnAttemptEnded(throttled: true);
        limiter.OnAttemptEnded(throttled: false); // still 0.5 tokens/s (nothing measured yet): a slot is 2 s
        Assert.Equal(0.5, limiter.FillRate);

        // With the spread it would be held 3.98 s; after a success the process's timing is its own already.
        var held = limiter.AcquireAsync(Timeout.InfiniteTimeSpan, Ct).AsTask();
        Assert.Equal(TimeSpan.FromSeconds(2), await ReleaseAfterAsync(clock, held, TimeSpan.FromSeconds(2)));

        // A throttle again: the next held attempt is spread again.
        limiter.OnAttemptEnded(throttled: true);
        var spread = limiter.AcquireAsync(Timeout.InfiniteTimeSpan, Ct).AsTask();
        clock.Advance(TimeSpan.FromSeconds(1 / limiter.FillRate)); // the exact wait: one slot
        Assert.False(spread.IsCompleted);
    }

    [Fact]
    public async Task Limiter_WithSpread_SpreadsTheFirstAttemptAfterTheFirstThrottleOverFourSecondsOnce()
    {
        var clock = new FakeTimeProvider();
        var limiter = new CloudMapAdaptiveRateLimiter(clock, spread: () => 0.25);
        clock.Advance(TimeSpan.FromSeconds(10)); // the bucket has filled to its one token: an exact limiter would not hold the next attempt
        limiter.OnAttemptEnded(throttled: true); // enabled at 0.5 tokens/s: a slot is 2 s

        // At 0.25 of the 4 s spread, from now: 1 s, whatever the bucket held.
        var first = limiter.AcquireAsync(Timeout.InfiniteTimeSpan, Ct).AsTask();
        var second = limiter.AcquireAsync(Timeout.InfiniteTimeSpan, Ct).AsTask();
        Assert.Equal(TimeSpan.FromSeconds(1), await ReleaseAfterAsync(clock, first, TimeSpan.FromSeconds(1)));

        // The next one queues behind it: its token is one slot later (3 s), plus its spread (0.25 of a slot).
        Assert.Equal(TimeSpan.FromSeconds(3.5), await ReleaseAfterAsync(clock, second, TimeSpan.FromSeconds(2.5)));

        // Only once: after the bucket has filled again, a later throttle does not hold the next attempt.
        clock.Advance(TimeSpan.FromSeconds(10));
        limiter.OnAttemptEnded(throttled: true);
        Assert.Equal(TimeSpan.Zero, await limiter.AcquireAsync(Timeout.InfiniteTimeSpan, Ct));
    }

    [Fact]
    public async Task Limiter_WithSpread_NeverHoldsPastTheCallersLimit()
    {
        var clock = new FakeTimeProvider();
        var limiter = new CloudMapAdaptiveRateLimiter(clock, spread: () => 0.99, firstThrottleSpread: TimeSpan.Zero);
        limiter.OnAttemptEnded(throttled: true);

        var held = limiter.AcquireAsync(TimeSpan.FromSeconds(2.5), Ct).AsTask();
        clock.Advance(TimeSpan.FromSeconds(2.5));
        Assert.Equal(TimeSpan.FromSeconds(2.5), await held);
    }

    [Fact]
    public void Quota_SpendsFiveOrTenAndRefundsUpToItsCapacity()
    {
        var quota = new CloudMapRetryQuota();

        Assert.True(quota.TryAcquire(afterTimeout: false, out var cost));
        Assert.Equal(5, cost);
        Assert.True(quota.TryAcquire(afterTimeout: true, out cost));
        Assert.Equal(10, cost);
        Assert.Equal(485, quota.Available);
        quota.Release(10);
        quota.Release(CloudMapRetryQuota.NoRetryRefund);
        Assert.Equal(496, quota.Available);
        quota.Release(100);
        Assert.Equal(500, quota.Available);
    }

    [Theory]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    [InlineData(CloudMapRetryMode.Standard)]
    [InlineData(CloudMapRetryMode.Adaptive)]
    public async Task Quota_Always5xx_EmptiesAndStopsRetries(CloudMapRetryMode mode)
    {
        await using var h = await ClientHarness.StartAsync(o => o.RetryMode = mode);
        h.Server.Fallback = ctx => ScriptedCloudMapServer.WriteAsync(ctx, HttpStatusCode.InternalServerError, """{"__type":"InternalFailure","message":"boom"}""");

        for (var i = 0; i < 40; i++)
        {
            await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct));
        }

        // 500 / (3 retries × 5) = 33 calls with every retry; the 34th pays one retry with the last 5; 6 calls of 1 attempt.
        Assert.Equal((33 * 4) + 2 + 6, h.Server.Requests.Count);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task Quota_Empty_SuccessesRefundItUntilARetryIsPaidAgain()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Fallback = ctx => ScriptedCloudMapServer.WriteAsync(ctx, HttpStatusCode.InternalServerError, """{"__type":"InternalFailure","message":"boom"}""");
        for (var i = 0; i < 34; i++)
        {
            await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct));
        }

        var drained = h.Server.Requests.Count;
        for (var i = 0; i < 5; i++)
        {
            h.Server.Reply("""{"OperationId":"op-1"}""");
            await h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct);
        }

        // Five first-attempt successes gave back 5 × 1: one retry again, then none.
        await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct));
        await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct));
        Assert.Equal(drained + 5 + 2 + 1, h.Server.Requests.Count);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task Adaptive_DeregistrationWithinBudget_IsHeldBackAtMostAQuarterOfItsBudget()
    {
        await using var h = await ClientHarness.StartAsync(o => (o.MaxAttempts, o.RetryMode) = (1, CloudMapRetryMode.Adaptive));
        h.Server.ReplyError("ThrottlingException").ReplyError("ThrottlingException");
        await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct)); // learns: 0.5 req/s.

        // The first attempt after the first throttle goes at the start of its spread (the harness's random numbers are 0).
        await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct));

        using var others = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var queued = Enumerable.Range(0, 10).Select(_ => h.Client.GetServiceAsync("srv-1", others.Token)).ToList(); // 20 s of tokens.
        await h.Clock.WaitForTimersAsync(10, Ct);
        Task<string> deregistration;
        using (CloudMapCallContext.LimitAttempts(h.Clock, TimeSpan.FromSeconds(10)))
        {
            deregistration = h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct);
        }

        await h.Clock.WaitForTimersAsync(11, Ct);
        var requestsBefore = h.Server.Requests.Count;
        h.Server.Fallback = ctx => ScriptedCloudMapServer.WriteAsync(ctx, HttpStatusCode.OK, """{"OperationId":"op-1"}""");
        h.Clock.Advance(TimeSpan.FromSeconds(2.5));

        Assert.Equal("op-1", await deregistration.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Contains(h.Server.Requests.Skip(requestsBefore), r => r.Target == "Route53AutoNaming_v20170314.DeregisterInstance");
        await others.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(queued.Skip(1)));
    }

    [Fact]
    public async Task Standard_AfterThrottle_RetriesWithoutHoldingBack()
    {
        await using var h = await ClientHarness.StartAsync(o => o.RetryMode = CloudMapRetryMode.Standard);
        h.Server.ReplyError("ThrottlingException").Reply("""{"OperationId":"op-1"}""").Reply("""{"OperationId":"op-2"}""");

        // Zero jitter: no delay at all; in adaptive mode the retry waits 2 s for a token (the next test).
        Assert.Equal("op-1", await h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct));
        Assert.Equal("op-2", await h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct));
        Assert.Equal(3, h.Server.Requests.Count);
    }

    [Fact]
    public async Task Adaptive_AfterThrottle_RetryWaitsForItsToken()
    {
        await using var h = await ClientHarness.StartAsync(o => o.RetryMode = CloudMapRetryMode.Adaptive);
        h.Server.ReplyError("ThrottlingException").ReplyError("ThrottlingException").Reply("""{"OperationId":"op-1"}""");

        // The harness's random numbers are 0: no backoff, and the first retry after the process's first throttle goes
        // at the start of its spread (at once); the retry after the second throttle waits for its token, 2 s away.
        var call = h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct);
        await h.Clock.WaitForTimersAsync(1, Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(2, h.Server.Requests.Count);
        h.Clock.Advance(TimeSpan.FromSeconds(1.999));
        Assert.Equal(2, h.Server.Requests.Count);
        h.Clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal("op-1", await call.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(3, h.Server.Requests.Count);
    }

    [Fact]
    public void Options_UndefinedRetryMode_IsRejectedNamingTheSettingAndTheValue()
    {
        var result = new CloudMapClientOptionsValidator().Validate(null, new CloudMapClientOptions { RetryMode = (CloudMapRetryMode)7 });

        Assert.True(result.Failed);
        Assert.Contains("CloudMapClientOptions.RetryMode must be Standard or Adaptive; it is 7.", result.FailureMessage, StringComparison.Ordinal);
        Assert.Equal(CloudMapRetryMode.Adaptive, new CloudMapClientOptions().RetryMode);
    }

    /// <summary>Moves the clock to 1 ms before <paramref name="after"/>, checks the attempt is still held, then to <paramref name="after"/>, and returns how long it was held.</summary>
    private static async Task<TimeSpan> ReleaseAfterAsync(FakeTimeProvider clock, Task<TimeSpan> held, TimeSpan after)
    {
        clock.Advance(after - TimeSpan.FromMilliseconds(1));
        Assert.False(held.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        return await held;
    }

    private static IEnumerable<(double At, bool Throttled)> Script()
    {
        for (var n = 1; n <= 20; n++)
        {
            yield return (n / 10d, false);
        }

        yield return (2.05, true);
        for (var n = 21; n <= 50; n++)
        {
            yield return (n / 10d, false);
        }

        yield return (5.05, true);
        for (var n = 11; n <= 40; n++)
        {
            yield return (n / 2d, false);
        }
    }
}
