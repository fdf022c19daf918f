// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net.Sockets;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>
/// Steady traffic through one proxy URL (HAProxy): <c>GET /</c> at a fixed rate, each request on its own task (a slow
/// answer never delays the next one), over pooled keep-alive connections. Every answer is kept with its time and the
/// body, which for the sample is the id of the instance that served it; failures are counted by kind.
/// </summary>
internal sealed class ProxiedLoad : IAsyncDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(3);
    private readonly Uri url;
    private readonly TimeSpan period;
    private readonly HttpClient http;
    private readonly List<Served> served = [];
    private readonly List<string> failureSamples = [];
    private readonly List<Task> inFlight = [];
    private readonly CancellationTokenSource stop = new();
    private Task? loop;
    private long sent;
    private long failed5xx;
    private long failedOther;

    public ProxiedLoad(Uri url, double requestsPerSecond)
    {
        this.url = url;
        period = TimeSpan.FromSeconds(1 / requestsPerSecond);
        http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = RequestTimeout };
    }

    public long Sent => Interlocked.Read(ref sent);

    /// <summary>Gets the HTTP 5xx answers: HAProxy's 502/503/504 (no server, refused, reset, timeout) or the app's own 503.</summary>
    public long Failed5xx => Interlocked.Read(ref failed5xx);

    /// <summary>Gets the requests that got no HTTP answer from HAProxy, or another non-success status.</summary>
    public long FailedOther => Interlocked.Read(ref failedOther);

    public long Failed => Failed5xx + FailedOther;

    public IReadOnlyList<string> FailureSamples
    {
        get
        {
            lock (failureSamples)
            {
                return [.. failureSamples];
            }
        }
    }

    public void Start() => loop = Task.Run(RunAsync);

    /// <summary>Stops sending and waits for the requests in flight.</summary>
    public async Task StopAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Task[] pending;
        lock (inFlight)
        {
            pending = [.. inFlight];
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
    }

    /// <summary>The time (<see cref="Clock.Now"/>) at which the last successful answer from this instance arrived, if any.</summary>
    public long? LastServedBy(string instanceId)
    {
        lock (served)
        {
            for (var i = served.Count - 1; i >= 0; i--)
            {
                if (served[i].InstanceId == instanceId)
                {
                    return served[i].At;
                }
            }
        }

        return null;
    }

    /// <summary>Whether an instance served a request after the given time.</summary>
    public bool ServedSince(string instanceId, long since)
    {
        lock (served)
        {
            for (var i = served.Count - 1; i >= 0 && served[i].At >= since; i--)
            {
                if (served[i].InstanceId == instanceId)
                {
                    return true;
                }
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        http.Dispose();
        stop.Dispose();
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
            {
                var request = SendOneAsync();
                lock (inFlight)
                {
                    inFlight.RemoveAll(t => t.IsCompleted);
                    inFlight.Add(request);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    private async Task SendOneAsync()
    {
        Interlocked.Increment(ref sent);
        try
        {
            using var response = await http.GetAsync(url, CancellationToken.None).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(CancellationToken.None).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                lock (served)
                {
                    served.Add(new Served(Clock.Now, body.Trim()));
                }

                return;
            }

            if ((int)response.StatusCode >= 500)
            {
                Interlocked.Increment(ref failed5xx);
            }
            else
            {
                Interlocked.Increment(ref failedOther);
            }

            Sample(Format.Invariant($"HTTP {(int)response.StatusCode}: {Truncate(body)}"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException or IOException)
        {
            Interlocked.Increment(ref failedOther);
            Sample(e.GetType().Name + ": " + e.Message);
        }
    }

    private void Sample(string failure)
    {
        lock (failureSamples)
        {
            if (failureSamples.Count < 20)
            {
                failureSamples.Add(Format.Invariant($"{DateTime.UtcNow:HH:mm:ss.fff} {failure}"));
            }
        }
    }

    private static string Truncate(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= 80 ? line : line[..80] + "…";
    }

    private readonly record struct Served(long At, string InstanceId);
}
