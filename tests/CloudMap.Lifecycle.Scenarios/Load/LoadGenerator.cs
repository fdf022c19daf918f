// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Net.Sockets;
using CloudMap.Lifecycle.Scenarios.Infrastructure;

namespace CloudMap.Lifecycle.Scenarios.Load;

/// <summary>
/// A client of the service: keeps a discovered instance list (DiscoverInstances, refreshed when
/// DiscoverInstancesRevision changes, checked every second) and sends steady requests round robin over it.
/// </summary>
internal sealed class LoadGenerator : IAsyncDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(3);

    // The revision does not change on health changes, and may change before a new instance is listed: like a cache
    // with a TTL, the client also re-discovers every few seconds whatever the revision says.
    private static readonly TimeSpan FullRefreshInterval = TimeSpan.FromSeconds(5);
    private readonly IInstanceDiscovery discovery;
    private readonly double requestsPerSecond;
    private readonly TimeSpan refreshInterval;
    private readonly HttpClient http;
    private readonly ConcurrentDictionary<RequestOutcome, int> counts = new();
    private readonly ConcurrentQueue<string> failureSamples = new();
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> inFlight = [];
    private volatile IReadOnlyList<DiscoveredEndpoint> endpoints = [];
    private Task? discoveryLoop;
    private Task? requestLoop;
    private long? revision;
    private int next;
    private int discoveryErrors;
    private long started = Clock.Now;
    private long lastFullDiscovery = Clock.Now;

    public LoadGenerator(IInstanceDiscovery discovery, double requestsPerSecond, TimeSpan refreshInterval)
    {
        this.discovery = discovery;
        this.requestsPerSecond = requestsPerSecond;
        this.refreshInterval = refreshInterval;
        http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = RequestTimeout, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
        {
            Timeout = RequestTimeout,
        };
    }

    public IReadOnlyList<DiscoveredEndpoint> Endpoints => endpoints;

    public int DiscoveryErrors => discoveryErrors;

    public int Sent => counts.Values.Sum();

    public int Failed => counts.Where(c => c.Key != RequestOutcome.Success).Sum(c => c.Value);

    public int Count(RequestOutcome outcome) => counts.TryGetValue(outcome, out var n) ? n : 0;

    public IReadOnlyList<string> FailureSamples => [.. failureSamples];

    /// <summary>Discovers once (so the first request has somewhere to go), then starts both loops.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(force: true, cancellationToken).ConfigureAwait(false);
        started = Clock.Now;
        discoveryLoop = Task.Run(() => DiscoveryLoopAsync(stop.Token), CancellationToken.None);
        requestLoop = Task.Run(() => RequestLoopAsync(stop.Token), CancellationToken.None);
    }

    /// <summary>Stops sending and waits for the requests in flight.</summary>
    public async Task StopAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        foreach (var loop in new[] { discoveryLoop, requestLoop })
        {
            if (loop is not null)
            {
                try
                {
                    await loop.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        Task[] pending;
        lock (inFlight)
        {
            pending = [.. inFlight];
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!stop.IsCancellationRequested)
        {
            await StopAsync().ConfigureAwait(false);
        }

        http.Dispose();
        stop.Dispose();
    }

    private async Task DiscoveryLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(refreshInterval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            await RefreshAsync(force: false, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RefreshAsync(bool force, CancellationToken cancellationToken)
    {
        try
        {
            if (!force)
            {
                var current = await discovery.RevisionAsync(cancellationToken).ConfigureAwait(false);
                if (current == revision && Clock.MillisecondsSince(lastFullDiscovery) < FullRefreshInterval.TotalMilliseconds)
                {
                    return;
                }
            }

            var (found, foundRevision) = await discovery.DiscoverAsync(cancellationToken).ConfigureAwait(false);
            if (Environment.GetEnvironmentVariable("SCENARIOS_DEBUG") == "1")
            {
                Console.WriteLine($"  refresh +{Clock.MillisecondsSince(started) / 1000:F1}s revision {foundRevision}: {string.Join(", ", found.Select(e => e.InstanceId))}");
            }

            endpoints = found;
            revision = foundRevision;
            lastFullDiscovery = Clock.Now;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A client keeps its last known list when discovery fails.
            Interlocked.Increment(ref discoveryErrors);
        }
    }

    private async Task RequestLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / requestsPerSecond));
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            var task = SendOneAsync();
            lock (inFlight)
            {
                inFlight.RemoveAll(t => t.IsCompleted);
                inFlight.Add(task);
            }
        }
    }

    private async Task SendOneAsync()
    {
        var list = endpoints;
        if (list.Count == 0)
        {
            Record(RequestOutcome.NoInstanceDiscovered, "no instance discovered");
            return;
        }

        var endpoint = list[(int)((uint)Interlocked.Increment(ref next) % (uint)list.Count)];
        try
        {
            using var response = await http.GetAsync(endpoint.Uri, CancellationToken.None).ConfigureAwait(false);
            if ((int)response.StatusCode >= 500)
            {
                Record(RequestOutcome.ServerError, $"{endpoint.InstanceId}: HTTP {(int)response.StatusCode}");
            }
            else
            {
                Record(RequestOutcome.Success, null);
            }
        }
        catch (TaskCanceledException)
        {
            Record(RequestOutcome.Timeout, $"{endpoint.InstanceId}: timeout");
        }
        catch (HttpRequestException ex)
        {
            var outcome = Classify(ex);
            Record(outcome, $"{endpoint.InstanceId}: {outcome} ({ex.Message})");
        }
    }

    private static RequestOutcome Classify(HttpRequestException ex)
    {
        for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => RequestOutcome.ConnectionRefused,
                    SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown => RequestOutcome.ConnectionReset,
                    _ => RequestOutcome.OtherError,
                };
            }

            if (inner is HttpIOException or IOException)
            {
                return RequestOutcome.ConnectionReset;
            }
        }

        return ex.HttpRequestError switch
        {
            HttpRequestError.ConnectionError => RequestOutcome.ConnectionRefused,
            HttpRequestError.ResponseEnded => RequestOutcome.ConnectionReset,
            _ => RequestOutcome.OtherError,
        };
    }

    private void Record(RequestOutcome outcome, string? detail)
    {
        counts.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        if (detail is not null && failureSamples.Count < 20)
        {
            failureSamples.Enqueue($"+{Clock.MillisecondsSince(started) / 1000:F1}s {detail}");
        }
    }
}
