// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Scenarios.InProcess;

/// <summary>
/// Error-level log events (by event name) of many in-process hosts, with a few examples, read from the hosts'
/// <see cref="FakeLogCollector"/>s. Failing health checks log at error level by design: they are a scenario's input,
/// not a fault, and are not counted.
/// </summary>
internal sealed class ErrorLogTally
{
    private const int MaxExamples = 10;
    private readonly ConcurrentDictionary<string, int> counts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> examples = new();

    public IReadOnlyDictionary<string, int> Counts => counts;

    public IReadOnlyList<string> Examples => [.. examples];

    /// <summary>A collector that keeps only error and critical records (for hosts whose other logs nobody reads).</summary>
    public static FakeLogCollector ErrorsOnlyCollector() =>
        new(Options.Create(new FakeLogCollectorOptions { FilteredLevels = { LogLevel.Error, LogLevel.Critical } }));

    /// <summary>One evidence line: <c>+ms since <paramref name="since"/></c>, event name, message, exception.</summary>
    public static string Line(FakeLogRecord record, DateTimeOffset since) =>
        string.Create(CultureInfo.InvariantCulture, $"+{(record.Timestamp - since).TotalMilliseconds:F0} ms {record.Id.Name}: {record.Message}{(record.Exception is null ? string.Empty : " (" + record.Exception.GetType().Name + ": " + record.Exception.Message + ")")}");

    public int Count(string eventName) => counts.TryGetValue(eventName, out var n) ? n : 0;

    /// <summary>Counts the error-level records of <paramref name="logs"/>.</summary>
    public void Add(FakeLogCollector logs)
    {
        foreach (var record in logs.GetSnapshot())
        {
            if (record.Level < LogLevel.Error || (record.Category?.StartsWith("Microsoft.Extensions.Diagnostics.HealthChecks", StringComparison.Ordinal) ?? false))
            {
                continue;
            }

            var name = record.Id.Name ?? record.Id.Id.ToString(CultureInfo.InvariantCulture);
            counts.AddOrUpdate(name, 1, (_, n) => n + 1);
            if (examples.Count < MaxExamples)
            {
                examples.Enqueue($"{record.Category} {name}: {record.Message} {record.Exception?.GetType().Name} {record.Exception?.Message}");
            }
        }
    }
}
