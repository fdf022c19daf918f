// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;

namespace CloudMap.Lifecycle.IntegrationTests;

/// <summary>
/// Records every log entry of the host under test and lets a test await one by event name: the library's stable
/// event names mark the lifecycle steps, so tests wait for a step instead of sleeping or polling.
/// </summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly List<LogEntry> _entries = [];
    private readonly List<(Func<LogEntry, bool> Match, TaskCompletionSource<LogEntry> Completion)> _waiters = [];

    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    /// <summary>Completes when an entry with <paramref name="eventName"/> has been logged (now or earlier).</summary>
    public Task<LogEntry> WaitForEventAsync(string eventName, int occurrence = 1) =>
        WaitForAsync(e => e.EventName == eventName, occurrence);

    public Task<LogEntry> WaitForAsync(Func<LogEntry, bool> match, int occurrence = 1)
    {
        lock (_lock)
        {
            var seen = _entries.Where(match).Skip(occurrence - 1).FirstOrDefault();
            if (seen is not null)
            {
                return Task.FromResult(seen);
            }

            var remaining = occurrence - _entries.Count(match);
            var completion = new TaskCompletionSource<LogEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
            var count = 0;
            _waiters.Add((e => match(e) && ++count == remaining, completion));
            return completion.Task;
        }
    }

    public int Count(string eventName)
    {
        lock (_lock)
        {
            return _entries.Count(e => e.EventName == eventName);
        }
    }

    public void Dispose()
    {
    }

    public override string ToString()
    {
        lock (_lock)
        {
            return string.Join(Environment.NewLine, _entries.Select(e => e.ToString()));
        }
    }

    private void Add(LogEntry entry)
    {
        List<TaskCompletionSource<LogEntry>> completed = [];
        lock (_lock)
        {
            _entries.Add(entry);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(entry))
                {
                    completed.Add(_waiters[i].Completion);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var completion in completed)
        {
            completion.TrySetResult(entry);
        }
    }

    internal sealed record LogEntry(string Category, LogLevel Level, int EventId, string? EventName, string Message, Exception? Exception)
    {
        public override string ToString() => $"{Level} {Category}[{EventId} {EventName}] {Message}{(Exception is null ? string.Empty : " " + Exception.Message)}";
    }

    private sealed class CapturingLogger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add(new LogEntry(category, logLevel, eventId.Id, eventId.Name, formatter(state, exception), exception));
    }
}
