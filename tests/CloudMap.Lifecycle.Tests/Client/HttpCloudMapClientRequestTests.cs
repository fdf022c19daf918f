// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Tests.Client;

public sealed class HttpCloudMapClientRequestTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RegisterInstanceAsync_SendsSignedRequest_ReturnsOperationId()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"OperationId":"op-123"}""");

        var id = await h.Client.RegisterInstanceAsync(
            new CloudMapInstanceRegistration("srv-1", "i-1", new Dictionary<string, string> { ["AWS_INSTANCE_IPV4"] = "10.0.0.1", ["AWS_INSTANCE_PORT"] = "8080" }, "creator-1"),
            Ct);

        Assert.Equal("op-123", id);
        var request = AssertSignedRequest(h, "RegisterInstance");
        Assert.Equal("""{"ServiceId":"srv-1","InstanceId":"i-1","Attributes":{"AWS_INSTANCE_IPV4":"10.0.0.1","AWS_INSTANCE_PORT":"8080"},"CreatorRequestId":"creator-1"}""", request.Body);
    }

    [Fact]
    public async Task RegisterInstanceAsync_NoCreatorRequestId_OmitsMember()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"OperationId":"op-1"}""");

        await h.Client.RegisterInstanceAsync(new CloudMapInstanceRegistration("srv-1", "i-1", new Dictionary<string, string>()), Ct);

        Assert.Equal("""{"ServiceId":"srv-1","InstanceId":"i-1","Attributes":{}}""", AssertSignedRequest(h, "RegisterInstance").Body);
    }

    [Fact]
    public async Task DeregisterInstanceAsync_SendsServiceAndInstance_ReturnsOperationId()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"OperationId":"op-9"}""");

        var id = await h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct);

        Assert.Equal("op-9", id);
        Assert.Equal("""{"ServiceId":"srv-1","InstanceId":"i-1"}""", AssertSignedRequest(h, "DeregisterInstance").Body);
    }

    [Theory]
    [InlineData(nameof(CloudMapHealthStatus.Healthy), "HEALTHY")]
    [InlineData(nameof(CloudMapHealthStatus.Unhealthy), "UNHEALTHY")]
    public async Task UpdateInstanceCustomHealthStatusAsync_SendsStatus_AcceptsEmptyBody(string statusName, string wire)
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply(string.Empty);

        await h.Client.UpdateInstanceCustomHealthStatusAsync("srv-1", "i-1", Enum.Parse<CloudMapHealthStatus>(statusName), Ct);

        Assert.Equal($$"""{"ServiceId":"srv-1","InstanceId":"i-1","Status":"{{wire}}"}""", AssertSignedRequest(h, "UpdateInstanceCustomHealthStatus").Body);
    }

    [Fact]
    public async Task GetOperationAsync_ParsesEveryMember()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""
            {"Operation":{"Id":"op-1","Type":"REGISTER_INSTANCE","Status":"FAIL","ErrorCode":"CANNOT_CREATE_HEALTH_CHECK","ErrorMessage":"nope",
             "CreateDate":1767225600.123,"UpdateDate":1767225601,"Targets":{"INSTANCE":"i-1","SERVICE":"srv-1"}}}
            """);

        var operation = await h.Client.GetOperationAsync("op-1", Ct);

        Assert.Equal("""{"OperationId":"op-1"}""", AssertSignedRequest(h, "GetOperation").Body);
        Assert.Equal("op-1", operation.Id);
        Assert.Equal("REGISTER_INSTANCE", operation.Type);
        Assert.Equal(CloudMapOperationStatus.Fail, operation.Status);
        Assert.Equal("CANNOT_CREATE_HEALTH_CHECK", operation.ErrorCode);
        Assert.Equal("nope", operation.ErrorMessage);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, 123, TimeSpan.Zero), operation.CreateDate);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero), operation.UpdateDate);
        Assert.Equal("i-1", operation.Targets["INSTANCE"]);
    }

    [Theory]
    [InlineData(""","HealthCheckCustomConfig":{"FailureThreshold":1}""", nameof(ServiceHealthCheckKind.Custom))]
    [InlineData(""","HealthCheckConfig":{"Type":"HTTP","ResourcePath":"/"}""", nameof(ServiceHealthCheckKind.Route53))]
    [InlineData(""","HealthCheckCustomConfig":null""", nameof(ServiceHealthCheckKind.None))]
    [InlineData("", nameof(ServiceHealthCheckKind.None))]
    public async Task GetServiceAsync_ParsesHealthCheckKind(string healthMembers, string expectedKind)
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply($$$"""{"Service":{"Id":"srv-1","Arn":"arn:aws:servicediscovery:us-east-1:123456789012:service/srv-1","Name":"orders","NamespaceId":"ns-1","Type":"HTTP","InstanceCount":3{{{healthMembers}}}}}""");

        var service = await h.Client.GetServiceAsync("srv-1", Ct);

        Assert.Equal("""{"Id":"srv-1"}""", AssertSignedRequest(h, "GetService").Body);
        Assert.Equal(new CloudMapService("srv-1", "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-1", "orders", "ns-1", "HTTP", Enum.Parse<ServiceHealthCheckKind>(expectedKind), 3), service);
    }

    [Fact]
    public async Task GetInstanceAsync_ParsesInstance()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"Instance":{"Id":"i-1","CreatorRequestId":"c-1","Attributes":{"AWS_INSTANCE_IPV4":"10.0.0.1"}}}""");

        var instance = await h.Client.GetInstanceAsync("srv-1", "i-1", Ct);

        Assert.Equal("""{"ServiceId":"srv-1","InstanceId":"i-1"}""", AssertSignedRequest(h, "GetInstance").Body);
        Assert.Equal("i-1", instance.Id);
        Assert.Equal("c-1", instance.CreatorRequestId);
        Assert.Equal("10.0.0.1", instance.Attributes["AWS_INSTANCE_IPV4"]);
    }

    [Fact]
    public async Task GetInstancesHealthStatusAsync_WithIds_SendsInstancesAndMergesPages()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"Status":{"i-1":"HEALTHY"},"NextToken":"t1"}""").Reply("""{"Status":{"i-2":"UNKNOWN"}}""");

        var statuses = await h.Client.GetInstancesHealthStatusAsync("srv-1", ["i-1", "i-2"], Ct);

        Assert.Equal(2, h.Server.Requests.Count);
        Assert.Equal("""{"ServiceId":"srv-1","Instances":["i-1","i-2"]}""", h.Server.Requests[0].Body);
        Assert.Equal("""{"ServiceId":"srv-1","Instances":["i-1","i-2"],"NextToken":"t1"}""", h.Server.Requests[1].Body);
        Assert.Equal(new Dictionary<string, string> { ["i-1"] = "HEALTHY", ["i-2"] = "UNKNOWN" }, statuses);
    }

    [Fact]
    public async Task GetInstancesHealthStatusAsync_NullIds_OmitsInstances()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"Status":{}}""");

        var statuses = await h.Client.GetInstancesHealthStatusAsync("srv-1", null, Ct);

        Assert.Empty(statuses);
        Assert.Equal("""{"ServiceId":"srv-1"}""", AssertSignedRequest(h, "GetInstancesHealthStatus").Body);
    }

    [Fact]
    public async Task DiscoverInstancesAsync_SendsAllParameters_ParsesInstancesAndRevision()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""
            {"Instances":[{"InstanceId":"i-1","NamespaceName":"example.com","ServiceName":"orders","HealthStatus":"HEALTHY","Attributes":{"AWS_INSTANCE_IPV4":"10.0.0.1"}}],
             "InstancesRevision":42}
            """);

        var result = await h.Client.DiscoverInstancesAsync(
            new CloudMapDiscoveryQuery("example.com", "orders", "HEALTHY_OR_ELSE_ALL", 10, new Dictionary<string, string> { ["az"] = "a" }, new Dictionary<string, string> { ["v"] = "2" }),
            Ct);

        Assert.Equal(
            """{"NamespaceName":"example.com","ServiceName":"orders","HealthStatus":"HEALTHY_OR_ELSE_ALL","MaxResults":10,"QueryParameters":{"az":"a"},"OptionalParameters":{"v":"2"}}""",
            AssertSignedRequest(h, "DiscoverInstances").Body);
        Assert.Equal(42, result.InstancesRevision);
        var instance = Assert.Single(result.Instances);
        Assert.Equal<string[]>(["i-1", "example.com", "orders", "HEALTHY", "10.0.0.1"], [instance.InstanceId, instance.NamespaceName!, instance.ServiceName!, instance.HealthStatus!, instance.Attributes["AWS_INSTANCE_IPV4"]]);
    }

    [Fact]
    public async Task DiscoverInstancesRevisionAsync_ReturnsRevision()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"InstancesRevision":7}""");

        var revision = await h.Client.DiscoverInstancesRevisionAsync("example.com", "orders", Ct);

        Assert.Equal(7, revision);
        Assert.Equal("""{"NamespaceName":"example.com","ServiceName":"orders"}""", AssertSignedRequest(h, "DiscoverInstancesRevision").Body);
    }

    [Fact]
    public async Task DiscoverInstancesAsync_HostPrefixOn_SendsToDataHost()
    {
        await using var h = await ClientHarness.StartAsync(
            o =>
            {
                o.DisableHostPrefixInjection = false;
                o.ServiceUrl = new Uri("http://cloudmap.test:1/");
            },
            routeEveryHostToServer: true);
        h.Server.Reply("""{"Instances":[],"InstancesRevision":1}""").Reply("""{"InstancesRevision":1}""").Reply("""{"Namespaces":[]}""");

        await h.Client.DiscoverInstancesAsync(new CloudMapDiscoveryQuery("example.com", "orders"), Ct);
        await h.Client.DiscoverInstancesRevisionAsync("example.com", "orders", Ct);
        await h.Client.ListNamespacesAsync(Ct);

        Assert.Equal(["data-cloudmap.test:1", "data-cloudmap.test:1", "cloudmap.test:1"], h.Server.Requests.Select(r => r.Host));
        Assert.All(h.Server.Requests, r => Assert.True(SigV4Verifier.IsValid(r, ClientHarness.Credentials.GetCredentials().SecretKey), "the data- host is the one signed"));
    }

    [Fact]
    public async Task DiscoverInstancesAsync_HostPrefixDisabled_SendsToServiceUrlHost()
    {
        await using var h = await ClientHarness.StartAsync(o => o.DisableHostPrefixInjection = true);
        h.Server.Reply("""{"InstancesRevision":3}""");

        await h.Client.DiscoverInstancesRevisionAsync("example.com", "orders", Ct);

        Assert.Equal($"127.0.0.1:{h.Server.Port}", Assert.Single(h.Server.Requests).Host);
    }

    [Fact]
    public async Task Request_SessionCredentials_SendsAndSignsSecurityToken()
    {
        var session = new Amazon.Runtime.SessionAWSCredentials("ASIAEXAMPLE", "secret/key", "token+value==");
        await using var h = await ClientHarness.StartAsync(credentials: session);
        h.Server.Reply("""{"OperationId":"op"}""");

        await h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct);

        var request = Assert.Single(h.Server.Requests);
        Assert.Equal("token+value==", request.Header("X-Amz-Security-Token"));
        Assert.Contains("x-amz-security-token", request.Header("Authorization"), StringComparison.Ordinal);
        Assert.True(SigV4Verifier.IsValid(request, "secret/key"));
    }

    [Fact]
    public async Task Request_BadSecret_FailsIndependentVerification()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"OperationId":"op"}""");

        await h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct);

        Assert.False(SigV4Verifier.IsValid(Assert.Single(h.Server.Requests), "not-the-secret"));
    }

    internal static RecordedRequest AssertSignedRequest(ClientHarness h, string operation)
    {
        var request = Assert.Single(h.Server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/", request.Path);
        Assert.Equal("application/x-amz-json-1.1", request.Header("Content-Type"));
        Assert.Equal("Route53AutoNaming_v20170314." + operation, request.Target);
        Assert.Equal("20260101T000000Z", request.Header("X-Amz-Date"));
        Assert.StartsWith(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/servicediscovery/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target, Signature=",
            request.Header("Authorization"),
            StringComparison.Ordinal);
        Assert.True(SigV4Verifier.IsValid(request, ClientHarness.Credentials.GetCredentials().SecretKey), "signature must verify against the wire request");
        return request;
    }
}
