// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;

namespace CloudMap.Lifecycle.Scenarios.InProcess;

/// <summary>
/// Every Cloud Map request of in-process hosts as their HTTP clients sent it: when it was sent (<see cref="Clock.Now"/>),
/// which host, which operation, and the status answered. It tells where a slow host spent its time.
/// </summary>
internal sealed class HostCallTrace
{
    private readonly ConcurrentQueue<Call> _calls = new();

    /// <summary>A message handler that records the calls of <paramref name="host"/>.</summary>
    public DelegatingHandler HandlerFor(string host) => new Recorder(this, host);

    /// <summary>
    /// The calls of the <paramref name="count"/> hosts whose last call came last, one line per host:
    /// <c>seconds:operation:status</c>, seconds since the first recorded call.
    /// </summary>
    public IReadOnlyList<string> Slowest(int count)
    {
        var calls = _calls.ToArray();
        if (calls.Length == 0)
        {
            return [];
        }

        var first = calls.Min(c => c.At);
        return [.. calls.GroupBy(c => c.Host, StringComparer.Ordinal)
            .OrderByDescending(g => g.Max(c => c.At))
            .Take(count)
            .Select(g => g.Key + " " + string.Join(" ", g.OrderBy(c => c.At).Select(c => Format.Invariant($"{Clock.MillisecondsBetween(first, c.At) / 1000:0.00}:{c.Operation}:{c.Status}"))))];
    }

    /// <summary>
    /// For the calls whose operation <paramref name="counted"/> accepts: how long the hosts' first requests took from the
    /// first to the last (s), and the most requests sent in any 1 s window (exact, over the send times) that were not
    /// their host's first: the requests pacing can hold back (a host's first request has nothing to learn from).
    /// </summary>
    public (double FirstRequestsSpan, double PeakOfLaterRequests) LaterRequestsPeak(Func<string, bool> counted)
    {
        ArgumentNullException.ThrowIfNull(counted);
        var calls = _calls.Where(c => counted(c.Operation)).ToArray();
        if (calls.Length == 0)
        {
            return (0, 0);
        }

        var firsts = calls.GroupBy(c => c.Host, StringComparer.Ordinal).Select(g => g.MinBy(c => c.At)).ToHashSet();
        var span = Clock.MillisecondsBetween(firsts.Min(c => c.At), firsts.Max(c => c.At)) / 1000;
        return (span, Peak(calls.Where(c => !firsts.Contains(c))));
    }

    /// <summary>
    /// For the calls whose operation <paramref name="counted"/> accepts, split by whether their host had already been
    /// answered <paramref name="throttleStatus"/> (a throttle) when it sent them: the most requests sent in any 1 s window
    /// (exact, over the send times) by hosts that had not yet been throttled, which a pace that learns the limit from
    /// throttles has no reason to hold back, and by hosts that had been, which it paces.
    /// </summary>
    public (double PeakBeforeFirstThrottle, double PeakAfterFirstThrottle) PeakByThrottleSeen(Func<string, bool> counted, int throttleStatus)
    {
        ArgumentNullException.ThrowIfNull(counted);
        var calls = _calls.Where(c => counted(c.Operation)).ToArray();
        var firstThrottle = calls.Where(c => c.Status == throttleStatus)
            .GroupBy(c => c.Host, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Min(c => c.AnsweredAt), StringComparer.Ordinal);
        bool Warned(Call c) => firstThrottle.TryGetValue(c.Host, out var at) && at <= c.At;
        return (Peak(calls.Where(c => !Warned(c))), Peak(calls.Where(Warned)));
    }

    /// <summary>The most calls sent in any 1 s window, exact over the send times.</summary>
    private static int Peak(IEnumerable<Call> calls)
    {
        var sent = calls.Select(c => c.At).Order().ToArray();
        var peak = 0;
        for (int end = 0, start = 0; end < sent.Length; end++)
        {
            while (Clock.MillisecondsBetween(sent[start], sent[end]) >= 1000)
            {
                start++;
            }

            peak = Math.Max(peak, end - start + 1);
        }

        return peak;
    }

    private readonly record struct Call(long At, long AnsweredAt, string Host, string Operation, int Status);

    private sealed class Recorder(HostCallTrace trace, string host) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var operation = request.Headers.TryGetValues("X-Amz-Target", out var targets) ? targets.First().Split('.')[^1] : "?";
            var at = Clock.Now;
            try
            {
                var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                trace._calls.Enqueue(new Call(at, Clock.Now, host, operation, (int)response.StatusCode));
                return response;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                trace._calls.Enqueue(new Call(at, Clock.Now, host, operation, 0));
                throw;
            }
        }
    }
}
