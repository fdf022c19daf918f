// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Tests;

/// <summary>
/// <see cref="TimedWait"/>: a wait bounded on the injected clock that leaves no timer armed once it returns, whichever
/// way it ends (the work, the timeout, the token).
/// </summary>
public sealed class TimedWaitTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly CreateCountingTimeProvider _time = new();
    private readonly TaskCompletionSource<int> _work = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EndsWithinAsync_WorkEndsInTime_TrueAndTheDeadlineIsDisarmed()
    {
        var wait = TimedWait.EndsWithinAsync(_work.Task, Timeout, _time, Ct);
        await _time.WaitForTimersAsync(1, Ct);

        _work.SetResult(1);

        Assert.True(await wait);
        Assert.Equal(0, _time.ArmedTimerCount);
    }

    [Fact]
    public async Task EndsWithinAsync_TimeoutPasses_FalseNoTimerLeftAndTheWorkGoesOn()
    {
        var wait = TimedWait.EndsWithinAsync(_work.Task, Timeout, _time, Ct);
        await _time.WaitForTimersAsync(1, Ct);
        _time.Advance(Timeout - TimeSpan.FromTicks(1));
        Assert.False(wait.IsCompleted);

        _time.Advance(TimeSpan.FromTicks(1));

        Assert.False(await wait);
        Assert.Equal(0, _time.ArmedTimerCount);
        Assert.False(_work.Task.IsCompleted);
    }

    [Fact]
    public async Task EndsWithinAsync_TokenCancelled_ThrowsItNoTimerLeft()
    {
        using var stop = new CancellationTokenSource();
        var wait = TimedWait.EndsWithinAsync(_work.Task, Timeout, _time, stop.Token);
        await _time.WaitForTimersAsync(1, Ct);

        await stop.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        Assert.Equal(stop.Token, error.CancellationToken);
        Assert.Equal(0, _time.ArmedTimerCount);
    }

    [Fact]
    public async Task EndsWithinAsync_AlreadyCompleted_CreatesNoTimer()
    {
        Assert.True(await TimedWait.EndsWithinAsync(Task.CompletedTask, Timeout, _time, Ct));
        Assert.Equal(42, await TimedWait.WithinAsync(Task.FromResult(42), Timeout, _time, Ct));

        Assert.Equal(0, _time.TimersCreated);
    }

    [Fact]
    public async Task WithinAsync_WorkEndsInTime_ItsResultNoTimerLeft()
    {
        var wait = TimedWait.WithinAsync(_work.Task, Timeout, _time, Ct);
        await _time.WaitForTimersAsync(1, Ct);

        _work.SetResult(7);

        Assert.Equal(7, await wait);
        Assert.Equal(0, _time.ArmedTimerCount);
    }

    [Fact]
    public async Task WithinAsync_TimeoutPasses_ThrowsTimeoutExceptionNoTimerLeft()
    {
        var wait = TimedWait.WithinAsync(_work.Task, Timeout, _time, Ct);
        await _time.WaitForTimersAsync(1, Ct);

        _time.Advance(Timeout);

        await Assert.ThrowsAsync<TimeoutException>(() => wait);
        Assert.Equal(0, _time.ArmedTimerCount);
    }

    [Fact]
    public async Task WorkFails_EndsWithinAsyncLeavesTheFailureToTheCallerWithinAsyncThrowsIt()
    {
        var ends = TimedWait.EndsWithinAsync(_work.Task, Timeout, _time, Ct);
        var within = TimedWait.WithinAsync(_work.Task, Timeout, _time, Ct);
        await _time.WaitForTimersAsync(2, Ct);

        _work.SetException(new InvalidOperationException("boom"));

        Assert.True(await ends);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => within);
        Assert.Equal("boom", error.Message);
        Assert.Equal(0, _time.ArmedTimerCount);
    }

    [Fact]
    public async Task WithinAsync_WorkCancelledItself_ThrowsItsCancellationNotATimeout()
    {
        var wait = TimedWait.WithinAsync(_work.Task, Timeout, _time, Ct);
        await _time.WaitForTimersAsync(1, Ct);

        _work.SetCanceled(CancellationToken.None);

        await Assert.ThrowsAsync<TaskCanceledException>(() => wait);
        Assert.Equal(0, _time.ArmedTimerCount);
    }

    [Fact]
    public async Task WithinAsync_InfiniteTimeout_ArmsNothingAndWaitsForTheWork()
    {
        var wait = TimedWait.WithinAsync(_work.Task, System.Threading.Timeout.InfiniteTimeSpan, _time, Ct);
        _time.Advance(TimeSpan.FromDays(365));
        Assert.Equal(0, _time.ArmedTimerCount);
        Assert.False(wait.IsCompleted);

        _work.SetResult(3);

        Assert.Equal(3, await wait);
    }

    [Fact]
    public async Task DelayAtLeastAsync_TimerFiresEarly_WaitsOutWhatIsLeft()
    {
        var time = new EarlyTimersTimeProvider();
        var wait = TimedWait.DelayAtLeastAsync(TimeSpan.FromSeconds(1), time, Ct);
        await time.WaitForTimersAsync(1, Ct);

        // The first timer fires at 999 ms: the wait arms another for the millisecond left instead of ending.
        time.Advance(TimeSpan.FromMilliseconds(999));
        await time.WaitForTimersAsync(1, Ct);
        Assert.False(wait.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(1));
        await wait;
        Assert.Equal(0, time.ArmedTimerCount);
    }

    [Fact]
    public async Task DelayAtLeastAsync_ExactTimer_OneTimerAndEndsOnTime()
    {
        var wait = TimedWait.DelayAtLeastAsync(TimeSpan.FromSeconds(1), _time, Ct);
        await _time.WaitForTimersAsync(1, Ct);
        _time.Advance(TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(1));
        Assert.False(wait.IsCompleted);

        _time.Advance(TimeSpan.FromTicks(1));

        await wait;
        Assert.Equal(1, _time.TimersCreated);
    }

    /// <summary>Timers that fire at 99.9 % of their due time, as the runtime's whole-millisecond timers can.</summary>
    private sealed class EarlyTimersTimeProvider : TimerCountingFakeTimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            base.CreateTimer(callback, state, dueTime == global::System.Threading.Timeout.InfiniteTimeSpan ? dueTime : dueTime * 0.999, period);
    }

    /// <summary>Counts every timer created, armed or not.</summary>
    private sealed class CreateCountingTimeProvider : TimerCountingFakeTimeProvider
    {
        private int _created;

        public int TimersCreated => Volatile.Read(ref _created);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _created);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
