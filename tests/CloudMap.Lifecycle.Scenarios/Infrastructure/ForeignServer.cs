// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>
/// Someone else's HTTP server on a recycled address: it takes over a dead instance's loopback port and answers
/// <c>200 OK</c> to any request, with the request itself (request line, headers, body) echoed back as the body. It
/// counts what it received, so the probes peers send to the dead address are measured where they land.
/// </summary>
internal sealed class ForeignServer : IAsyncDisposable
{
    private const int MaxRequestBytes = 16 * 1024;
    private readonly TcpListener listener;
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock gate = new();
    private readonly List<(long Timestamp, string RequestLine)> requests = [];
    private readonly Task acceptLoop;

    private ForeignServer(TcpListener listener)
    {
        this.listener = listener;
        acceptLoop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>Gets how many HTTP requests arrived.</summary>
    public int RequestCount
    {
        get
        {
            lock (gate)
            {
                return requests.Count;
            }
        }
    }

    /// <summary>
    /// Binds <paramref name="address"/> (127.0.0.1 when <see langword="null"/>):<paramref name="port"/>, retrying for up to <paramref name="timeout"/> while the port is still
    /// taken (the dead process's socket is being torn down).
    /// </summary>
    public static async Task<ForeignServer> StartAsync(int port, TimeSpan timeout, CancellationToken cancellationToken, IPAddress? address = null)
    {
        var started = Clock.Now;
        while (true)
        {
            var listener = new TcpListener(address ?? IPAddress.Loopback, port);
            try
            {
                listener.Start();
                return new ForeignServer(listener);
            }
            catch (SocketException) when (Clock.MillisecondsSince(started) < timeout.TotalMilliseconds)
            {
                listener.Dispose();
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Requests that arrived in [<paramref name="from"/>, <paramref name="to"/>) (<see cref="Clock"/> timestamps).</summary>
    public int CountBetween(long from, long to)
    {
        lock (gate)
        {
            return requests.Count(r => r.Timestamp >= from && r.Timestamp < to);
        }
    }

    /// <summary>The distinct request lines with the query cut off (evidence of what was asked), most frequent first.</summary>
    public IReadOnlyList<string> Paths()
    {
        lock (gate)
        {
            return [.. requests.Select(r => r.RequestLine.Split('?')[0]).GroupBy(p => p, StringComparer.Ordinal).OrderByDescending(g => g.Count()).Select(g => Format.Invariant($"{g.Key} × {g.Count()}"))];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        listener.Stop();
        try
        {
            await acceptLoop.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        listener.Dispose();
        stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stopping.Token).ConfigureAwait(false);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                var stream = client.GetStream();
                var buffer = new byte[MaxRequestBytes];
                var length = 0;
                int headerEnd;
                while ((headerEnd = HeaderEnd(buffer, length)) < 0 && length < buffer.Length)
                {
                    var read = await stream.ReadAsync(buffer.AsMemory(length), timeout.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return;
                    }

                    length += read;
                }

                var request = Encoding.Latin1.GetString(buffer, 0, length);
                var line = request.Split("\r\n", 2)[0];
                lock (gate)
                {
                    requests.Add((Clock.Now, line));
                }

                // Echo everything received (a body, if any arrived with the headers, included), as a careless server does.
                var body = buffer.AsMemory(0, length);
                var head = Encoding.ASCII.GetBytes(Format.Invariant($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
                await stream.WriteAsync(head, timeout.Token).ConfigureAwait(false);
                await stream.WriteAsync(body, timeout.Token).ConfigureAwait(false);
                await stream.FlushAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // A client that went away, or the server stopping: nothing to answer.
            }
        }
    }

    private static int HeaderEnd(byte[] buffer, int length)
    {
        for (var i = 3; i < length; i++)
        {
            if (buffer[i - 3] == '\r' && buffer[i - 2] == '\n' && buffer[i - 1] == '\r' && buffer[i] == '\n')
            {
                return i + 1;
            }
        }

        return -1;
    }
}
