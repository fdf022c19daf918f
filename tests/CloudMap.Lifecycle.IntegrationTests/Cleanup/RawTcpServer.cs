// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CloudMap.Lifecycle.IntegrationTests.Cleanup;

/// <summary>
/// A TCP server on loopback, port 0, that does to every connection what the test says: what a recycled address may
/// run (an echo, a banner, something that never answers, or closes, or resets).
/// </summary>
internal sealed class RawTcpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly List<Task> _connections = [];
    private readonly Lock _lock = new();

    private RawTcpServer(IPAddress address, Func<Socket, CancellationToken, Task> behaviour)
    {
        _listener = new TcpListener(address, 0);
        _listener.Start();
        _accepting = AcceptAsync(behaviour);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Accepted { get; private set; }

    public static RawTcpServer Start(Func<Socket, CancellationToken, Task> behaviour) => new(IPAddress.Loopback, behaviour);

    /// <summary>Writes back every byte it receives (the request, then whatever follows).</summary>
    public static RawTcpServer Echo() => Start(static async (socket, ct) =>
    {
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, ct)) > 0)
        {
            await socket.SendAsync(buffer.AsMemory(0, read), ct);
        }
    });

    /// <summary>Answers <c>HTTP/1.1 200</c> with <paramref name="body"/> made from the request line's target (path and query).</summary>
    public static RawTcpServer HttpEcho(Func<string, string> body) => Start(async (socket, ct) =>
    {
        var head = await ReadHeadAsync(socket, ct);
        var target = head.Split(' ') is [_, var t, ..] ? t : string.Empty;
        var content = Encoding.UTF8.GetBytes(body(target));
        await socket.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {content.Length}\r\nConnection: close\r\n\r\n"), ct);
        await socket.SendAsync(content, ct);
        socket.Shutdown(SocketShutdown.Send);
        await DrainAsync(socket, ct);
    });

    /// <summary>Sends a non-HTTP greeting at once, as an SSH or SMTP server does.</summary>
    public static RawTcpServer Banner() => Start(static async (socket, ct) =>
    {
        await socket.SendAsync("SSH-2.0-OpenSSH_9.6p1 Debian-4\r\n"u8.ToArray(), ct);
        await DrainAsync(socket, ct);
    });

    /// <summary>Accepts and reads, never answers.</summary>
    public static RawTcpServer Hung() => Start(static (socket, ct) => DrainAsync(socket, ct));

    /// <summary>Reads the request and closes the connection without a byte of answer.</summary>
    public static RawTcpServer ClosesBeforeResponse() => Start(static async (socket, ct) =>
    {
        await ReadHeadAsync(socket, ct);
        socket.Shutdown(SocketShutdown.Both);
    });

    /// <summary>Reads the request and resets the connection (RST).</summary>
    public static RawTcpServer Resets() => Start(static async (socket, ct) =>
    {
        await ReadHeadAsync(socket, ct);
        socket.LingerState = new LingerOption(true, 0);
    });

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] connections;
        lock (_lock)
        {
            connections = [.. _connections];
        }

        try
        {
            await Task.WhenAll(connections.Append(_accepting)).WaitAsync(FakeClockDriver.DefaultGuard);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            // Connections end by cancellation.
        }

        _stop.Dispose();
    }

    private static async Task<string> ReadHeadAsync(Socket socket, CancellationToken ct)
    {
        var head = new StringBuilder();
        var buffer = new byte[1024];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && head.Length < 16384)
        {
            var read = await socket.ReceiveAsync(buffer, ct);
            if (read == 0)
            {
                break;
            }

            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return head.ToString();
    }

    private static async Task DrainAsync(Socket socket, CancellationToken ct)
    {
        var buffer = new byte[1024];
        while (await socket.ReceiveAsync(buffer, ct) > 0)
        {
        }
    }

    private async Task AcceptAsync(Func<Socket, CancellationToken, Task> behaviour)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Accepted++;
            lock (_lock)
            {
                _connections.Add(RunAsync(socket, behaviour));
            }
        }
    }

    private async Task RunAsync(Socket socket, Func<Socket, CancellationToken, Task> behaviour)
    {
        using (socket)
        {
            try
            {
                await behaviour(socket, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
            {
                // The prober hung up, or the server is stopping.
            }
        }
    }
}
