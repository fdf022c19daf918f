// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Tests;

/// <summary>
/// <see cref="LifecycleRetry"/>: the one retry loop of resolve, register and deregister — backoff, one report per failed
/// attempt, and the cancellation rules the service's stop relies on.
/// </summary>
public sealed class LifecycleRetryTests
{
    private readonly TimerCountingFakeTimeProvider _time = new();
    private readonly List<(int Attempt, string Message)> _reports = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task RunAsync_FailsTwiceThenSucceeds_ReportsEachFailureAndWaitsTheBackoffBetween()
    {
        var attempts = new List<DateTimeOffset>();

        var run = LifecycleRetry.RunAsync(
            _ =>
            {
                attempts.Add(_time.GetUtcNow());
                return attempts.Count < 3 ? Task.FromException<int>(new InvalidOperationException("fail " + attempts.Count)) : Task.FromResult(42);
            },
            static _ => true,
            Report,
            _time,
            Ct);
        for (var retry = 0; retry < 2; retry++)
        {
            await _time.WaitForTimersAsync(1, Ct);
            _time.Advance(Backoff.UpperBound(retry));
        }

        Assert.Equal(42, await run.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal([(1, "fail 1"), (2, "fail 2")], _reports);
        Assert.Equal(3, attempts.Count);
        for (var retry = 0; retry < 2; retry++)
        {
            // Equal jitter: between half of and the whole upper bound.
            Assert.InRange(attempts[retry + 1] - attempts[retry], Backoff.UpperBound(retry) / 2, Backoff.UpperBound(retry));
        }
    }

    [Fact]
    public async Task RunAsync_NotRetryable_PropagatesAtOnceUnreported()
    {
        var calls = 0;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => LifecycleRetry.RunAsync(
            _ =>
            {
                calls++;
                return Task.FromException<int>(new InvalidOperationException("fatal"));
            },
            static _ => false,
            Report,
            _time,
            Ct));

        Assert.Equal("fatal", error.Message);
        Assert.Equal(1, calls);
        Assert.Empty(_reports);
        Assert.Equal(0, _time.ArmedTimerCount);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task RunAsync_CancelledBeforeTheFirstAttempt_NeverAttempts()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var calls = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => LifecycleRetry.RunAsync(
            _ =>
            {
                calls++;
                return Task.FromResult(1);
            },
            static _ => true,
            Report,
            _time,
            cancelled.Token));

        Assert.Equal(0, calls);
        Assert.Empty(_reports);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task RunAsync_CancelledDuringTheWait_EndsWithCancellationAndNoNewAttempt()
    {
        using var stop = new CancellationTokenSource();
        var calls = 0;

        var run = LifecycleRetry.RunAsync(
            _ =>
            {
                calls++;
                return Task.FromException<int>(new InvalidOperationException("transient"));
            },
            static _ => true,
            Report,
            _time,
            stop.Token);
        await _time.WaitForTimersAsync(1, Ct);
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(1, calls);
        Assert.Equal([(1, "transient")], _reports);
        Assert.Equal(0, _time.ArmedTimerCount);
    }

    // The register step: the attempt runs on its own (abort) token and is finished after the stop; its failure is still
    // reported, and the caller sees the stop, not the failure.
    [Fact]
    public async Task RunAsync_AttemptInFlightFailsAfterTheStop_ReportedThenCancellation()
    {
        using var stop = new CancellationTokenSource();
        var inFlight = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = LifecycleRetry.RunAsync(_ => inFlight.Task, static _ => true, Report, _time, stop.Token);
        await stop.CancelAsync();
        inFlight.SetException(new InvalidOperationException("throttled"));

        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(stop.Token, cancelled.CancellationToken);
        Assert.Equal([(1, "throttled")], _reports);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task RunAsync_AttemptInFlightSucceedsAfterTheStop_ReturnsItsResult()
    {
        using var stop = new CancellationTokenSource();
        var inFlight = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = LifecycleRetry.RunAsync(_ => inFlight.Task, static _ => true, Report, _time, stop.Token);
        await stop.CancelAsync();
        inFlight.SetResult(7);

        Assert.Equal(7, await run.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }

    [Fact]
    public async Task RunAsync_AttemptCancelledByItsOwnToken_NotRetryable_PropagatesUnreported()
    {
        using var abort = new CancellationTokenSource();
        await abort.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => LifecycleRetry.RunAsync(
            _ => Task.FromException<int>(new OperationCanceledException(abort.Token)),
            ex => ex is not OperationCanceledException || !abort.IsCancellationRequested,
            Report,
            _time,
            Ct));

        Assert.Empty(_reports);
    }

    [Fact]
    public async Task RunAsync_VoidAttempt_PassesTheTokenAndCompletes()
    {
        using var source = new CancellationTokenSource();
        CancellationToken seen = default;

        await LifecycleRetry.RunAsync(
            token =>
            {
                seen = token;
                return Task.CompletedTask;
            },
            static _ => true,
            Report,
            _time,
            source.Token);

        Assert.Equal(source.Token, seen);
    }

    private void Report(int attempt, Exception error) => _reports.Add((attempt, error.Message));
}
