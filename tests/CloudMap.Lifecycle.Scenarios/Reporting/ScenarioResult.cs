// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;

namespace CloudMap.Lifecycle.Scenarios.Reporting;

/// <summary>Everything one scenario measured, for both modes, over every repetition.</summary>
public sealed class ScenarioResult
{
    private readonly List<Metric> metrics = [];
    private readonly ConcurrentDictionary<RegistrationMode, string> failures = new();
    private readonly List<string> notes = [];

    public ScenarioResult(int number, string title)
    {
        Number = number;
        Title = title;
    }

    public int Number { get; }

    public string Title { get; }

    /// <summary>Gets or sets how the figures were obtained (what is measured, setup, emulator settings).</summary>
    public string Method { get; set; } = string.Empty;

    public int Repetitions { get; set; }

    public TimeSpan Elapsed { get; set; }

    public IReadOnlyList<Metric> Metrics
    {
        get
        {
            lock (metrics)
            {
                return [.. metrics];
            }
        }
    }

    public IReadOnlyDictionary<RegistrationMode, string> Failures => failures;

    public IReadOnlyList<string> ScenarioNotes
    {
        get
        {
            lock (notes)
            {
                return [.. notes];
            }
        }
    }

    /// <summary>Gets the metric with this key, creating it on first use (metrics keep their first-use order).</summary>
    public Metric Metric(string key, string name, string unit, string? goal = null)
    {
        lock (metrics)
        {
            var existing = metrics.Find(m => m.Key == key);
            if (existing is not null)
            {
                return existing;
            }

            var metric = new Metric(key, name, unit, goal);
            metrics.Add(metric);
            return metric;
        }
    }

    public Metric? Find(string key)
    {
        lock (metrics)
        {
            return metrics.Find(m => m.Key == key);
        }
    }

    /// <summary>Marks a mode as failed: the report shows "failed" with this reason, never a zero.</summary>
    public void Fail(RegistrationMode mode, string reason) =>
        failures.AddOrUpdate(mode, reason, (_, previous) => previous.Contains(reason, StringComparison.Ordinal) ? previous : previous + "; " + reason);

    public void AddNote(string note)
    {
        lock (notes)
        {
            if (!notes.Contains(note))
            {
                notes.Add(note);
            }
        }
    }
}
