// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Tests;

public sealed class RegistrationTests
{
    [Fact]
    public async Task RegisterInstance_NewInstance_OperationMovesSubmittedPendingSuccess()
    {
        await using var f = await EmulatorFixture.StartAsync();

        var op = await f.Client.RegisterAsync(f.CustomServiceId, "i-1");

        Assert.Equal(32 + 1 + 8, op.Length);
        Assert.Equal("SUBMITTED", await f.Client.OperationStatusAsync(op));
        f.Clock.Advance(f.Emulator.OperationSubmittedDuration);
        Assert.Equal("PENDING", await f.Client.OperationStatusAsync(op));
        f.Clock.Advance(f.Emulator.OperationPendingDuration);
        var operation = (await f.Client.OkAsync("GetOperation", new JsonObject { ["OperationId"] = op }))["Operation"]!;
        Assert.Equal("SUCCESS", operation["Status"]!.GetValue<string>());
        Assert.Equal("REGISTER_INSTANCE", operation["Type"]!.GetValue<string>());
        Assert.Equal("i-1", operation["Targets"]!["INSTANCE"]!.GetValue<string>());
        Assert.Equal(f.CustomServiceId, operation["Targets"]!["SERVICE"]!.GetValue<string>());
        Assert.Null(operation["ErrorCode"]);
    }

    [Fact]
    public async Task RegisterInstance_ConfiguredSchedule_IsHonoured()
    {
        await using var f = await EmulatorFixture.StartAsync(o =>
        {
            o.OperationSubmittedDuration = TimeSpan.FromSeconds(2);
            o.OperationPendingDuration = TimeSpan.FromSeconds(3);
        });

        var op = await f.Client.RegisterAsync(f.CustomServiceId, "i-1");
        f.Clock.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal("SUBMITTED", await f.Client.OperationStatusAsync(op));
        f.Clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("PENDING", await f.Client.OperationStatusAsync(op));
        f.Clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal("SUCCESS", await f.Client.OperationStatusAsync(op));
    }

    [Fact]
    public async Task RegisterInstance_ExistingId_ReplacesAttributesWithoutDuplicate()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1", new JsonObject { ["AWS_INSTANCE_IPV4"] = "10.0.0.1", ["color"] = "blue" });

        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1", new JsonObject { ["AWS_INSTANCE_IPV4"] = "10.0.0.2" });

        var instances = await f.Client.OkAsync("ListInstances", new JsonObject { ["ServiceId"] = f.CustomServiceId });
        var only = Assert.Single((JsonArray)instances["Instances"]!);
        Assert.Equal("10.0.0.2", only!["Attributes"]!["AWS_INSTANCE_IPV4"]!.GetValue<string>());
        Assert.Null(only["Attributes"]!["color"]);
    }

    [Fact]
    public async Task RegisterInstance_ServiceArn_IsAcceptedAsServiceId()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var arn = (await f.Client.OkAsync("GetService", new JsonObject { ["Id"] = f.CustomServiceId }))["Service"]!["Arn"]!.GetValue<string>();

        await f.Client.RegisterAsync(arn, "i-1");

        Assert.Equal($"arn:aws:servicediscovery:us-east-1:123456789012:service/{f.CustomServiceId}", arn);
        Assert.NotNull(f.Emulator.FindInstance(f.CustomServiceId, "i-1"));
    }

    [Fact]
    public async Task RegisterInstance_UnknownService_ServiceNotFound()
    {
        await using var f = await EmulatorFixture.StartAsync();

        await f.Client.ErrorAsync("RegisterInstance", new JsonObject { ["ServiceId"] = "srv-aaaaaaaaaaaaaaaa", ["InstanceId"] = "i-1", ["Attributes"] = new JsonObject() }, "ServiceNotFound");
    }

    public static TheoryData<string, string> InvalidRegistrations() => new()
    {
        { "bad id", """{"InstanceId":"has space","Attributes":{}}""" },
        { "id too long", "{\"InstanceId\":\"" + new string('a', 65) + "\",\"Attributes\":{}}" },
        { "empty id", """{"InstanceId":"","Attributes":{}}""" },
        { "bad key", """{"InstanceId":"i-1","Attributes":{"bad key":"v"}}""" },
        { "key too long", "{\"InstanceId\":\"i-1\",\"Attributes\":{\"" + new string('k', 256) + "\":\"v\"}}" },
        { "value too long", "{\"InstanceId\":\"i-1\",\"Attributes\":{\"k\":\"" + new string('v', 1025) + "\"}}" },
        { "value control char", """{"InstanceId":"i-1","Attributes":{"k":"a\u0001b"}}""" },
        { "value leading space", """{"InstanceId":"i-1","Attributes":{"k":" ab"}}""" },
        { "31 custom", "{\"InstanceId\":\"i-1\",\"Attributes\":{" + string.Join(',', Enumerable.Range(0, 31).Select(i => $"\"k{i}\":\"v\"")) + "}}" },
        { "over 5000 chars", "{\"InstanceId\":\"i-1\",\"Attributes\":{" + string.Join(',', Enumerable.Range(0, 5).Select(i => $"\"k{i}\":\"{new string('v', 1000)}\"")) + "}}" },
        { "bad init status", """{"InstanceId":"i-1","Attributes":{"AWS_INIT_HEALTH_STATUS":"SICK"}}""" },
        { "bad ipv4", """{"InstanceId":"i-1","Attributes":{"AWS_INSTANCE_IPV4":"10.0.0"}}""" },
        { "bad ipv6", """{"InstanceId":"i-1","Attributes":{"AWS_INSTANCE_IPV6":"10.0.0.1"}}""" },
        { "bad port", """{"InstanceId":"i-1","Attributes":{"AWS_INSTANCE_PORT":"70000"}}""" },
        { "ec2 with others", """{"InstanceId":"i-1","Attributes":{"AWS_EC2_INSTANCE_ID":"i-0abc","AWS_INSTANCE_PORT":"80"}}""" },
        { "cname without record", """{"InstanceId":"i-1","Attributes":{"AWS_INSTANCE_CNAME":"x.example.com"}}""" },
    };

    [Theory]
    [MemberData(nameof(InvalidRegistrations))]
    public async Task RegisterInstance_InvalidInput_InvalidInputAndNothingRegistered(string scenario, string json)
    {
        await using var f = await EmulatorFixture.StartAsync();
        var body = (JsonObject)JsonNode.Parse(json)!;
        body["ServiceId"] = f.CustomServiceId;

        await f.Client.ErrorAsync("RegisterInstance", body, "InvalidInput");

        Assert.True(f.Emulator.GetInstances(f.CustomServiceId).Count == 0, scenario);
    }

    [Fact]
    public async Task RegisterInstance_ThirtyCustomPlusReserved_IsAccepted()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var attributes = new JsonObject { ["AWS_INSTANCE_IPV4"] = "10.0.0.1", ["AWS_INSTANCE_PORT"] = "80", ["AWS_INIT_HEALTH_STATUS"] = "UNHEALTHY" };
        for (var i = 0; i < 30; i++)
        {
            attributes[$"k{i}"] = "value with inner  spaces";
        }

        await f.Client.RegisterAsync(f.CustomServiceId, "i-1_a/b:c.d@e", attributes);

        Assert.Equal(33, f.Emulator.FindInstance(f.CustomServiceId, "i-1_a/b:c.d@e")!.Attributes.Count);
    }

    [Fact]
    public async Task RegisterInstance_Ec2InstanceIdInDnsNamespace_InvalidInput()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var ns = f.Emulator.CreateDnsNamespace("example.local");
        var service = f.Emulator.CreateService(ns, "api");

        await f.Client.ErrorAsync("RegisterInstance", new JsonObject { ["ServiceId"] = service, ["InstanceId"] = "i-1", ["Attributes"] = new JsonObject { ["AWS_EC2_INSTANCE_ID"] = "i-0abc" } }, "InvalidInput");
    }

    [Theory]
    [InlineData("""{"AWS_INSTANCE_IPV4":"10.0.0.1"}""")]
    [InlineData("""{"AWS_INSTANCE_PORT":"80"}""")]
    public async Task RegisterInstance_SrvServiceMissingPortOrAddress_InvalidInput(string attributes)
    {
        await using var f = await EmulatorFixture.StartAsync();
        var ns = f.Emulator.CreateDnsNamespace("example.local");
        var service = f.Emulator.CreateService(ns, "api");

        await f.Client.ErrorAsync("RegisterInstance", new JsonObject { ["ServiceId"] = service, ["InstanceId"] = "i-1", ["Attributes"] = JsonNode.Parse(attributes) }, "InvalidInput");
    }

    [Fact]
    public async Task RegisterInstance_Route53ServiceWithoutPort_InvalidInput()
    {
        await using var f = await EmulatorFixture.StartAsync();

        await f.Client.ErrorAsync("RegisterInstance", new JsonObject { ["ServiceId"] = f.Route53ServiceId, ["InstanceId"] = "i-1", ["Attributes"] = new JsonObject { ["AWS_INSTANCE_IPV4"] = "10.0.0.1" } }, "InvalidInput");
    }

    [Fact]
    public async Task RegisterInstance_ARecordService_RequiresIpv4()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var ns = f.Emulator.CreateDnsNamespace("example.local");
        var created = await f.Client.OkAsync("CreateService", JsonNode.Parse($$$"""
            {"Name":"web","NamespaceId":"{{{ns}}}","DnsConfig":{"RoutingPolicy":"MULTIVALUE","DnsRecords":[{"Type":"A","TTL":60}]},"HealthCheckCustomConfig":{}}
            """)!.AsObject());
        var service = created["Service"]!["Id"]!.GetValue<string>();

        await f.Client.ErrorAsync("RegisterInstance", new JsonObject { ["ServiceId"] = service, ["InstanceId"] = "i-1", ["Attributes"] = new JsonObject { ["AWS_INSTANCE_PORT"] = "80" } }, "InvalidInput");
        await f.Client.RegisterAsync(service, "i-1", new JsonObject { ["AWS_INSTANCE_IPV4"] = "10.0.0.1" });
    }

    [Fact]
    public async Task RegisterInstance_1001stInstance_ResourceLimitExceeded()
    {
        await using var f = await EmulatorFixture.StartAsync();
        for (var i = 0; i < 1000; i++)
        {
            f.Emulator.RegisterInstance(f.NoHealthServiceId, $"i-{i}", new Dictionary<string, string>());
        }

        await f.Client.ErrorAsync("RegisterInstance", new JsonObject { ["ServiceId"] = f.NoHealthServiceId, ["InstanceId"] = "i-1000", ["Attributes"] = new JsonObject() }, "ResourceLimitExceeded");
        await f.Client.RegisterAsync(f.NoHealthServiceId, "i-999", new JsonObject());
    }

    [Fact]
    public async Task RegisterInstance_WhileSameInstanceInFlight_DuplicateRequestWithOperationId()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var first = await f.Client.RegisterAsync(f.CustomServiceId, "i-1");

        var body = await f.Client.ErrorAsync("RegisterInstance", new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "i-1", ["Attributes"] = new JsonObject() }, "DuplicateRequest");

        Assert.Equal(first, body["DuplicateOperationId"]!.GetValue<string>());
        f.Clock.Advance(f.OperationTime);
        await f.Client.RegisterAsync(f.CustomServiceId, "i-1");
    }

    [Fact]
    public async Task RegisterInstance_ConcurrentSameId_ExactlyOneOperationOthersDuplicate()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var body = new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "i-1", ["Attributes"] = new JsonObject() };

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => f.Client.CallAsync("RegisterInstance", (JsonObject)body.DeepClone())));

        var winners = responses.Where(r => r.Status == HttpStatusCode.OK).ToList();
        var winner = Assert.Single(winners).Body["OperationId"]!.GetValue<string>();
        Assert.All(responses.Except(winners), r =>
        {
            Assert.Equal("DuplicateRequest", r.Body["__type"]!.GetValue<string>());
            Assert.Equal(winner, r.Body["DuplicateOperationId"]!.GetValue<string>());
        });
    }

    [Fact]
    public async Task RegisterInstance_RetryWithSameCreatorRequestId_ReturnsSameOperation()
    {
        await using var f = await EmulatorFixture.StartAsync();

        var first = await f.Client.RegisterAsync(f.CustomServiceId, "i-1", creatorRequestId: "token-1");
        var retry = await f.Client.RegisterAsync(f.CustomServiceId, "i-1", creatorRequestId: "token-1");

        Assert.Equal(first, retry);
        Assert.Equal("token-1", f.Emulator.FindInstance(f.CustomServiceId, "i-1")!.CreatorRequestId);
    }

    [Fact]
    public async Task GetInstance_InsidePropagationWindow_InstanceNotFoundThenFound()
    {
        await using var f = await EmulatorFixture.StartAsync(o => o.PropagationDelay = TimeSpan.FromSeconds(5));
        var get = new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "i-1" };
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1");

        await f.Client.ErrorAsync("GetInstance", get, "InstanceNotFound");
        await f.Client.ErrorAsync("UpdateInstanceCustomHealthStatus", new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "i-1", ["Status"] = "HEALTHY" }, "InstanceNotFound");
        Assert.False(f.Emulator.FindInstance(f.CustomServiceId, "i-1")!.IsVisible);
        f.Clock.Advance(TimeSpan.FromSeconds(5));

        var found = await f.Client.OkAsync("GetInstance", get);
        Assert.Equal("i-1", found["Instance"]!["Id"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetInstance_BeforeOperationCompletes_InstanceNotFound()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.Client.RegisterAsync(f.CustomServiceId, "i-1");

        await f.Client.ErrorAsync("GetInstance", new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "i-1" }, "InstanceNotFound");
    }

    [Fact]
    public async Task DeregisterInstance_Registered_RemovesAndReturnsOperation()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1");

        var op = (await f.Client.OkAsync("DeregisterInstance", new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "i-1" }))["OperationId"]!.GetValue<string>();
        f.Clock.Advance(f.OperationTime);

        var operation = (await f.Client.OkAsync("GetOperation", new JsonObject { ["OperationId"] = op }))["Operation"]!;
        Assert.Equal("DEREGISTER_INSTANCE", operation["Type"]!.GetValue<string>());
        Assert.Equal("SUCCESS", operation["Status"]!.GetValue<string>());
        Assert.Empty(f.Emulator.GetInstances(f.CustomServiceId));
        await f.Client.ErrorAsync("GetInstance", new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "i-1" }, "InstanceNotFound");
    }

    [Fact]
    public async Task DeregisterInstance_Unknown_InstanceNotFound()
    {
        await using var f = await EmulatorFixture.StartAsync();

        await f.Client.ErrorAsync("DeregisterInstance", new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "i-404" }, "InstanceNotFound");
        await f.Client.ErrorAsync("DeregisterInstance", new JsonObject { ["ServiceId"] = "srv-0000000000000000", ["InstanceId"] = "i-404" }, "ServiceNotFound");
    }

    [Fact]
    public async Task DeregisterInstance_WhileRegisterInFlight_DuplicateRequest()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var op = await f.Client.RegisterAsync(f.CustomServiceId, "i-1");

        var body = await f.Client.ErrorAsync("DeregisterInstance", new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "i-1" }, "DuplicateRequest");

        Assert.Equal(op, body["DuplicateOperationId"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetOperation_Unknown_OperationNotFound()
    {
        await using var f = await EmulatorFixture.StartAsync();

        await f.Client.ErrorAsync("GetOperation", new JsonObject { ["OperationId"] = "nope" }, "OperationNotFound");
    }

    [Fact]
    public async Task ListOperations_StatusFilter_ListsMatchingOperations()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var done = await f.RegisterCompletedAsync(f.CustomServiceId, "i-1");
        var pending = await f.Client.RegisterAsync(f.CustomServiceId, "i-2");

        var result = await f.Client.OkAsync("ListOperations", JsonNode.Parse("""{"Filters":[{"Name":"STATUS","Values":["SUBMITTED","PENDING"],"Condition":"IN"}]}""")!.AsObject());

        var ids = ((JsonArray)result["Operations"]!).Select(o => o!["Id"]!.GetValue<string>()).ToList();
        Assert.Contains(pending, ids);
        Assert.DoesNotContain(done, ids);
    }

    [Fact]
    public async Task ListInstances_Paged_ReturnsNextTokenUntilDone()
    {
        await using var f = await EmulatorFixture.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            f.Emulator.RegisterInstance(f.NoHealthServiceId, $"i-{i}", new Dictionary<string, string>());
        }

        var seen = new List<string>();
        string? token = null;
        do
        {
            var body = new JsonObject { ["ServiceId"] = f.NoHealthServiceId, ["MaxResults"] = 2 };
            if (token is not null)
            {
                body["NextToken"] = token;
            }

            var page = await f.Client.OkAsync("ListInstances", body);
            seen.AddRange(((JsonArray)page["Instances"]!).Select(i => i!["Id"]!.GetValue<string>()));
            token = page["NextToken"]?.GetValue<string>();
        }
        while (token is not null);

        Assert.Equal(["i-0", "i-1", "i-2", "i-3", "i-4"], seen);
        await f.Client.ErrorAsync("ListInstances", new JsonObject { ["ServiceId"] = f.NoHealthServiceId, ["MaxResults"] = 101 }, "InvalidInput");
    }
}
