// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Globalization;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>Per-operation call counters and a bounded request log.</summary>
internal sealed class RequestRecorder(int capacity)
{
    private readonly ConcurrentDictionary<string, long> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _throttled = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly Queue<EmulatedRequest> _log = new();
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    public void Count(string operation)
    {
        _calls.AddOrUpdate(operation, 1, static (_, n) => n + 1);
        Interlocked.Increment(ref _total);
    }

    public void Record(EmulatedRequest request, bool throttled)
    {
        if (throttled)
        {
            _throttled.AddOrUpdate(request.Operation, 1, static (_, n) => n + 1);
        }

        if (request.ErrorCode is not null || request.StatusCode == 0)
        {
            _errors.AddOrUpdate(request.Operation, 1, static (_, n) => n + 1);
        }

        if (capacity <= 0)
        {
            return;
        }

        lock (_lock)
        {
            if (_log.Count >= capacity)
            {
                _log.Dequeue();
            }

            _log.Enqueue(request);
        }
    }

    public long Calls(string operation) => _calls.GetValueOrDefault(operation);

    public long Throttled(string operation) => _throttled.GetValueOrDefault(operation);

    public List<EmulatedRequest> Log(int? limit = null)
    {
        lock (_lock)
        {
            var all = _log.ToList();
            return limit is { } n && n < all.Count ? all.GetRange(all.Count - n, n) : all;
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _calls.Clear();
            _throttled.Clear();
            _errors.Clear();
            _log.Clear();
            Interlocked.Exchange(ref _total, 0);
        }
    }

    public CallsDocument CallsDocument()
    {
        var operations = new Dictionary<string, CallCountsDocument>(StringComparer.Ordinal);
        foreach (var name in _calls.Keys.Concat(_throttled.Keys).Distinct().Order(StringComparer.Ordinal))
        {
            operations[name] = new CallCountsDocument(_calls.GetValueOrDefault(name), _throttled.GetValueOrDefault(name), _errors.GetValueOrDefault(name));
        }

        return new CallsDocument(Total, operations);
    }

    public List<RequestDocument> LogDocument(int limit) =>
        [.. Log(limit).Select(r => new RequestDocument(
            r.Time.ToString("O", CultureInfo.InvariantCulture), r.Operation, r.StatusCode, r.ErrorCode, r.Latency.TotalMilliseconds, r.Injected))];
}
