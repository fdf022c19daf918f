// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>
/// The Cloud Map calls one process sent, by operation and arrival time (<see cref="Clock.Now"/> timestamps), as its
/// <see cref="CountingProxy"/> saw them. Calls are logged when they arrive, so a call whose answer never came counts.
/// </summary>
internal sealed class ProcessCallLog
{
    private readonly Lock gate = new();
    private readonly List<(long Timestamp, string Operation)> calls = [];

    public void Add(string operation, long timestamp)
    {
        lock (gate)
        {
            calls.Add((timestamp, operation));
        }
    }

    /// <summary>Calls of <paramref name="operation"/> that arrived in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public int Count(string operation, long from, long to)
    {
        lock (gate)
        {
            return calls.Count(c => c.Operation == operation && c.Timestamp >= from && c.Timestamp < to);
        }
    }

    /// <summary>The arrival time of the first call of <paramref name="operation"/> at or after <paramref name="from"/>, or null.</summary>
    public long? FirstAt(string operation, long from)
    {
        lock (gate)
        {
            foreach (var call in calls)
            {
                if (call.Operation == operation && call.Timestamp >= from)
                {
                    return call.Timestamp;
                }
            }

            return null;
        }
    }

    /// <summary>The operations that arrived at or after <paramref name="from"/>, in order (evidence for the report).</summary>
    public IReadOnlyList<string> OperationsSince(long from)
    {
        lock (gate)
        {
            return [.. calls.Where(c => c.Timestamp >= from).Select(c => c.Operation)];
        }
    }
}
