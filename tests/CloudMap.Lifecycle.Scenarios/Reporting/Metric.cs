// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;

namespace CloudMap.Lifecycle.Scenarios.Reporting;

/// <summary>One measured quantity of a scenario, with the samples collected for each mode over every repetition.</summary>
public sealed class Metric
{
    private readonly ConcurrentDictionary<RegistrationMode, List<double>> samples = new();
    private readonly ConcurrentDictionary<RegistrationMode, List<string>> notes = new();

    public Metric(string key, string name, string unit, string? goal = null)
    {
        Key = key;
        Name = name;
        Unit = unit;
        Goal = goal;
    }

    /// <summary>Gets a stable identifier (used by the smoke assertions).</summary>
    public string Key { get; }

    public string Name { get; }

    public string Unit { get; }

    /// <summary>Gets the goal for the library, e.g. "0", or null when there is none.</summary>
    public string? Goal { get; }

    public void Add(RegistrationMode mode, double value)
    {
        var list = samples.GetOrAdd(mode, _ => []);
        lock (list)
        {
            list.Add(value);
        }
    }

    /// <summary>Adds a remark shown next to the figure (e.g. "not reflected within 45 s in 3 of 3 runs").</summary>
    public void Note(RegistrationMode mode, string note)
    {
        var list = notes.GetOrAdd(mode, _ => []);
        lock (list)
        {
            if (!list.Contains(note))
            {
                list.Add(note);
            }
        }
    }

    public IReadOnlyList<double> Samples(RegistrationMode mode)
    {
        if (!samples.TryGetValue(mode, out var list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list];
        }
    }

    public IReadOnlyList<string> Notes(RegistrationMode mode)
    {
        if (!notes.TryGetValue(mode, out var list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list];
        }
    }

    public Summary? Summarize(RegistrationMode mode)
    {
        var values = Samples(mode);
        return values.Count == 0 ? null : Summary.Of(values);
    }
}
