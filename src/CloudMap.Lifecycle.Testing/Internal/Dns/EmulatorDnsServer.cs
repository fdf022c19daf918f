// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace CloudMap.Lifecycle.Testing.Internal.Dns;

/// <summary>
/// The emulator's authoritative DNS server: UDP and TCP on one port, answering from the emulated account's DNS
/// namespaces (<see cref="EmulatorState.AnswerDns"/>).
/// </summary>
/// <remarks>
/// Our own wire code rather than a library: ARSoft.Tools.Net 3.6.1 (the one maintained .NET library with a server)
/// targets net6.0 only, is not annotated for trimming, makes every installer accept its licence, would bring
/// BouncyCastle.Cryptography (6.8 MB) and System.Net.Sockets 4.3.0 into every test project that uses this package, and
/// binds its UDP and TCP transports separately (port 0 gives two different ports); Makaretu.Dns has no server and
/// no release since 2019; DnsClient is a client only (the tests use it). What an authoritative server for Cloud Map's
/// records needs is one question, five record types, compression, OPT and truncation (<see cref="DnsResponse"/>).
/// Nothing a client sends can stop the server: a bad message is answered FORMERR or dropped.
/// </remarks>
internal sealed class EmulatorDnsServer : IAsyncDisposable
{
    private static readonly TimeSpan TcpIdleTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _udp;
    private readonly TcpListener _tcp;
    private readonly Func<DnsQuery, DnsAnswer> _resolve;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _udpLoop;
    private readonly Task _tcpLoop;
    private long _queries;

    private EmulatorDnsServer(Socket udp, TcpListener tcp, Func<DnsQuery, DnsAnswer> resolve)
    {
        _udp = udp;
        _tcp = tcp;
        _resolve = resolve;
        Endpoint = (IPEndPoint)udp.LocalEndPoint!;
        _udpLoop = Task.Run(UdpLoopAsync);
        _tcpLoop = Task.Run(TcpLoopAsync);
    }

    /// <summary>Gets the bound address and port (the same for UDP and TCP).</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>Gets the number of queries answered, over both transports.</summary>
    public long QueryCount => Interlocked.Read(ref _queries);

    /// <summary>Binds UDP and TCP on the same port (0: a free one that both transports can take).</summary>
    /// <exception cref="SocketException">The port cannot be bound.</exception>
    public static EmulatorDnsServer Start(IPAddress address, int port, Func<DnsQuery, DnsAnswer> resolve)
    {
        for (var attempt = 0; ; attempt++)
        {
            var udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                if (address.Equals(IPAddress.IPv6Any))
                {
                    udp.DualMode = true;
                }

                udp.Bind(new IPEndPoint(address, port));
                var bound = ((IPEndPoint)udp.LocalEndPoint!).Port;
                var tcp = new TcpListener(address, bound);
                if (address.Equals(IPAddress.IPv6Any))
                {
                    tcp.Server.DualMode = true;
                }

                try
                {
                    tcp.Start();
                }
                catch (SocketException e) when (port == 0 && attempt < 20 && e.SocketErrorCode == SocketError.AddressAlreadyInUse)
                {
                    // The free UDP port is taken for TCP: try another one.
                    udp.Dispose();
                    continue;
                }

                return new EmulatorDnsServer(udp, tcp, resolve);
            }
            catch
            {
                udp.Dispose();
                throw;
            }
        }
    }

    /// <summary>Answers one message (a whole UDP datagram or one TCP frame); <see langword="null"/> drops it.</summary>
    internal byte[]? Answer(ReadOnlySpan<byte> message, bool overTcp)
    {
        var id = DnsQuery.TryParse(message, out var query);
        if (id is null)
        {
            return null;
        }

        if (query is null)
        {
            return DnsResponse.Error(id.Value, DnsRcode.FormErr);
        }

        Interlocked.Increment(ref _queries);
        DnsAnswer answer;
        if (query.HasEdns && query.EdnsVersion > 0)
        {
            answer = DnsAnswer.Error(DnsRcode.BadVers);
        }
        else if (query.Opcode != 0)
        {
            answer = DnsAnswer.Error(DnsRcode.NotImp);
        }
        else if (query.Class is not (1 or 255))
        {
            answer = DnsAnswer.Error(DnsRcode.Refused);
        }
        else
        {
            try
            {
                answer = _resolve(query);
            }
#pragma warning disable CA1031 // A bug in answering must cost one SERVFAIL, never the server.
            catch (Exception)
#pragma warning restore CA1031
            {
                answer = DnsAnswer.Error(DnsRcode.ServFail);
            }
        }

        var max = overTcp ? ushort.MaxValue : query.HasEdns ? Math.Min(query.UdpPayloadSize, DnsResponse.ServerUdpPayload) : DnsQuery.MinUdpPayload;
        return DnsResponse.Encode(query, answer, max);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _udp.Dispose();
        _tcp.Stop();
        try
        {
            await Task.WhenAll(_udpLoop, _tcpLoop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private async Task UdpLoopAsync()
    {
        var buffer = new byte[ushort.MaxValue];
        EndPoint any = new IPEndPoint(_udp.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
                var response = Answer(buffer.AsSpan(0, received.ReceivedBytes), overTcp: false);
                if (response is not null)
                {
                    await _udp.SendToAsync(response, SocketFlags.None, received.RemoteEndPoint, _stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // An ICMP "port unreachable" for an earlier answer, or a client gone: serve the next datagram.
            }
        }
    }

    private async Task TcpLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _tcp.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            _ = ServeTcpAsync(client);
        }
    }

    /// <summary>RFC 7766: length-prefixed messages, several per connection, closed when idle.</summary>
    private async Task ServeTcpAsync(Socket client)
    {
        using (client)
        {
            var length = new byte[2];
            var buffer = new byte[ushort.MaxValue];
            try
            {
                while (true)
                {
                    // Real time on purpose: the idle timeout guards a real socket, whatever clock the emulator runs on.
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    idle.CancelAfter(TcpIdleTimeout);
                    if (!await ReadExactlyAsync(client, length, idle.Token).ConfigureAwait(false))
                    {
                        return;
                    }

                    var size = BinaryPrimitives.ReadUInt16BigEndian(length);
                    if (!await ReadExactlyAsync(client, buffer.AsMemory(0, size), idle.Token).ConfigureAwait(false))
                    {
                        return;
                    }

                    var response = Answer(buffer.AsSpan(0, size), overTcp: true);
                    if (response is null)
                    {
                        return;
                    }

                    var framed = new byte[response.Length + 2];
                    BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)response.Length);
                    response.CopyTo(framed, 2);
                    await client.SendAsync(framed, SocketFlags.None, idle.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away, stayed idle, or the server stops.
            }
        }
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }
}
