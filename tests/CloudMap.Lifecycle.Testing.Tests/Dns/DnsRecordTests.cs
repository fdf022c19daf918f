// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text.Json.Nodes;
using DnsClient;
using DnsClient.Protocol;

namespace CloudMap.Lifecycle.Testing.Tests.Dns;

/// <summary>The records Cloud Map keeps in Route 53, as DnsClient (a client nobody here wrote) reads them from the emulator.</summary>
public sealed class DnsRecordTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Srv_AnswersOneRecordPerInstance_WithTheTargetsAddressesInAdditional()
    {
        await using var f = await DnsFixture.StartAsync();
        var serviceId = await f.CreateServiceAsync("orders", "MULTIVALUE", "custom", ("SRV", 60), ("A", 30));
        f.Register(serviceId, "o-1", ("AWS_INSTANCE_IPV4", "127.0.0.11"), ("AWS_INSTANCE_PORT", "8081"));
        f.Register(serviceId, "o-2", ("AWS_INSTANCE_IPV4", "127.0.0.12"), ("AWS_INSTANCE_PORT", "8082"));

        var result = await f.Lookup.QueryAsync("orders.shop.local", QueryType.SRV, cancellationToken: Token);

        Assert.Equal(DnsHeaderResponseCode.NoError, result.Header.ResponseCode);
        Assert.True(result.Header.HasAuthorityAnswer);
        var srv = result.Answers.SrvRecords().OrderBy(r => r.Port).ToList();
        Assert.Equal(["1 1 8081 o-1.orders.shop.local.", "1 1 8082 o-2.orders.shop.local."], srv.Select(r => $"{r.Priority} {r.Weight} {r.Port} {r.Target}"));
        Assert.All(srv, r => Assert.Equal(60, r.InitialTimeToLive));
        var additional = result.Additionals.ARecords().OrderBy(r => r.DomainName.Value).ToList();
        Assert.Equal(["o-1.orders.shop.local.=127.0.0.11", "o-2.orders.shop.local.=127.0.0.12"], additional.Select(r => $"{r.DomainName}={r.Address}"));
        Assert.All(additional, r => Assert.Equal(30, r.InitialTimeToLive));
    }

    [Fact]
    public async Task SrvTarget_AnswersTheInstancesAddress()
    {
        await using var f = await DnsFixture.StartAsync();
        var serviceId = await f.CreateServiceAsync("orders", "MULTIVALUE", "custom", ("SRV", 60));
        f.Register(serviceId, "o-1", ("AWS_INSTANCE_IPV4", "127.0.0.11"), ("AWS_INSTANCE_PORT", "8081"));

        var result = await f.Lookup.QueryAsync("o-1.orders.shop.local", QueryType.A, cancellationToken: Token);

        var a = Assert.Single(result.Answers.ARecords());
        Assert.Equal(IPAddress.Parse("127.0.0.11"), a.Address);
        Assert.Equal(60, a.InitialTimeToLive);
    }

    [Fact]
    public async Task AAndAaaa_AnswerTheRegisteredAddresses_WithTheirOwnTtls()
    {
        await using var f = await DnsFixture.StartAsync();
        var serviceId = await f.CreateServiceAsync("web", "MULTIVALUE", "custom", ("A", 30), ("AAAA", 45));
        f.Register(serviceId, "w-1", ("AWS_INSTANCE_IPV4", "127.0.0.21"), ("AWS_INSTANCE_IPV6", "::1"));

        var a = await f.Lookup.QueryAsync("web.shop.local", QueryType.A, cancellationToken: Token);
        var aaaa = await f.Lookup.QueryAsync("web.shop.local", QueryType.AAAA, cancellationToken: Token);

        Assert.Equal(("127.0.0.21", 30), a.Answers.ARecords().Select(r => (r.Address.ToString(), r.InitialTimeToLive)).Single());
        Assert.Equal(("::1", 45), aaaa.Answers.AaaaRecords().Select(r => (r.Address.ToString(), r.InitialTimeToLive)).Single());
    }

    [Fact]
    public async Task Cname_AnswersTheInstancesCname_ForAnyType()
    {
        await using var f = await DnsFixture.StartAsync();
        var serviceId = await f.CreateServiceAsync("legacy", "WEIGHTED", "custom", ("CNAME", 20));
        f.Register(serviceId, "l-1", ("AWS_INSTANCE_CNAME", "legacy.example.com"));

        var cname = await f.Lookup.QueryAsync("legacy.shop.local", QueryType.CNAME, cancellationToken: Token);
        var a = await f.Lookup.QueryAsync("legacy.shop.local", QueryType.A, cancellationToken: Token);

        Assert.Equal(("legacy.example.com.", 20), cname.Answers.CnameRecords().Select(r => (r.CanonicalName.Value, r.InitialTimeToLive)).Single());
        Assert.Equal("legacy.example.com.", a.Answers.CnameRecords().Single().CanonicalName.Value);
    }

    [Fact]
    public async Task Name_IsCaseInsensitive()
    {
        await using var f = await DnsFixture.StartAsync();
        var serviceId = await f.CreateServiceAsync("web", "MULTIVALUE", "custom", ("A", 30));
        f.Register(serviceId, "w-1", ("AWS_INSTANCE_IPV4", "127.0.0.21"));

        var result = await f.Lookup.QueryAsync("WEB.Shop.LOCAL", QueryType.A, cancellationToken: Token);

        Assert.Single(result.Answers.ARecords());
    }

    [Fact]
    public async Task UnknownName_IsNxDomain_WithTheZonesSoaForNegativeCaching()
    {
        await using var f = await DnsFixture.StartAsync();

        var result = await f.Lookup.QueryAsync("nothing.shop.local", QueryType.A, cancellationToken: Token);

        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, result.Header.ResponseCode);
        Assert.True(result.Header.HasAuthorityAnswer);
        Assert.Empty(result.Answers);
        var soa = Assert.Single(result.Authorities.SoaRecords());
        Assert.Equal("shop.local.", soa.DomainName.Value);
        Assert.Equal(900, soa.InitialTimeToLive);
    }

    [Fact]
    public async Task TypeTheServiceHasNoRecordOf_IsNoData_WithSoa()
    {
        await using var f = await DnsFixture.StartAsync();
        var serviceId = await f.CreateServiceAsync("web", "MULTIVALUE", "custom", ("A", 30));
        f.Register(serviceId, "w-1", ("AWS_INSTANCE_IPV4", "127.0.0.21"));

        var result = await f.Lookup.QueryAsync("web.shop.local", QueryType.AAAA, cancellationToken: Token);

        Assert.Equal(DnsHeaderResponseCode.NoError, result.Header.ResponseCode);
        Assert.Empty(result.Answers);
        Assert.Single(result.Authorities.SoaRecords());
    }

    [Fact]
    public async Task ZoneApex_AnswersSoa()
    {
        await using var f = await DnsFixture.StartAsync();

        var result = await f.Lookup.QueryAsync("shop.local", QueryType.SOA, cancellationToken: Token);

        var soa = Assert.Single(result.Answers.SoaRecords());
        Assert.Equal(86400u, soa.Minimum);
    }

    [Fact]
    public async Task ServiceWithoutInstances_IsNxDomain_UntilOneRegisters_AndAfterTheLastDeregisters()
    {
        await using var f = await DnsFixture.StartAsync();
        var serviceId = await f.CreateServiceAsync("web", "MULTIVALUE", "custom", ("A", 30));

        var before = await f.Lookup.QueryAsync("web.shop.local", QueryType.A, cancellationToken: Token);
        f.Register(serviceId, "w-1", ("AWS_INSTANCE_IPV4", "127.0.0.21"));
        var registered = await f.Lookup.QueryAsync("web.shop.local", QueryType.A, cancellationToken: Token);
        f.Emulator.DeregisterInstance(serviceId, "w-1");
        var after = await f.Lookup.QueryAsync("web.shop.local", QueryType.A, cancellationToken: Token);

        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, before.Header.ResponseCode);
        Assert.Single(registered.Answers.ARecords());
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, after.Header.ResponseCode);
    }

    [Fact]
    public async Task ServiceNameWithLabels_MakesItsParentsExist()
    {
        await using var f = await DnsFixture.StartAsync();
        var serviceId = await f.CreateServiceAsync("_api._tcp", "MULTIVALUE", "custom", ("SRV", 60));
        f.Register(serviceId, "a-1", ("AWS_INSTANCE_IPV4", "127.0.0.31"), ("AWS_INSTANCE_PORT", "9000"));

        var srv = await f.Lookup.QueryAsync("_api._tcp.shop.local", QueryType.SRV, cancellationToken: Token);
        var parent = await f.Lookup.QueryAsync("_tcp.shop.local", QueryType.SRV, cancellationToken: Token);

        Assert.Equal(9000, srv.Answers.SrvRecords().Single().Port);
        Assert.Equal(DnsHeaderResponseCode.NoError, parent.Header.ResponseCode);
        Assert.Empty(parent.Answers);
    }

    [Fact]
    public async Task PublicDnsNamespace_IsServedToo()
    {
        await using var f = await DnsFixture.StartAsync();
        var publicId = f.Emulator.CreateDnsNamespace("example.org", isPublic: true);
        var serviceId = f.Emulator.CreateService(publicId, "api");
        f.Register(serviceId, "p-1", ("AWS_INSTANCE_IPV4", "127.0.0.41"), ("AWS_INSTANCE_PORT", "7000"));

        var result = await f.Lookup.QueryAsync("api.example.org", QueryType.SRV, cancellationToken: Token);

        Assert.Equal(7000, result.Answers.SrvRecords().Single().Port);
    }

    [Fact]
    public async Task HttpNamespace_HasNoDns_AndOtherNamesAreRefused()
    {
        await using var f = await DnsFixture.StartAsync();
        var httpId = f.Emulator.CreateHttpNamespace("internal");
        var serviceId = f.Emulator.CreateService(httpId, "api");
        f.Register(serviceId, "h-1", ("AWS_INSTANCE_IPV4", "127.0.0.51"), ("AWS_INSTANCE_PORT", "7000"));

        var http = await f.Lookup.QueryAsync("api.internal", QueryType.A, cancellationToken: Token);
        var outside = await f.Lookup.QueryAsync("example.com", QueryType.A, cancellationToken: Token);

        Assert.Equal(DnsHeaderResponseCode.Refused, http.Header.ResponseCode);
        Assert.Equal(DnsHeaderResponseCode.Refused, outside.Header.ResponseCode);
    }

    [Fact]
    public async Task Emulator_WithoutDnsPort_ServesNoDns()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { TimeProvider = new TimerCountingFakeTimeProvider() }, Token);

        Assert.Null(emulator.DnsEndpoint);
    }

    [Fact]
    public async Task DnsEndpoint_IsLoopback_WithOnePortForUdpAndTcp()
    {
        await using var f = await DnsFixture.StartAsync();
        var serviceId = await f.CreateServiceAsync("web", "MULTIVALUE", "custom", ("A", 30));
        f.Register(serviceId, "w-1", ("AWS_INSTANCE_IPV4", "127.0.0.21"));
        var tcpOnly = new LookupClient(new LookupClientOptions(new NameServer(f.DnsEndpoint)) { UseCache = false, Retries = 0, UseTcpOnly = true });

        var result = await tcpOnly.QueryAsync("web.shop.local", QueryType.A, cancellationToken: Token);

        Assert.Equal(IPAddress.Loopback, f.DnsEndpoint.Address);
        Assert.NotEqual(0, f.DnsEndpoint.Port);
        Assert.Single(result.Answers.ARecords());
    }

    [Fact]
    public async Task AdminState_ListsEachServicesDnsRecords()
    {
        await using var f = await DnsFixture.StartAsync();
        var serviceId = await f.CreateServiceAsync("orders", "MULTIVALUE", "custom", ("SRV", 60));
        f.Register(serviceId, "o-1", ("AWS_INSTANCE_IPV4", "127.0.0.11"), ("AWS_INSTANCE_PORT", "8081"));

        var state = JsonNode.Parse(await f.Client.Http.GetStringAsync(new Uri(f.Emulator.Endpoint, "/_emulator/state"), Token))!;
        var service = state["namespaces"]!.AsArray().Single(n => n!["name"]!.GetValue<string>() == "shop.local")!["services"]![0]!;

        Assert.Equal("MULTIVALUE", service["routingPolicy"]!.GetValue<string>());
        Assert.Equal(
            ["orders.shop.local SRV 60 1 1 8081 o-1.orders.shop.local", "o-1.orders.shop.local A 60 127.0.0.11"],
            service["dnsRecords"]!.AsArray().Select(r => $"{r!["name"]} {r["type"]} {r["ttl"]} {r["value"]}"));
    }
}
