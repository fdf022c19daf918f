// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace CloudMap.Lifecycle.TestInfrastructure;

/// <summary>
/// A logger provider over Microsoft.Extensions.Diagnostics.Testing's <see cref="FakeLogger"/>: every record lands in
/// <see cref="Collector"/> (read it with <see cref="FakeLogCollector.GetSnapshot(bool)"/>), and what the collector
/// lacks is added: waiting for the n-th occurrence of an event by its stable name, without polling. The library's
/// event names mark the lifecycle steps (<c>Registered</c>, <c>Draining</c>, ...), so a test waits for a step
/// instead of sleeping.
/// </summary>
/// <remarks>
/// A wait completes synchronously inside the <c>Log</c> call that writes the awaited record, so its task is
/// already completed when the code under test moves on; a test that checks <see cref="Task.IsCompleted"/> between
/// fake-clock steps can never step once too often.
/// </remarks>
public sealed class AwaitableFakeLogs : ILoggerProvider
{
    /// <summary>The default hang guard of a wait (real time; never a timing assumption).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly List<Waiter> _waiters = [];

    /// <summary>Initializes a new instance of the <see cref="AwaitableFakeLogs"/> class.</summary>
    /// <param name="collector">Where the records go; a new collector when <see langword="null"/>.</param>
    public AwaitableFakeLogs(FakeLogCollector? collector = null)
    {
        Collector = collector ?? new FakeLogCollector();
    }

    /// <summary>Gets the collector holding every record.</summary>
    public FakeLogCollector Collector { get; }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new SignalingLogger(this, new FakeLogger(Collector, categoryName));

    /// <summary>Creates a logger categorized by <typeparamref name="T"/> (as a logger factory would), for code under test built without DI.</summary>
    /// <typeparam name="T">The category type.</typeparam>
    /// <returns>A logger whose records land in <see cref="Collector"/> and complete the waits.</returns>
    public ILogger<T> CreateLogger<T>() => new SignalingLogger<T>(this, new FakeLogger<T>(Collector));

    /// <summary>Completes with the <paramref name="occurrence"/>-th record named <paramref name="eventName"/>, logged before or after the call.</summary>
    /// <param name="eventName">The <see cref="EventId.Name"/> to wait for.</param>
    /// <param name="occurrence">Which occurrence (1 = the first).</param>
    /// <param name="timeout">The hang guard; <see cref="DefaultTimeout"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The record.</returns>
    /// <exception cref="TimeoutException">Not logged within the guard; the message lists what was logged.</exception>
    public Task<FakeLogRecord> WaitForEventAsync(string eventName, int occurrence = 1, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitForAsync(r => r.Id.Name == eventName, occurrence, $"event '{eventName}' #{occurrence}", timeout, cancellationToken);

    /// <summary>Completes with the <paramref name="occurrence"/>-th record that matches, logged before or after the call.</summary>
    /// <param name="match">The records to count.</param>
    /// <param name="occurrence">Which occurrence (1 = the first).</param>
    /// <param name="description">What is awaited, for the timeout message.</param>
    /// <param name="timeout">The hang guard; <see cref="DefaultTimeout"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The record.</returns>
    /// <exception cref="TimeoutException">No such record within the guard; the message lists what was logged.</exception>
    public Task<FakeLogRecord> WaitForAsync(
        Func<FakeLogRecord, bool> match,
        int occurrence = 1,
        string description = "a matching record",
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentOutOfRangeException.ThrowIfLessThan(occurrence, 1);
        var waiter = new Waiter(match, occurrence);
        lock (_gate)
        {
            if (waiter.IsSatisfiedBy(Collector.GetSnapshot()))
            {
                return waiter.Completion.Task;
            }

            _waiters.Add(waiter);
        }

        // The returned task is the waiter's own, completed inside the Log call (not an async method's, which would
        // complete a thread-pool hop later). The guard and the token fault or cancel it instead.
        var guard = timeout ?? DefaultTimeout;
        var expiry = new CancellationTokenSource(guard);
        var expired = expiry.Token.Register(() => Abandon(waiter, new TimeoutException($"Waited {guard} for {description}. Logged:{Environment.NewLine}{Collector.Describe()}")));
        var canceled = cancellationToken.Register(() => Abandon(waiter, new OperationCanceledException(cancellationToken)));
        _ = waiter.Completion.Task.ContinueWith(
            _ =>
            {
                expired.Dispose();
                canceled.Dispose();
                expiry.Dispose();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return waiter.Completion.Task;
    }

    /// <summary>Counts the records named <paramref name="eventName"/> logged so far.</summary>
    /// <param name="eventName">The event name.</param>
    /// <returns>The count.</returns>
    public int CountEvents(string eventName) => Collector.CountEvents(eventName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    /// <inheritdoc />
    public override string ToString() => Collector.Describe();

    private void Abandon(Waiter waiter, Exception reason)
    {
        lock (_gate)
        {
            _waiters.Remove(waiter);
        }

        if (reason is OperationCanceledException canceled)
        {
            waiter.Completion.TrySetCanceled(canceled.CancellationToken);
        }
        else
        {
            waiter.Completion.TrySetException(reason);
        }
    }

    private void OnLogged()
    {
        List<Waiter>? satisfied = null;
        lock (_gate)
        {
            if (_waiters.Count == 0)
            {
                return;
            }

            var records = Collector.GetSnapshot();
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].IsSatisfiedBy(records))
                {
                    (satisfied ??= []).Add(_waiters[i]);
                    _waiters.RemoveAt(i);
                }
            }
        }

        satisfied?.ForEach(w => w.Complete());
    }

    private sealed class Waiter(Func<FakeLogRecord, bool> match, int occurrence)
    {
        private FakeLogRecord? _found;

        public TaskCompletionSource<FakeLogRecord> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsSatisfiedBy(IReadOnlyList<FakeLogRecord> records)
        {
            var seen = 0;
            foreach (var record in records)
            {
                if (match(record) && ++seen == occurrence)
                {
                    _found = record;
                    Completion.TrySetResult(record);
                    return true;
                }
            }

            return false;
        }

        public void Complete() => Completion.TrySetResult(_found!);
    }

    private class SignalingLogger(AwaitableFakeLogs owner, FakeLogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
            owner.OnLogged();
        }
    }

    private sealed class SignalingLogger<T>(AwaitableFakeLogs owner, FakeLogger<T> inner) : SignalingLogger(owner, inner), ILogger<T>;
}
