// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Time.Testing;

namespace CloudMap.Lifecycle.Testing;

/// <summary>
/// Microsoft.Extensions.TimeProvider.Testing's <see cref="FakeTimeProvider"/> plus the one thing it lacks: knowing how
/// many timers the code under test has armed, so a test moves the clock only once that code waits on it.
/// </summary>
/// <remarks>
/// <para>
/// It is a <see cref="FakeTimeProvider"/> (same clock, same <see cref="FakeTimeProvider.Advance(TimeSpan)"/>); only
/// <see cref="CreateTimer(TimerCallback, object?, TimeSpan, TimeSpan)"/> is wrapped to count armed timers. Every timer
/// goes through it: <c>Task.Delay(TimeSpan, TimeProvider)</c>, <c>PeriodicTimer</c>, <c>CancellationTokenSource</c>
/// with a timeout and <c>Task.WaitAsync</c> with a <see cref="TimeProvider"/> all call <c>CreateTimer</c>.
/// </para>
/// <para>
/// A timer counts as armed from <see cref="ITimer.Change(TimeSpan, TimeSpan)"/> with a positive due time until it fires
/// (one-shot), is changed to <see cref="Timeout.InfiniteTimeSpan"/>, or is disposed. A timer due at once fires inside
/// <c>CreateTimer</c> and is never counted.
/// </para>
/// </remarks>
public class TimerCountingFakeTimeProvider : FakeTimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<(int Count, TaskCompletionSource Completion)> _waiters = [];
    private int _armed;

    /// <summary>Initializes a new instance starting where <see cref="TimerCountingFakeTimeProvider()"/> starts.</summary>
    public TimerCountingFakeTimeProvider()
    {
    }

    /// <summary>Initializes a new instance starting at <paramref name="startDateTime"/>.</summary>
    /// <param name="startDateTime">The initial value of <see cref="FakeTimeProvider.GetUtcNow"/>.</param>
    public TimerCountingFakeTimeProvider(DateTimeOffset startDateTime)
        : base(startDateTime)
    {
    }

    /// <summary>The most steps <see cref="AdvanceUntilAsync"/> takes: 10,000.</summary>
    public const int MaxSteps = 10_000;

    /// <summary>How long <see cref="AdvanceUntilAsync"/> waits, on real time, for the code under test to park: 30 seconds.</summary>
    public static readonly TimeSpan ParkTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan ConditionPollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Gets the number of timers that are armed (scheduled to fire) right now.</summary>
    public int ArmedTimerCount
    {
        get
        {
            lock (_lock)
            {
                return _armed;
            }
        }
    }

    /// <summary>
    /// Returns a task that completes once at least <paramref name="count"/> timers are armed at the same time: the code
    /// under test has reached its wait, so advancing now cannot land in the middle of its work.
    /// </summary>
    /// <param name="count">The number of armed timers to wait for; at least 1.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the condition holds.</returns>
    public Task WaitForTimersAsync(int count = 1, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        TaskCompletionSource completion;
        lock (_lock)
        {
            if (_armed >= count)
            {
                return Task.CompletedTask;
            }

            completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, completion));
        }

        return cancellationToken.CanBeCanceled ? completion.Task.WaitAsync(cancellationToken) : completion.Task;
    }

    /// <summary>
    /// Moves the clock by <paramref name="step"/> each time the code under test is parked on <paramref name="timers"/>
    /// armed timers, until <paramref name="condition"/> holds: for example until the app has registered in an emulator
    /// that runs on this clock, or until a stop that waits on the clock has finished.
    /// </summary>
    /// <param name="condition">What to wait for; checked before every step and, while the code is not parked, every 10 ms of real time.</param>
    /// <param name="step">How far each step moves the clock; more than zero.</param>
    /// <param name="timers">
    /// How many armed timers mean "parked": the library arms one while it waits (a readiness poll, a health interval, a
    /// retry's backoff), two while it stops (the deregistration budget and a backoff). Advancing while fewer are armed
    /// would move the clock under work in progress.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of steps taken.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="condition"/> is <see langword="null"/>.</exception>
    /// <exception cref="TimeoutException">
    /// The condition did not hold within <see cref="MaxSteps"/> steps, or it neither held nor did the code park within
    /// <see cref="ParkTimeout"/> of real time.
    /// </exception>
    public async Task<int> AdvanceUntilAsync(Func<bool> condition, TimeSpan step, int timers = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(step, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(timers, 1);
        for (var steps = 0; steps <= MaxSteps; steps++)
        {
            var parked = WaitForTimersAsync(timers, cancellationToken);
            var waitStarted = System.GetTimestamp();
            while (!parked.IsCompleted)
            {
                // A condition can come true without any timer (a stop that ends, a call answered): look again often.
                if (condition())
                {
                    return steps;
                }

                if (System.GetElapsedTime(waitStarted) >= ParkTimeout)
                {
                    throw new TimeoutException($"The condition did not hold and the code under test did not arm {timers} timer(s) within {ParkTimeout} of real time (armed: {ArmedTimerCount}, clock at {GetUtcNow():O}, {steps} steps taken).");
                }

                await Task.WhenAny(parked, Task.Delay(ConditionPollInterval, System, cancellationToken)).ConfigureAwait(false);
            }

            await parked.ConfigureAwait(false);
            if (condition())
            {
                return steps;
            }

            if (steps < MaxSteps)
            {
                Advance(step);
            }
        }

        throw new TimeoutException($"The condition did not hold after {MaxSteps} steps of {step} (clock at {GetUtcNow():O}).");
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new CountedTimer(this, callback);
        timer.Attach(base.CreateTimer(static s => ((CountedTimer)s!).Fire(), timer, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan), state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void SetArmed(bool wasArmed, bool isArmed)
    {
        if (wasArmed == isArmed)
        {
            return;
        }

        List<TaskCompletionSource>? ready = null;
        lock (_lock)
        {
            _armed += isArmed ? 1 : -1;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Count <= _armed)
                {
                    (ready ??= []).Add(_waiters[i].Completion);
                    _waiters.RemoveAt(i);
                }
            }
        }

        if (ready is not null)
        {
            foreach (var completion in ready)
            {
                completion.TrySetResult();
            }
        }
    }

    private sealed class CountedTimer(TimerCountingFakeTimeProvider owner, TimerCallback callback) : ITimer
    {
        private readonly Lock _lock = new();
        private ITimer? _inner;
        private object? _state;
        private bool _armed;
        private bool _periodic;
        private bool _disposed;

        public void Attach(ITimer inner, object? state)
        {
            _inner = inner;
            _state = state;
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            bool wasArmed;
            bool isArmed;
            lock (_lock)
            {
                if (_disposed)
                {
                    return false;
                }

                wasArmed = _armed;
                _periodic = period != Timeout.InfiniteTimeSpan && period > TimeSpan.Zero;
                isArmed = _armed = dueTime != Timeout.InfiniteTimeSpan && (dueTime > TimeSpan.Zero || _periodic);
            }

            owner.SetArmed(wasArmed, isArmed);
            return _inner!.Change(dueTime, period);
        }

        public void Fire()
        {
            bool wasArmed;
            bool isArmed;
            lock (_lock)
            {
                wasArmed = _armed;
                isArmed = _armed = _armed && _periodic;
            }

            owner.SetArmed(wasArmed, isArmed);
            callback(_state);
        }

        public void Dispose()
        {
            bool wasArmed;
            lock (_lock)
            {
                wasArmed = _armed;
                _armed = false;
                _disposed = true;
            }

            owner.SetArmed(wasArmed, isArmed: false);
            _inner!.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
