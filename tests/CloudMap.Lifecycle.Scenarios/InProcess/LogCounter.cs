// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Scenarios.InProcess;

/// <summary>Counts error-level log events (by event name) across every in-process host, keeping a few examples.</summary>
internal sealed class LogCounter : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, int> counts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> examples = new();

    public IReadOnlyDictionary<string, int> Counts => counts;

    public IReadOnlyList<string> Examples => [.. examples];

    public int Count(string eventName) => counts.TryGetValue(eventName, out var n) ? n : 0;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCounter owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // Failing health checks log at error level by design; they are the scenario's input, not a fault.
            if (!IsEnabled(logLevel) || category.StartsWith("Microsoft.Extensions.Diagnostics.HealthChecks", StringComparison.Ordinal))
            {
                return;
            }

            var name = eventId.Name ?? eventId.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            owner.counts.AddOrUpdate(name, 1, (_, n) => n + 1);
            if (owner.examples.Count < 10)
            {
                owner.examples.Enqueue($"{category} {name}: {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}");
            }
        }
    }
}
