// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Tests;

public sealed class ResourceTests
{
    [Fact]
    public async Task CreateHttpNamespace_ThenCreateService_ThroughApi()
    {
        await using var f = await EmulatorFixture.StartAsync();

        var op = (await f.Client.OkAsync("CreateHttpNamespace", new JsonObject { ["Name"] = "shop", ["CreatorRequestId"] = "c1" }))["OperationId"]!.GetValue<string>();
        f.Clock.Advance(f.OperationTime);
        var operation = (await f.Client.OkAsync("GetOperation", new JsonObject { ["OperationId"] = op }))["Operation"]!;
        var nsId = operation["Targets"]!["NAMESPACE"]!.GetValue<string>();
        var ns = (await f.Client.OkAsync("GetNamespace", new JsonObject { ["Id"] = nsId }))["Namespace"]!;
        var service = (await f.Client.OkAsync("CreateService", new JsonObject { ["Name"] = "cart", ["NamespaceId"] = nsId, ["HealthCheckCustomConfig"] = new JsonObject { ["FailureThreshold"] = 1 } }))["Service"]!;

        Assert.Equal("CREATE_NAMESPACE", operation["Type"]!.GetValue<string>());
        Assert.Equal("SUCCESS", operation["Status"]!.GetValue<string>());
        Assert.Matches("^ns-[a-z0-9]{16}$", nsId);
        Assert.Equal("HTTP", ns["Type"]!.GetValue<string>());
        Assert.Equal("shop", ns["Properties"]!["HttpProperties"]!["HttpName"]!.GetValue<string>());
        Assert.Matches("^srv-[a-z0-9]{16}$", service["Id"]!.GetValue<string>());
        Assert.Equal("HTTP", service["Type"]!.GetValue<string>());
        Assert.Equal(EmulatedHealthCheck.Custom, f.Emulator.GetHealthCheck(service["Id"]!.GetValue<string>()));
        await f.Client.RegisterAsync(service["Id"]!.GetValue<string>(), "i-1");
    }

    [Fact]
    public async Task CreatePrivateDnsNamespace_WithoutVpc_InvalidInput_WithVpc_Created()
    {
        await using var f = await EmulatorFixture.StartAsync();

        await f.Client.ErrorAsync("CreatePrivateDnsNamespace", new JsonObject { ["Name"] = "example.local" }, "InvalidInput");
        await f.Client.OkAsync("CreatePrivateDnsNamespace", new JsonObject { ["Name"] = "example.local", ["Vpc"] = "vpc-123" });
        var list = await f.Client.OkAsync("ListNamespaces", JsonNode.Parse("""{"Filters":[{"Name":"TYPE","Values":["DNS_PRIVATE"]}]}""")!.AsObject());

        var ns = Assert.Single((JsonArray)list["Namespaces"]!)!;
        Assert.Equal("example.local", ns["Name"]!.GetValue<string>());
        Assert.NotNull(ns["Properties"]!["DnsProperties"]!["HostedZoneId"]);
    }

    [Fact]
    public async Task CreateHttpNamespace_Duplicate_NamespaceAlreadyExists()
    {
        await using var f = await EmulatorFixture.StartAsync();

        var body = await f.Client.ErrorAsync("CreateHttpNamespace", new JsonObject { ["Name"] = "example" }, "NamespaceAlreadyExists");

        Assert.Equal(f.NamespaceId, body["NamespaceId"]!.GetValue<string>());
    }

    [Fact]
    public async Task CreateService_Variants_ValidatedAsInTheModel()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var dnsNs = f.Emulator.CreateDnsNamespace("example.local");

        var dup = await f.Client.ErrorAsync("CreateService", new JsonObject { ["Name"] = "custom", ["NamespaceId"] = f.NamespaceId }, "ServiceAlreadyExists");
        Assert.Equal(f.CustomServiceId, dup["ServiceId"]!.GetValue<string>());
        await f.Client.ErrorAsync("CreateService", new JsonObject { ["Name"] = "x", ["NamespaceId"] = "ns-0000000000000000" }, "NamespaceNotFound");
        await f.Client.ErrorAsync("CreateService", new JsonObject { ["Name"] = "x" }, "InvalidInput");
        await f.Client.ErrorAsync("CreateService", new JsonObject { ["Name"] = "bad name!", ["NamespaceId"] = f.NamespaceId }, "InvalidInput");
        await f.Client.ErrorAsync("CreateService", JsonNode.Parse($$$"""{"Name":"x","NamespaceId":"{{{f.NamespaceId}}}","HealthCheckConfig":{"Type":"HTTP"},"HealthCheckCustomConfig":{}}""")!.AsObject(), "InvalidInput");
        await f.Client.ErrorAsync("CreateService", JsonNode.Parse($$$"""{"Name":"x","NamespaceId":"{{{dnsNs}}}","DnsConfig":{"DnsRecords":[{"Type":"SRV","TTL":60}]},"HealthCheckConfig":{"Type":"HTTP"}}""")!.AsObject(), "InvalidInput");
        await f.Client.ErrorAsync("CreateService", JsonNode.Parse($$$"""{"Name":"x","NamespaceId":"{{{f.NamespaceId}}}","DnsConfig":{"DnsRecords":[{"Type":"A","TTL":60}]}}""")!.AsObject(), "InvalidInput");
        await f.Client.ErrorAsync("CreateService", JsonNode.Parse($$$"""{"Name":"x","NamespaceId":"{{{dnsNs}}}","DnsConfig":{"DnsRecords":[{"Type":"MX","TTL":60}]}}""")!.AsObject(), "InvalidInput");
        var none = (await f.Client.OkAsync("CreateService", new JsonObject { ["Name"] = "plain", ["NamespaceId"] = f.NamespaceId }))["Service"]!;
        Assert.Null(none["HealthCheckConfig"]);
        Assert.Null(none["HealthCheckCustomConfig"]);
        var dns = (await f.Client.OkAsync("CreateService", JsonNode.Parse($$$"""{"Name":"api","NamespaceId":"{{{dnsNs}}}","DnsConfig":{"DnsRecords":[{"Type":"SRV","TTL":60}]}}""")!.AsObject()))["Service"]!;
        Assert.Equal("DNS_HTTP", dns["Type"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeleteService_WithInstances_ResourceInUse_ThenDeleted()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1");

        await f.Client.ErrorAsync("DeleteService", new JsonObject { ["Id"] = f.CustomServiceId }, "ResourceInUse");
        await f.Client.OkAsync("DeregisterInstance", new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "i-1" });
        await f.Client.OkAsync("DeleteService", new JsonObject { ["Id"] = f.CustomServiceId });
        await f.Client.ErrorAsync("GetService", new JsonObject { ["Id"] = f.CustomServiceId }, "ServiceNotFound");
    }

    [Fact]
    public async Task DeleteNamespace_WithServices_ResourceInUse_EmptyDeleted()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var empty = f.Emulator.CreateHttpNamespace("empty");

        await f.Client.ErrorAsync("DeleteNamespace", new JsonObject { ["Id"] = f.NamespaceId }, "ResourceInUse");
        await f.Client.OkAsync("DeleteNamespace", new JsonObject { ["Id"] = empty });
        await f.Client.ErrorAsync("GetNamespace", new JsonObject { ["Id"] = empty }, "NamespaceNotFound");
        await f.Client.ErrorAsync("DeleteNamespace", new JsonObject { ["Id"] = empty }, "NamespaceNotFound");
    }

    [Fact]
    public async Task ListServices_NamespaceFilter_ListsThatNamespaceOnly()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var other = f.Emulator.CreateHttpNamespace("other");
        var otherService = f.Emulator.CreateService(other, "svc");

        var result = await f.Client.OkAsync("ListServices", JsonNode.Parse($$$"""{"Filters":[{"Name":"NAMESPACE_ID","Values":["{{{other}}}"],"Condition":"EQ"}]}""")!.AsObject());

        Assert.Equal([otherService], ((JsonArray)result["Services"]!).Select(s => s!["Id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Seed_Json_CreatesNamespacesServicesAndInstances()
    {
        await using var f = await EmulatorFixture.StartAsync(o => o.SeedJson = """
            {"namespaces":[{"name":"seeded","id":"ns-seeded0000000000","services":[
              {"name":"api","id":"srv-seededapi00000000","healthCheck":"custom","instances":[{"id":"i-1","attributes":{"AWS_INSTANCE_IPV4":"10.1.1.1","AWS_INIT_HEALTH_STATUS":"UNHEALTHY"}}]},
              {"name":"worker","healthCheck":"none"}]}]}
            """);

        var instance = f.Emulator.FindInstance("srv-seededapi00000000", "i-1")!;
        var (discovered, _) = await f.Client.DiscoverAsync("seeded", "api", "ALL");

        Assert.Equal("UNHEALTHY", instance.HealthStatus);
        Assert.Equal([("i-1", "UNHEALTHY")], discovered);
        Assert.Empty((await f.Client.DiscoverAsync("seeded", "worker", "ALL")).Instances);
    }

    [Fact]
    public async Task Seed_Invalid_StartFailsWithClearError()
    {
        var options = new CloudMapEmulatorOptions { SeedJson = """{"namespaces":[{"name":"x","services":[{"name":"a","healthCheck":"sometimes"}]}]}""" };

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => CloudMapEmulator.StartAsync(options, TestContext.Current.CancellationToken));

        Assert.Contains("sometimes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seed_ExampleFile_IsValid()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "seed.example.json");

        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { SeedFile = path }, TestContext.Current.CancellationToken);
        using var client = new AwsJsonClient(emulator.Endpoint);

        var namespaces = await client.OkAsync("ListNamespaces");
        Assert.NotEmpty((JsonArray)namespaces["Namespaces"]!);
    }
}
