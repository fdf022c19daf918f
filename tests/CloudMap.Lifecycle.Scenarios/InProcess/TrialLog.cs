// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Scenarios.InProcess;

/// <summary>Keeps one host's library log lines (information and above) as evidence, and forwards errors to a shared <see cref="LogCounter"/>.</summary>
internal sealed class TrialLog(LogCounter counter) : ILoggerProvider
{
    private readonly ConcurrentQueue<string> lines = new();
    private readonly long started = Infrastructure.Clock.Now;

    public IReadOnlyList<string> Lines => [.. lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, counter.CreateLogger(categoryName), categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(TrialLog owner, ILogger inner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
            if (IsEnabled(logLevel) && category.StartsWith("CloudMap.Lifecycle", StringComparison.Ordinal) && owner.lines.Count < 60)
            {
                owner.lines.Enqueue(Reporting.Format.Invariant($"+{Infrastructure.Clock.MillisecondsSince(owner.started):F0} ms {eventId.Name}: {formatter(state, exception)}{(exception is null ? string.Empty : " (" + exception.GetType().Name + ": " + exception.Message + ")")}"));
            }
        }
    }
}
