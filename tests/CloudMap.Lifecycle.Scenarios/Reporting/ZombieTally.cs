// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;

namespace CloudMap.Lifecycle.Scenarios.Reporting;

/// <summary>Zombies summed over several cases per mode; cases that could not be measured are named, not counted as 0.</summary>
internal sealed class ZombieTally
{
    private readonly ConcurrentDictionary<RegistrationMode, int> zombies = new();
    private readonly ConcurrentDictionary<RegistrationMode, int> measured = new();
    private readonly ConcurrentDictionary<RegistrationMode, ConcurrentQueue<string>> unmeasured = new();

    public void Add(RegistrationMode mode, bool zombie)
    {
        measured.AddOrUpdate(mode, 1, (_, n) => n + 1);
        zombies.AddOrUpdate(mode, zombie ? 1 : 0, (_, n) => n + (zombie ? 1 : 0));
    }

    public void NotMeasured(RegistrationMode mode, string caseName) => unmeasured.GetOrAdd(mode, _ => new()).Enqueue(caseName);

    /// <summary>Writes the sum per mode (only over measured cases, with a note naming the others).</summary>
    public void Write(Metric metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        foreach (var mode in Enum.GetValues<RegistrationMode>())
        {
            var missing = unmeasured.TryGetValue(mode, out var names) ? names.Order(StringComparer.Ordinal).ToList() : [];
            if (measured.GetValueOrDefault(mode) > 0)
            {
                metric.Add(mode, zombies.GetValueOrDefault(mode));
            }

            if (missing.Count > 0)
            {
                metric.Note(mode, Format.Invariant($"not measured in: {string.Join(", ", missing)}"));
            }
        }
    }
}
