// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text.Json.Nodes;
using CloudMap.Lifecycle.Emulator;
using DnsClient;
using DnsClient.Protocol;

namespace CloudMap.Lifecycle.Testing.Tests.Dns;

/// <summary>
/// The SOA of a DNS namespace (whose TTL bounds negative caching) comes from <c>Properties.DnsProperties.SOA.TTL</c> of
/// CreatePrivateDnsNamespace/CreatePublicDnsNamespace, or the seed's <c>properties</c>; 900 s when not given;
/// UpdatePrivateDnsNamespace/UpdatePublicDnsNamespace change it (and the description).
/// </summary>
public sealed class DnsSoaTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("CreatePrivateDnsNamespace", "private.test")]
    [InlineData("CreatePublicDnsNamespace", "public.example")]
    public async Task CreateDnsNamespace_WithSoaTtl_NegativeAnswersCarryIt(string operation, string zone)
    {
        await using var f = await DnsFixture.StartAsync();
        var body = new JsonObject
        {
            ["Name"] = zone,
            ["Properties"] = new JsonObject { ["DnsProperties"] = new JsonObject { ["SOA"] = new JsonObject { ["TTL"] = 7 } } },
        };
        if (operation == "CreatePrivateDnsNamespace")
        {
            body["Vpc"] = "vpc-1";
        }

        await f.Client.OkAsync(operation, body);

        var nxdomain = await f.Lookup.QueryAsync("missing." + zone, QueryType.A, cancellationToken: Token);
        var apex = await f.Lookup.QueryAsync(zone, QueryType.SOA, cancellationToken: Token);
        Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, nxdomain.Header.ResponseCode);
        Assert.Equal(7, Assert.Single(nxdomain.Authorities.SoaRecords()).InitialTimeToLive);
        Assert.Equal(7, Assert.Single(apex.Answers.SoaRecords()).InitialTimeToLive);
        Assert.Equal(7, await SoaTtlOfAsync(f, zone));
    }

    [Fact]
    public async Task CreateDnsNamespace_WithoutProperties_HasRoute53sDefaultSoaTtl900()
    {
        await using var f = await DnsFixture.StartAsync();
        await f.Client.OkAsync("CreatePrivateDnsNamespace", new JsonObject { ["Name"] = "plain.test", ["Vpc"] = "vpc-1" });

        var nxdomain = await f.Lookup.QueryAsync("missing.plain.test", QueryType.A, cancellationToken: Token);

        var soa = Assert.Single(nxdomain.Authorities.SoaRecords());
        Assert.Equal(900, soa.InitialTimeToLive);
        Assert.Equal(86400u, soa.Minimum);
        Assert.Equal(900, await SoaTtlOfAsync(f, "plain.test"));
    }

    [Theory]
    [InlineData("""{"DnsProperties":{}}""", "SOA")]
    [InlineData("""{"DnsProperties":{"SOA":{}}}""", "TTL")]
    [InlineData("""{"DnsProperties":{"SOA":{"TTL":-1}}}""", "TTL")]
    [InlineData("""{"DnsProperties":{"SOA":{"TTL":2147483648}}}""", "TTL")]
    public async Task CreateDnsNamespace_BadSoa_IsAValidationError_NamingTheMember(string properties, string member)
    {
        await using var f = await DnsFixture.StartAsync();

        var error = await f.Client.ErrorAsync(
            "CreatePrivateDnsNamespace",
            new JsonObject { ["Name"] = "bad.test", ["Vpc"] = "vpc-1", ["Properties"] = JsonNode.Parse(properties) },
            "InvalidInput");

        // Cloud Map's validation messages name members in its own casing ('sOA', 'tTL').
        Assert.Contains($"'{member[0..1].ToLowerInvariant()}{member[1..]}'", error["Message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seed_NamespaceProperties_SetTheSoaTtl()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions
        {
            DnsPort = 0,
            SeedJson = """{"namespaces":[{"name":"seeded.test","type":"DNS_PRIVATE","properties":{"DnsProperties":{"SOA":{"TTL":3}}}}]}""",
        }, Token);
        var lookup = new LookupClient(new LookupClientOptions(new NameServer(emulator.DnsEndpoint!)) { UseCache = false, Retries = 0 });

        var result = await lookup.QueryAsync("missing.seeded.test", QueryType.A, cancellationToken: Token);

        Assert.Equal(3, Assert.Single(result.Authorities.SoaRecords()).InitialTimeToLive);
    }

    [Theory]
    [InlineData("""{"namespaces":[{"name":"web","type":"HTTP","properties":{"DnsProperties":{"SOA":{"TTL":3}}}}]}""", "namespaces[0].properties")]
    [InlineData("""{"namespaces":[{"name":"a.test","type":"DNS_PRIVATE","properties":{"DnsProperties":{"SOA":{"TTL":"x"}}}}]}""", "namespaces[0].properties")]
    public async Task Seed_BadProperties_NameThePath(string seed, string path)
    {
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { SeedJson = seed }, Token));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeedExample_HasAPrivateDnsNamespace_WhoseServiceAnswersAAndSrv()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions
        {
            DnsPort = 0,
            SeedFile = Path.Combine(AppContext.BaseDirectory, "seed.example.json"),
        }, Token);
        var lookup = new LookupClient(new LookupClientOptions(new NameServer(emulator.DnsEndpoint!)) { UseCache = false, Retries = 0 });

        var a = await lookup.QueryAsync("inventory.example.internal", QueryType.A, cancellationToken: Token);
        var srv = await lookup.QueryAsync("inventory.example.internal", QueryType.SRV, cancellationToken: Token);
        var missing = await lookup.QueryAsync("missing.example.internal", QueryType.A, cancellationToken: Token);

        Assert.Equal(["127.0.0.1", "127.0.0.2"], a.Answers.ARecords().Select(r => r.Address.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["1 1 9101 inventory-1.inventory.example.internal.", "1 1 9102 inventory-2.inventory.example.internal."],
            srv.Answers.SrvRecords().Select(r => $"{r.Priority} {r.Weight} {r.Port} {r.Target}").Order(StringComparer.Ordinal));
        Assert.Equal(2, srv.Additionals.ARecords().Count());
        Assert.Equal(15, Assert.Single(missing.Authorities.SoaRecords()).InitialTimeToLive);
    }

    [Theory]
    [InlineData("0.0.0.0", "CloudMap emulator DNS on 0.0.0.0:5300 (all interfaces; from this machine query 127.0.0.1:5300, UDP and TCP)")]
    [InlineData("::", "CloudMap emulator DNS on [::]:5300 (all interfaces; from this machine query [::1]:5300, UDP and TCP)")]
    [InlineData("127.0.0.1", "CloudMap emulator DNS on 127.0.0.1:5300 (UDP and TCP)")]
    [InlineData("10.1.2.3", "CloudMap emulator DNS on 10.1.2.3:5300 (UDP and TCP)")]
    public void DnsLine_NamesTheBoundAddress_AndForAWildcardOneToQuery(string bound, string expected)
    {
        // The socket's own endpoint, as the server reports it: no wildcard socket is opened in a test.
        Assert.Equal(expected, EmulatorProgram.DnsLine(new IPEndPoint(IPAddress.Parse(bound), 5300)));
    }

    [Theory]
    [InlineData("UpdatePrivateDnsNamespace", "DNS_PRIVATE")]
    [InlineData("UpdatePublicDnsNamespace", "DNS_PUBLIC")]
    public async Task UpdateDnsNamespace_SoaTtl_TheNextNegativeAnswerAndSoaCarryIt(string operation, string type)
    {
        await using var f = await DnsFixture.StartAsync();
        var zone = type == "DNS_PRIVATE" ? "update.test" : "update.example";
        var id = f.Emulator.CreateDnsNamespace(zone, isPublic: type == "DNS_PUBLIC");
        var before = await f.Lookup.QueryAsync("missing." + zone, QueryType.A, cancellationToken: Token);

        var update = await f.Client.OkAsync(operation, UpdateBody(id, ttl: 30, description: "shorter negative caching"));

        var nxdomain = await f.Lookup.QueryAsync("missing." + zone, QueryType.A, cancellationToken: Token);
        var apex = await f.Lookup.QueryAsync(zone, QueryType.SOA, cancellationToken: Token);
        Assert.Equal(900, Assert.Single(before.Authorities.SoaRecords()).InitialTimeToLive);
        Assert.Equal(30, Assert.Single(nxdomain.Authorities.SoaRecords()).InitialTimeToLive);
        Assert.Equal(30, Assert.Single(apex.Answers.SoaRecords()).InitialTimeToLive);
        Assert.Equal(30, await SoaTtlOfAsync(f, zone));
        var ns = await f.Client.OkAsync("GetNamespace", new JsonObject { ["Id"] = id });
        Assert.Equal("shorter negative caching", ns["Namespace"]!["Description"]!.GetValue<string>());
        var op = await f.Client.OkAsync("GetOperation", new JsonObject { ["OperationId"] = update["OperationId"]!.GetValue<string>() });
        Assert.Equal("UPDATE_NAMESPACE", op["Operation"]!["Type"]!.GetValue<string>());
        Assert.Equal(id, op["Operation"]!["Targets"]!["NAMESPACE"]!.GetValue<string>());
    }

    [Fact]
    public async Task UpdateDnsNamespace_DescriptionOnly_KeepsTheSoaTtl()
    {
        await using var f = await DnsFixture.StartAsync();

        await f.Client.OkAsync("UpdatePrivateDnsNamespace", new JsonObject { ["Id"] = f.NamespaceId, ["Namespace"] = new JsonObject { ["Description"] = "renamed" } });

        Assert.Equal(900, await SoaTtlOfAsync(f, DnsFixture.Zone));
        var ns = await f.Client.OkAsync("GetNamespace", new JsonObject { ["Id"] = f.NamespaceId });
        Assert.Equal("renamed", ns["Namespace"]!["Description"]!.GetValue<string>());
    }

    [Fact]
    public async Task UpdateDnsNamespace_WhileThePreviousUpdateRuns_DuplicateRequest_ThenAcceptedOnceItCompleted()
    {
        await using var f = await DnsFixture.StartAsync(o => o.CompleteOperationsImmediately = false);
        var first = await f.Client.OkAsync("UpdatePrivateDnsNamespace", UpdateBody(f.NamespaceId, ttl: 10));

        var error = await f.Client.ErrorAsync("UpdatePrivateDnsNamespace", UpdateBody(f.NamespaceId, ttl: 20), "DuplicateRequest");
        f.Clock.Advance(CloudMapEmulatorOptions.DefaultOperationSubmittedDuration + CloudMapEmulatorOptions.DefaultOperationPendingDuration);
        await f.Client.OkAsync("UpdatePrivateDnsNamespace", UpdateBody(f.NamespaceId, ttl: 20));

        Assert.Equal(first["OperationId"]!.GetValue<string>(), error["DuplicateOperationId"]!.GetValue<string>());
        Assert.Equal(20, await SoaTtlOfAsync(f, DnsFixture.Zone));
    }

    [Theory]
    [InlineData("UpdatePublicDnsNamespace", """{"Namespace":{"Description":"x"}}""", "InvalidInput", "DNS_PRIVATE")]
    [InlineData("UpdateHttpNamespace", """{"Namespace":{"Description":"x"}}""", "InvalidInput", "DNS_PRIVATE")]
    [InlineData("UpdatePrivateDnsNamespace", """{}""", "InvalidInput", "'namespace'")]
    [InlineData("UpdatePrivateDnsNamespace", """{"Namespace":{"Properties":{}}}""", "InvalidInput", "'dnsProperties'")]
    [InlineData("UpdatePrivateDnsNamespace", """{"Namespace":{"Properties":{"DnsProperties":{"SOA":{"TTL":-1}}}}}""", "InvalidInput", "'tTL'")]
    public async Task UpdateNamespace_BadInput_NamesTheProblem(string operation, string body, string code, string text)
    {
        await using var f = await DnsFixture.StartAsync();
        var request = JsonNode.Parse(body)!.AsObject();
        request["Id"] = f.NamespaceId;

        var error = await f.Client.ErrorAsync(operation, request, code);

        Assert.Contains(text, error["Message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(900, await SoaTtlOfAsync(f, DnsFixture.Zone));
    }

    [Fact]
    public async Task UpdateNamespace_UnknownId_NamespaceNotFound()
    {
        await using var f = await DnsFixture.StartAsync();

        await f.Client.ErrorAsync("UpdatePrivateDnsNamespace", UpdateBody("ns-missing00000000", ttl: 5), "NamespaceNotFound");
    }

    [Fact]
    public async Task UpdateHttpNamespace_DescriptionIsRequired_AndChanged()
    {
        await using var f = await DnsFixture.StartAsync();
        var id = f.Emulator.CreateHttpNamespace("web");

        await f.Client.ErrorAsync("UpdateHttpNamespace", new JsonObject { ["Id"] = id, ["Namespace"] = new JsonObject() }, "InvalidInput");
        await f.Client.OkAsync("UpdateHttpNamespace", new JsonObject { ["Id"] = id, ["Namespace"] = new JsonObject { ["Description"] = "orders" } });

        var ns = await f.Client.OkAsync("GetNamespace", new JsonObject { ["Id"] = id });
        Assert.Equal("orders", ns["Namespace"]!["Description"]!.GetValue<string>());
    }

    private static JsonObject UpdateBody(string id, long ttl, string? description = null)
    {
        var change = new JsonObject { ["Properties"] = new JsonObject { ["DnsProperties"] = new JsonObject { ["SOA"] = new JsonObject { ["TTL"] = ttl } } } };
        if (description is not null)
        {
            change["Description"] = description;
        }

        return new JsonObject { ["Id"] = id, ["Namespace"] = change };
    }

    private static async Task<long> SoaTtlOfAsync(DnsFixture f, string zone)
    {
        var list = await f.Client.OkAsync("ListNamespaces");
        var id = list["Namespaces"]!.AsArray().Single(n => n!["Name"]!.GetValue<string>() == zone)!["Id"]!.GetValue<string>();
        var ns = await f.Client.OkAsync("GetNamespace", new JsonObject { ["Id"] = id });
        return ns["Namespace"]!["Properties"]!["DnsProperties"]!["SOA"]!["TTL"]!.GetValue<long>();
    }
}
