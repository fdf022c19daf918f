// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Tests.Fakes;

/// <summary>Captures log entries (level, event id/name, rendered message) for assertions.</summary>
internal sealed class TestLoggerProvider : ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly List<LogEntry> _entries = [];
    private readonly List<(string EventName, TaskCompletionSource Completion)> _waiters = [];
    private readonly List<(int Count, TaskCompletionSource Completion)> _countWaiters = [];

    /// <summary>Gets or sets the clock stamped on entries (the fake clock in tests).</summary>
    public TimeProvider? Clock { get; set; }

    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_lock)
            {
                return _entries.ToArray();
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new TestLogger(this, categoryName);

    public ILogger<T> CreateLogger<T>() => new Logger<T>(new SingleProviderFactory(this));

    public bool Has(string eventName) => Entries.Any(e => e.EventName == eventName);

    public LogEntry Single(string eventName) => Assert.Single(Entries, e => e.EventName == eventName);

    /// <summary>Completes once at least <paramref name="count"/> entries have been logged (hang-guarded).</summary>
    public Task WaitForCountAsync(int count)
    {
        lock (_lock)
        {
            if (_entries.Count >= count)
            {
                return Task.CompletedTask;
            }

            var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _countWaiters.Add((count, completion));
            return completion.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Completes once an entry with <paramref name="eventName"/> has been logged (hang-guarded).</summary>
    public Task WaitForAsync(string eventName)
    {
        lock (_lock)
        {
            if (_entries.Any(e => e.EventName == eventName))
            {
                return Task.CompletedTask;
            }

            var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((eventName, completion));
            return completion.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }
    }

    public void Dispose()
    {
    }

    private void Add(LogEntry entry)
    {
        List<TaskCompletionSource>? ready = null;
        lock (_lock)
        {
            _entries.Add(entry);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].EventName == entry.EventName)
                {
                    (ready ??= []).Add(_waiters[i].Completion);
                    _waiters.RemoveAt(i);
                }
            }

            for (var i = _countWaiters.Count - 1; i >= 0; i--)
            {
                if (_countWaiters[i].Count <= _entries.Count)
                {
                    (ready ??= []).Add(_countWaiters[i].Completion);
                    _countWaiters.RemoveAt(i);
                }
            }
        }

        ready?.ForEach(c => c.TrySetResult());
    }

    internal sealed record LogEntry(string Category, LogLevel Level, int EventId, string? EventName, string Message, Exception? Exception, DateTimeOffset? At);

    private sealed class TestLogger(TestLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add(new LogEntry(category, logLevel, eventId.Id, eventId.Name, formatter(state, exception), exception, owner.Clock?.GetUtcNow()));
    }

    private sealed class SingleProviderFactory(TestLoggerProvider provider) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => provider.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
