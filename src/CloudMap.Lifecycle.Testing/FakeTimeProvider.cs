// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Testing;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock moves only when a test tells it to.
/// </summary>
/// <remarks>
/// <para>
/// The clock starts at a fixed instant and only moves forward. <see cref="Advance(TimeSpan)"/> walks time
/// forward timer by timer: each due timer fires at its own due time, in order, outside the internal lock,
/// so callbacks may create or change timers freely.
/// </para>
/// <para>
/// Code under test usually arms a timer asynchronously (for example inside a background loop). Call
/// <see cref="WaitForTimersAsync(int, CancellationToken)"/> before advancing, so the test moves the clock
/// only after the code has reached its wait: no sleeps and no polling.
/// </para>
/// </remarks>
public sealed class FakeTimeProvider : TimeProvider
{
    /// <summary>The instant a new <see cref="FakeTimeProvider"/> starts at: 2026-01-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Lock _lock = new();
    private readonly List<FakeTimer> _timers = [];
    private readonly List<(int Count, TaskCompletionSource Completion)> _waiters = [];
    private DateTimeOffset _now;
    private long _sequence;

    /// <summary>Initializes a new instance starting at <see cref="DefaultStart"/>.</summary>
    public FakeTimeProvider()
        : this(DefaultStart)
    {
    }

    /// <summary>Initializes a new instance starting at <paramref name="start"/>.</summary>
    /// <param name="start">The initial value of <see cref="GetUtcNow"/>.</param>
    public FakeTimeProvider(DateTimeOffset start)
    {
        _now = start.ToUniversalTime();
        Start = _now;
    }

    /// <summary>Gets the instant this clock started at.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>Gets the number of timers that are armed (scheduled to fire) right now.</summary>
    public int ArmedTimerCount
    {
        get
        {
            lock (_lock)
            {
                return CountArmed();
            }
        }
    }

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <inheritdoc />
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    /// <inheritdoc />
    public override long GetTimestamp()
    {
        lock (_lock)
        {
            return (_now - Start).Ticks;
        }
    }

    /// <summary>Moves the clock forward by <paramref name="delta"/>, firing every timer that falls due on the way.</summary>
    /// <param name="delta">How far to move; must not be negative.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is negative.</exception>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_lock)
        {
            target = _now + delta;
        }

        AdvanceTo(target);
    }

    /// <summary>Moves the clock forward to <paramref name="value"/>, firing every timer that falls due on the way.</summary>
    /// <param name="value">The new time; must not be earlier than the current time.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is in the past.</exception>
    public void SetUtcNow(DateTimeOffset value)
    {
        lock (_lock)
        {
            if (value < _now)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"The fake clock only moves forward; it is at {_now:O}.");
            }
        }

        AdvanceTo(value);
    }

    /// <summary>
    /// Returns a task that completes once at least <paramref name="count"/> timers are armed at the same time.
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
            if (CountArmed() >= count)
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
        var timer = new FakeTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <inheritdoc />
    public override string ToString() => GetUtcNow().ToString("O", global::System.Globalization.CultureInfo.InvariantCulture);

    private void AdvanceTo(DateTimeOffset target)
    {
        while (true)
        {
            FakeTimer? due = null;
            lock (_lock)
            {
                foreach (var timer in _timers)
                {
                    if (timer.DueAt is { } at && at <= target &&
                        (due is null || at < due.DueAt || (at == due.DueAt && timer.Sequence < due.Sequence)))
                    {
                        due = timer;
                    }
                }

                if (due is null)
                {
                    _now = target;
                    return;
                }

                if (due.DueAt > _now)
                {
                    _now = due.DueAt!.Value;
                }

                // Re-arm periodic timers before the callback so a callback that changes the timer wins.
                if (due.Period is { } period && period > TimeSpan.Zero)
                {
                    due.DueAt = _now + period;
                    due.Sequence = ++_sequence;
                }
                else
                {
                    due.DueAt = null;
                    _timers.Remove(due);
                }
            }

            due.Fire();
        }
    }

    private int CountArmed()
    {
        var armed = 0;
        foreach (var timer in _timers)
        {
            if (timer.DueAt is not null)
            {
                armed++;
            }
        }

        return armed;
    }

    private void Schedule(FakeTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        List<TaskCompletionSource>? ready = null;
        lock (_lock)
        {
            _timers.Remove(timer);
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                timer.DueAt = null;
                return;
            }

            timer.DueAt = _now + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
            timer.Period = period == Timeout.InfiniteTimeSpan || period <= TimeSpan.Zero ? null : period;
            timer.Sequence = ++_sequence;
            _timers.Add(timer);

            var armed = CountArmed();
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Count <= armed)
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

    private void Remove(FakeTimer timer)
    {
        lock (_lock)
        {
            timer.DueAt = null;
            _timers.Remove(timer);
        }
    }

    private sealed class FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private bool _disposed;

        public DateTimeOffset? DueAt { get; set; }

        public TimeSpan? Period { get; set; }

        public long Sequence { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (_disposed)
            {
                return false;
            }

            owner.Schedule(this, dueTime, period);
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            _disposed = true;
            owner.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
