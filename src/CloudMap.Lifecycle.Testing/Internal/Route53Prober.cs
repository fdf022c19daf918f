// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Sockets;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// Probes every Route 53 health check once per interval, as Route 53 does: HTTP and HTTPS ask
/// <c>ResourcePath</c> at the instance's registered address and port and pass on a 2xx or 3xx status (connection within
/// 4 s, status within 2 s more; HTTPS certificates are not checked); TCP passes when a connection opens within 10 s.
/// </summary>
/// <remarks>
/// The interval runs on the emulator's clock, so a test with a fake clock decides when a round happens; the probes
/// themselves are real sockets with real-time timeouts. Whoever answers on the address passes: that is the recycled
/// address failure (a foreign server revives a dead entry), reproduced on purpose.
/// </remarks>
internal sealed class Route53Prober : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan HttpTimeout = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan TcpTimeout = TimeSpan.FromSeconds(10);

    private readonly EmulatorState _state;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private long _rounds;

    public Route53Prober(EmulatorState state, TimeProvider time, TimeSpan interval)
    {
        _state = state;
        _time = time;
        _interval = interval;
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = ConnectTimeout,

            // A new connection per probe: a pooled one to the old server must not answer for whoever holds the port now.
            PooledConnectionLifetime = TimeSpan.Zero,
#pragma warning disable CA5359 // Route 53 does not validate the certificate of an HTTPS health check; neither may the emulator.
            SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
#pragma warning restore CA5359
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>Gets the number of completed rounds.</summary>
    public long Rounds => Interlocked.Read(ref _rounds);

    public void Start() => _loop = Task.Run(LoopAsync);

    /// <summary>Probes every check once and applies the results.</summary>
    public async Task ProbeOnceAsync(CancellationToken cancellationToken)
    {
        var targets = _state.Route53Targets();
        var results = await Task.WhenAll(targets.Select(t => ProbeAsync(t, cancellationToken))).ConfigureAwait(false);
        for (var i = 0; i < targets.Count; i++)
        {
            _state.RecordRoute53Result(targets[i], results[i]);
        }

        Interlocked.Increment(ref _rounds);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }

        _http.Dispose();
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await Task.Delay(_interval, _time, _stop.Token).ConfigureAwait(false);
            await ProbeOnceAsync(_stop.Token).ConfigureAwait(false);
        }
    }

    private async Task<bool> ProbeAsync(Route53Target target, CancellationToken cancellationToken)
    {
        try
        {
            if (target.Config.Type == "TCP")
            {
                using var tcpTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                tcpTimeout.CancelAfter(TcpTimeout);
                using var socket = new Socket(target.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(target.Endpoint, tcpTimeout.Token).ConfigureAwait(false);
                return true;
            }

            var scheme = target.Config.Type == "HTTPS" ? "https" : "http";
            var path = target.Config.ResourcePath is { Length: > 0 } p ? (p.StartsWith('/') ? p : "/" + p) : "/";
            var uri = new Uri($"{scheme}://{FormatHost(target.Endpoint.Address)}:{target.Endpoint.Port}{path}");
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.ConnectionClose = true;
            request.Headers.UserAgent.ParseAdd("Amazon-Route53-Health-Check-Service");

            // Real time on purpose: the timeout guards a real socket, whatever clock the emulator runs on.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(HttpTimeout);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            return (int)response.StatusCode is >= 200 and < 400;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or OperationCanceledException)
        {
            return cancellationToken.IsCancellationRequested ? throw new OperationCanceledException(cancellationToken) : false;
        }
    }

    private static string FormatHost(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
}
