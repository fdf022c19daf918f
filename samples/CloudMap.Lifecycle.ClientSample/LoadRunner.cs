// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Globalization;

namespace CloudMap.Lifecycle.ClientSample;

/// <summary>
/// Sends GET requests to the target at a steady rate (each on its own, never waiting for the previous one), and prints one
/// line per second: what was sent and failed in that second, and who answered (the sample service answers its instance id).
/// </summary>
internal sealed class LoadRunner(HttpClient http, Uri target, double rate, TextWriter output, TimeProvider time)
{
    private const int MaxBodyInLine = 40;
    private readonly ConcurrentDictionary<string, int> _answeredBy = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly List<Task> _inFlight = [];
    private long _sent;
    private long _failed;
    private long _sentThisSecond;
    private long _failedThisSecond;

    public long Sent => Interlocked.Read(ref _sent);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Runs until <paramref name="stop"/> fires, then waits for the requests in flight.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var started = time.GetTimestamp();
        var interval = TimeSpan.FromSeconds(1 / rate);
        var nextReport = TimeSpan.FromSeconds(1);
        long due = 0;
        using var timer = new PeriodicTimer(interval < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                var elapsed = time.GetElapsedTime(started);

                // Catch up when ticks were late, so the rate holds on a busy machine.
                var target = (long)(elapsed.TotalSeconds * rate);
                for (; due < target; due++)
                {
                    Send();
                }

                while (elapsed >= nextReport)
                {
                    Report(nextReport);
                    nextReport += TimeSpan.FromSeconds(1);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        Task[] pending;
        lock (_inFlight)
        {
            pending = [.. _inFlight];
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
    }

    private void Send()
    {
        Interlocked.Increment(ref _sent);
        Interlocked.Increment(ref _sentThisSecond);
        var task = SendOneAsync();
        lock (_inFlight)
        {
            _inFlight.RemoveAll(t => t.IsCompleted);
            _inFlight.Add(task);
        }
    }

    private async Task SendOneAsync()
    {
        try
        {
            using var response = await http.GetAsync(target, CancellationToken.None).ConfigureAwait(false);
            var body = (await response.Content.ReadAsStringAsync(CancellationToken.None).ConfigureAwait(false)).Trim();
            if (response.IsSuccessStatusCode)
            {
                _answeredBy.AddOrUpdate(Shorten(body.Length == 0 ? "(empty)" : body), 1, static (_, n) => n + 1);
                return;
            }

            Fail(string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode}"));
        }
#pragma warning disable CA1031 // A sample's load loop counts every failure; none may end it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Fail(ex is TaskCanceledException ? "timeout" : ex.GetType().Name + ": " + Shorten(ex.InnerException?.Message ?? ex.Message));
        }
    }

    private void Fail(string reason)
    {
        Interlocked.Increment(ref _failed);
        Interlocked.Increment(ref _failedThisSecond);
        _failures.AddOrUpdate(reason, 1, static (_, n) => n + 1);
    }

    private void Report(TimeSpan at)
    {
        var sent = Interlocked.Exchange(ref _sentThisSecond, 0);
        var failed = Interlocked.Exchange(ref _failedThisSecond, 0);
        var answered = Drain(_answeredBy);
        var failures = Drain(_failures);
        var line = string.Create(CultureInfo.InvariantCulture, $"[{at.TotalSeconds,5:0}s] {sent} sent, {failed} failed");
        if (answered.Length > 0)
        {
            line += " | answered by " + answered;
        }

        if (failures.Length > 0)
        {
            line += " | failures " + failures;
        }

        output.WriteLine(line);
    }

    private static string Drain(ConcurrentDictionary<string, int> counts)
    {
        var parts = new List<string>();
        foreach (var key in counts.Keys.Order(StringComparer.Ordinal))
        {
            if (counts.TryRemove(key, out var n))
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{key} x{n}"));
            }
        }

        return string.Join(", ", parts);
    }

    private static string Shorten(string text) => text.Length <= MaxBodyInLine ? text : text[..MaxBodyInLine] + "…";
}
