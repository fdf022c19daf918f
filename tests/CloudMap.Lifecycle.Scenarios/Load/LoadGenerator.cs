// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Amazon.Runtime;
using CloudMap.Lifecycle.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.ServiceDiscovery;

namespace CloudMap.Lifecycle.Scenarios.Load;

/// <summary>
/// A client of the service as users write one: an <see cref="HttpClient"/> from <see cref="IHttpClientFactory"/> with
/// <c>AddServiceDiscovery()</c>, resolving <c>http://sample.demo.local/</c> through Microsoft.Extensions.ServiceDiscovery
/// and the CloudMap.Lifecycle.ServiceDiscovery provider (<c>AddServiceDiscoveryCore().AddCloudMapServiceEndpointProvider()</c>,
/// the provider's default intervals and health filter), sending steady requests that the resolver spreads round robin.
/// It records, per instance port, when the client last sent a request there (for the consumer staleness) and counts the
/// provider's Cloud Map calls by operation from the client's own <c>cloudmap.client.requests</c> counter.
/// </summary>
internal sealed class LoadGenerator : IAsyncDisposable
{
    /// <summary>The name the client calls (the sample's service in its namespace).</summary>
    public static readonly Uri Target = new($"http://{EmulatorLane.ServiceName}.{EmulatorLane.NamespaceName}/");

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(3);
    private static readonly HttpRequestOptionsKey<int> PortKey = new("cloudmap.scenarios.port");
    private readonly double requestsPerSecond;
    private readonly ServiceProvider services;
    private readonly HttpClient http;
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<RequestOutcome, int> counts = new();
    private readonly ConcurrentDictionary<string, long> calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, DateTimeOffset> lastSent = new();
    private Dictionary<string, long> callsAtStart = new(StringComparer.Ordinal);
    private Dictionary<string, long>? callsAtStop;
    private readonly ConcurrentQueue<string> failureSamples = new();
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> inFlight = [];
    private Task? requestLoop;
    private long started = Clock.Now;
    private long stopped;

    private LoadGenerator(Uri emulator, double requestsPerSecond)
    {
        this.requestsPerSecond = requestsPerSecond;
        var collection = new ServiceCollection();

        // The AWS settings as the client sample reads them (AWS:ServiceURL, AWS:Region); the provider's own section
        // (CloudMapDiscovery) names only the namespace: every interval and the health filter are the defaults.
        collection.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AWS:ServiceURL"] = emulator.ToString().TrimEnd('/'),
            ["AWS:Region"] = ClientFactory.Region,
            ["CloudMapDiscovery:Namespaces:0"] = EmulatorLane.NamespaceName,
        }).Build());
        collection.AddSingleton<AWSCredentials>(new BasicAWSCredentials("AKIDSCENARIOS", "scenarios-secret"));
        collection.AddLogging();
        collection.AddServiceDiscoveryCore().AddCloudMapServiceEndpointProvider();
        collection.AddHttpClient("load", c => c.Timeout = RequestTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { ConnectTimeout = RequestTimeout, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
            .AddServiceDiscovery()

            // Inside the resolving handler: it sees the instance each request was sent to.
            .AddHttpMessageHandler(() => new RecordingHandler(this));
        services = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        http = services.GetRequiredService<IHttpClientFactory>().CreateClient("load");

        // Only this client's meters: the scenario's own probes use another container, hence another IMeterFactory.
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "cloudmap.client.requests" && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "rpc.method" && tag.Value is string method)
                {
                    calls.AddOrUpdate(method, value, (_, n) => n + value);
                }
            }
        });
        listener.Start();
    }

    public int Sent => counts.Values.Sum();

    public int Failed => counts.Where(c => c.Key != RequestOutcome.Success).Sum(c => c.Value);

    public IReadOnlyList<string> FailureSamples => [.. failureSamples];

    /// <summary>Gets how long the request loop ran (start to stop, or to now).</summary>
    public TimeSpan Elapsed => TimeSpan.FromMilliseconds(stopped != 0 ? Clock.MillisecondsBetween(started, stopped) : Clock.MillisecondsSince(started));

    public int Count(RequestOutcome outcome) => counts.TryGetValue(outcome, out var n) ? n : 0;

    /// <summary>
    /// The provider's Cloud Map calls of <paramref name="operation"/> while the request loop ran (<see cref="Elapsed"/>; the
    /// first resolution is not in it), from the client's <c>cloudmap.client.requests</c> counter, tag <c>rpc.method</c>.
    /// </summary>
    public long Calls(string operation) =>
        ((callsAtStop ?? Snapshot()).TryGetValue(operation, out var n) ? n : 0) - (callsAtStart.TryGetValue(operation, out var s) ? s : 0);

    /// <summary>When the client last sent a request to the instance listening on <paramref name="port"/> (wall clock, as the emulator's).</summary>
    public DateTimeOffset? LastSentTo(int port) => lastSent.TryGetValue(port, out var at) ? at : null;

    /// <summary>Resolves the name once (so the first request has somewhere to go), then starts the request loop.</summary>
    public static async Task<LoadGenerator> StartAsync(Uri emulator, double requestsPerSecond, CancellationToken cancellationToken)
    {
        var load = new LoadGenerator(emulator, requestsPerSecond);
        try
        {
            var resolver = load.services.GetRequiredService<ServiceEndpointResolver>();
            _ = await resolver.GetEndpointsAsync(Target.ToString(), cancellationToken).ConfigureAwait(false);
            load.callsAtStart = load.Snapshot();
            load.started = Clock.Now;
            load.requestLoop = Task.Run(() => load.RequestLoopAsync(load.stop.Token), CancellationToken.None);
            return load;
        }
        catch
        {
            await load.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops sending and waits for the requests in flight.</summary>
    public async Task StopAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        if (requestLoop is not null)
        {
            try
            {
                await requestLoop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        Task[] pending;
        lock (inFlight)
        {
            pending = [.. inFlight];
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
        if (stopped == 0)
        {
            stopped = Clock.Now;
            callsAtStop = Snapshot();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!stop.IsCancellationRequested)
        {
            await StopAsync().ConfigureAwait(false);
        }

        listener.Dispose();
        http.Dispose();
        await services.DisposeAsync().ConfigureAwait(false);
        stop.Dispose();
    }

    private Dictionary<string, long> Snapshot() => new(calls, StringComparer.Ordinal);

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
        using var request = new HttpRequestMessage(HttpMethod.Get, Target);
        try
        {
            using var response = await http.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
            if ((int)response.StatusCode >= 500)
            {
                Record(RequestOutcome.ServerError, $"{Where(request)}: HTTP {(int)response.StatusCode}");
            }
            else
            {
                Record(RequestOutcome.Success, null);
            }
        }
        catch (TaskCanceledException)
        {
            Record(RequestOutcome.Timeout, $"{Where(request)}: timeout");
        }
        catch (HttpRequestException ex)
        {
            var outcome = Classify(ex);
            Record(outcome, $"{Where(request)}: {outcome} ({ex.Message})");
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // The resolving handler found no endpoint (or could not resolve the name at all).
            Record(RequestOutcome.NoInstanceDiscovered, $"no instance resolved ({ex.GetType().Name}: {ex.Message})");
        }
    }

    private static string Where(HttpRequestMessage request) =>
        request.Options.TryGetValue(PortKey, out var port) ? Format.Invariant($"port {port}") : "no instance";

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

    /// <summary>Between the resolving handler and the socket: notes where and when each request went.</summary>
    private sealed class RecordingHandler(LoadGenerator owner) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri is { IsAbsoluteUri: true } uri)
            {
                request.Options.Set(PortKey, uri.Port);
                var now = DateTimeOffset.UtcNow;
                owner.lastSent.AddOrUpdate(uri.Port, now, (_, last) => now > last ? now : last);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
