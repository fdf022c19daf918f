// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Buffers.Binary;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using DnsClient.Protocol.Options;

namespace CloudMap.Lifecycle.Testing.Tests.Dns;

/// <summary>Truncation, TCP fallback, EDNS payload sizes, and messages no client should send.</summary>
public sealed class DnsTransportTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Eight SRV records with long targets: about 900 bytes, more than 512, less than 4096.</summary>
    private static async Task<DnsFixture> WithLargeSrvAnswerAsync()
    {
        var f = await DnsFixture.StartAsync();
        var serviceId = await f.CreateServiceAsync("orders", "MULTIVALUE", "custom", ("SRV", 60), ("A", 60));
        for (var i = 1; i <= 8; i++)
        {
            f.Register(serviceId, $"instance-with-a-long-identifier-of-fifty-characters-{i:00}", ("AWS_INSTANCE_IPV4", $"127.0.2.{i}"), ("AWS_INSTANCE_PORT", $"{9000 + i}"));
        }

        return f;
    }

    [Fact]
    public async Task LargeAnswer_WithoutEdns_IsTruncated_AndTheClientGetsItOverTcp()
    {
        await using var f = await WithLargeSrvAnswerAsync();
        var lookup = f.NewLookup(ednsBufferSize: 512);
        var before = f.Emulator.DnsServer!.QueryCount;

        var result = await lookup.QueryAsync("orders.shop.local", QueryType.SRV, cancellationToken: Token);

        Assert.Equal(8, result.Answers.SrvRecords().Count());
        Assert.Equal(8, result.Additionals.ARecords().Count());
        Assert.Equal(2, f.Emulator.DnsServer.QueryCount - before); // UDP (TC set), then TCP
        Assert.True(result.MessageSize > 512, $"{result.MessageSize} bytes");
    }

    [Fact]
    public async Task LargeAnswer_WithoutEdns_OverUdpOnly_HasTheTruncatedFlag()
    {
        await using var f = await WithLargeSrvAnswerAsync();
        var answer = Query(f, "orders.shop.local", 33, edns: null);

        var response = await UdpAsync(f, answer);

        Assert.True(response.Length <= 512);
        Assert.NotEqual(0, response[2] & 0x02); // TC
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(6))); // no partial answer
    }

    [Fact]
    public async Task LargeAnswer_WithEdns4096_FitsInOneUdpAnswer_WithOpt()
    {
        await using var f = await WithLargeSrvAnswerAsync();
        var before = f.Emulator.DnsServer!.QueryCount;

        var result = await f.NewLookup(ednsBufferSize: 4096).QueryAsync("orders.shop.local", QueryType.SRV, cancellationToken: Token);

        Assert.Equal(8, result.Answers.SrvRecords().Count());
        Assert.Equal(1, f.Emulator.DnsServer.QueryCount - before);
        Assert.False(result.Header.ResultTruncated);
        var opt = Assert.Single(result.Additionals.OfType<OptRecord>());
        Assert.Equal(4096, opt.UdpSize);
    }

    [Fact]
    public async Task TenSrvInstances_EachAnswerHasEight_WithTheAddressesOfThoseEight_AndAllTenAppearAcrossAnswers()
    {
        // More instances than MULTIVALUE answers (8): what a proxy with more servers than that sees (HAProxy's
        // server-template over 10 instances).
        await using var f = await WithLargeSrvAnswerAsync();
        var serviceId = (await f.Client.OkAsync("ListServices"))["Services"]!.AsArray().Single()!["Id"]!.GetValue<string>();
        for (var i = 9; i <= 10; i++)
        {
            f.Register(serviceId, $"instance-with-a-long-identifier-of-fifty-characters-{i:00}", ("AWS_INSTANCE_IPV4", $"127.0.2.{i}"), ("AWS_INSTANCE_PORT", $"{9000 + i}"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var q = 0; q < 20; q++)
        {
            var result = await f.NewLookup(ednsBufferSize: 4096).QueryAsync("orders.shop.local", QueryType.SRV, cancellationToken: Token);

            var targets = result.Answers.SrvRecords().Select(r => r.Target.Value).ToList();
            Assert.Equal(8, targets.Count);
            Assert.False(result.Header.ResultTruncated);
            Assert.Equal(targets.Order(StringComparer.Ordinal), result.Additionals.ARecords().Select(a => a.DomainName.Value).Order(StringComparer.Ordinal));
            seen.UnionWith(targets);
        }

        var overTcp = await f.NewLookup(ednsBufferSize: 512).QueryAsync("orders.shop.local", QueryType.SRV, cancellationToken: Token);

        Assert.Equal(10, seen.Count);
        Assert.Equal(8, overTcp.Answers.SrvRecords().Count());
        Assert.Equal(8, overTcp.Additionals.ARecords().Count());
        Assert.True(overTcp.MessageSize > 512, $"{overTcp.MessageSize} bytes without EDNS: TC, then TCP");
    }

    [Fact]
    public async Task AnswerTooLargeOnlyWithAdditional_DropsTheAdditionalRecords_WithoutTruncation()
    {
        await using var f = await DnsFixture.StartAsync();
        var serviceId = await f.CreateServiceAsync("orders", "MULTIVALUE", "custom", ("SRV", 60));
        for (var i = 1; i <= 8; i++)
        {
            // About 475 bytes with the SRV answers: they fit in 512 bytes, their addresses (16 bytes each) do not.
            f.Register(serviceId, $"inst-0123456789-{i}", ("AWS_INSTANCE_IPV4", $"127.0.2.{i}"), ("AWS_INSTANCE_PORT", $"{9000 + i}"));
        }

        var response = await UdpAsync(f, Query(f, "orders.shop.local", 33, edns: null));

        Assert.Equal(0, response[2] & 0x02);
        Assert.Equal(8, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(6)));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(10)));
    }

    [Fact]
    public async Task EdnsVersion1_IsAnsweredBadVers()
    {
        await using var f = await DnsFixture.StartAsync();

        var response = await UdpAsync(f, Query(f, "shop.local", 6, edns: (1232, 1)));

        // RCODE 16 = extended 1 in the OPT TTL's top byte, 0 in the header.
        Assert.Equal(0, response[3] & 0x0F);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(10)));
        Assert.Equal(1, response[^6]);
    }

    [Fact]
    public async Task MalformedMessages_AreAnsweredFormErrOrDropped_AndTheServerKeepsAnswering()
    {
        await using var f = await DnsFixture.StartAsync();
        var twoQuestions = Query(f, "shop.local", 6, edns: null);
        twoQuestions[5] = 2;
        using var udp = new UdpClient(f.DnsEndpoint.AddressFamily);
        udp.Connect(f.DnsEndpoint);
        await udp.SendAsync(new byte[] { 1, 2, 3 }, Token); // no header: dropped

        var formErr = await UdpAsync(f, twoQuestions);
        var soa = await f.Lookup.QueryAsync("shop.local", QueryType.SOA, cancellationToken: Token);

        Assert.Equal(1, formErr[3] & 0x0F);
        Assert.Single(soa.Answers.SoaRecords());
    }

    [Fact]
    public async Task Tcp_ServesSeveralQueriesOnOneConnection()
    {
        await using var f = await DnsFixture.StartAsync();
        using var tcp = new TcpClient(f.DnsEndpoint.AddressFamily);
        await tcp.ConnectAsync(f.DnsEndpoint, Token);
        var stream = tcp.GetStream();

        for (var i = 0; i < 3; i++)
        {
            var query = Query(f, "shop.local", 6, edns: null);
            var framed = new byte[query.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
            query.CopyTo(framed, 2);
            await stream.WriteAsync(framed, Token);
            var length = new byte[2];
            await stream.ReadExactlyAsync(length, Token);
            var response = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
            await stream.ReadExactlyAsync(response, Token);

            Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(6)));
        }
    }

    /// <summary>A query built by hand: id 0x1234, RD, one question, an optional OPT (payload, version).</summary>
    private static byte[] Query(DnsFixture f, string name, ushort type, (ushort Payload, byte Version)? edns)
    {
        _ = f;
        var bytes = new List<byte> { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, (byte)(edns is null ? 0 : 1) };
        foreach (var label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }

        bytes.AddRange([0, (byte)(type >> 8), (byte)type, 0, 1]);
        if (edns is { } opt)
        {
            bytes.AddRange([0, 0, 41, (byte)(opt.Payload >> 8), (byte)opt.Payload, 0, opt.Version, 0, 0, 0, 0]);
        }

        return [.. bytes];
    }

    private static async Task<byte[]> UdpAsync(DnsFixture f, byte[] query)
    {
        using var udp = new UdpClient(f.DnsEndpoint.AddressFamily);
        udp.Connect(f.DnsEndpoint);
        await udp.SendAsync(query, Token);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        return (await udp.ReceiveAsync(timeout.Token)).Buffer;
    }
}
