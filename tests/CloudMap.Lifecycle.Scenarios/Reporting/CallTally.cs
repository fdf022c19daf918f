// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Reporting;

/// <summary>
/// Requests the emulator received, by operation, throttled ones counted apart (<c>ThrottlingException</c> or
/// <c>RequestLimitExceeded</c>), less the calls a scenario's own clients made (its load generator, its probe), so what
/// remains is what the hosts under test sent.
/// </summary>
internal sealed class CallTally
{
    private readonly SortedDictionary<string, long> calls = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> throttled = new(StringComparer.Ordinal);

    /// <summary>Gets the hosts' calls by operation (throttled ones included), in operation order.</summary>
    public IReadOnlyDictionary<string, long> Calls => calls;

    /// <summary>Gets the throttled answers by operation.</summary>
    public IReadOnlyDictionary<string, long> Throttled => throttled;

    public long TotalCalls => calls.Values.Sum();

    public long TotalThrottled => throttled.Values.Sum();

    /// <param name="requests">The emulator's request log over the period: operation and the error code answered.</param>
    /// <param name="notFromHosts">Calls of the scenario's own clients over the same period, by operation.</param>
    public static CallTally From(IEnumerable<(string Operation, string? ErrorCode)> requests, IReadOnlyDictionary<string, long> notFromHosts)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(notFromHosts);
        var tally = new CallTally();
        foreach (var (operation, errorCode) in requests)
        {
            tally.calls[operation] = tally.calls.GetValueOrDefault(operation) + 1;
            if (errorCode is "ThrottlingException" or "RequestLimitExceeded")
            {
                tally.throttled[operation] = tally.throttled.GetValueOrDefault(operation) + 1;
            }
        }

        foreach (var (operation, count) in notFromHosts)
        {
            if (tally.calls.TryGetValue(operation, out var seen))
            {
                var left = seen - count;
                if (left <= 0)
                {
                    tally.calls.Remove(operation);
                }
                else
                {
                    tally.calls[operation] = left;
                }
            }
        }

        return tally;
    }

    /// <summary>Calls of <paramref name="operation"/> (all operations when <see langword="null"/>) per one of <paramref name="instances"/>.</summary>
    public double PerInstance(string? operation, int instances)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(instances, 1);
        return (operation is null ? TotalCalls : calls.GetValueOrDefault(operation)) / (double)instances;
    }
}
