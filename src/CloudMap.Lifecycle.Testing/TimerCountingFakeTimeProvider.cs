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
