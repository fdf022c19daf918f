// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Tests.Client;

public sealed class HttpCloudMapClientPagingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListNamespacesAsync_EmptyPagesWithNextToken_FollowsEveryPage()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server
            .Reply("""{"Namespaces":[],"NextToken":"t1"}""")
            .Reply("""{"NextToken":"t2"}""")
            .Reply("""{"Namespaces":[{"Id":"ns-1","Arn":"arn:ns-1","Name":"example.com","Type":"HTTP","Properties":{"HttpProperties":{"HttpName":"example-http"}}}]}""");

        var namespaces = await h.Client.ListNamespacesAsync(Ct);

        Assert.Equal(["{}", """{"NextToken":"t1"}""", """{"NextToken":"t2"}"""], h.Server.Requests.Select(r => r.Body));
        Assert.All(h.Server.Requests, r => Assert.Equal("Route53AutoNaming_v20170314.ListNamespaces", r.Target));
        Assert.Equal(new CloudMapNamespaceSummary("ns-1", "arn:ns-1", "example.com", "HTTP", "example-http"), Assert.Single(namespaces));
    }

    [Fact]
    public async Task ListServicesAsync_WithNamespace_SendsFilterOnEveryPage()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server
            .Reply("""{"Services":[{"Id":"srv-1","Arn":"arn:srv-1","Name":"orders","NamespaceId":"ns-1"}],"NextToken":"t1"}""")
            .Reply("""{"Services":[{"Id":"srv-2","Name":"payments"}]}""");

        var services = await h.Client.ListServicesAsync("ns-1", Ct);

        Assert.Equal(
            [
                """{"Filters":[{"Name":"NAMESPACE_ID","Values":["ns-1"],"Condition":"EQ"}]}""",
                """{"NextToken":"t1","Filters":[{"Name":"NAMESPACE_ID","Values":["ns-1"],"Condition":"EQ"}]}""",
            ],
            h.Server.Requests.Select(r => r.Body));
        Assert.Equal(["srv-1", "srv-2"], services.Select(s => s.Id));
    }

    [Fact]
    public async Task ListServicesAsync_NoNamespace_SendsNoFilter()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"Services":[]}""");

        Assert.Empty(await h.Client.ListServicesAsync(null, Ct));

        Assert.Equal("{}", Assert.Single(h.Server.Requests).Body);
    }

    [Fact]
    public async Task ListInstancesAsync_ThreePages_ReturnsAllInstancesInOrder()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server
            .Reply("""{"Instances":[{"Id":"i-1","Attributes":{"a":"1"}}],"NextToken":"p2"}""")
            .Reply("""{"Instances":[],"NextToken":"p3"}""")
            .Reply("""{"Instances":[{"Id":"i-2"},{"Id":"i-3","CreatorRequestId":"c"}]}""");

        var instances = await h.Client.ListInstancesAsync("srv-1", Ct);

        Assert.Equal(["i-1", "i-2", "i-3"], instances.Select(i => i.Id));
        Assert.Equal("1", instances[0].Attributes["a"]);
        Assert.Empty(instances[1].Attributes);
        Assert.Equal("""{"ServiceId":"srv-1","NextToken":"p3"}""", h.Server.Requests[2].Body);
    }

    [Fact]
    public async Task ListInstancesAsync_RepeatedNextToken_ThrowsMalformedInsteadOfLoopingForever()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Fallback = ctx => ScriptedCloudMapServer.WriteAsync(ctx, System.Net.HttpStatusCode.OK, """{"Instances":[],"NextToken":"same"}""");

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.ListInstancesAsync("srv-1", Ct));

        Assert.Equal(CloudMapErrorCodes.MalformedResponse, ex.ErrorCode);
        Assert.Equal(2, h.Server.Requests.Count);
    }

    [Fact]
    public async Task ListInstancesAsync_ErrorOnSecondPage_Throws()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"Instances":[{"Id":"i-1"}],"NextToken":"p2"}""").ReplyError("ServiceNotFound");

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.ListInstancesAsync("srv-1", Ct));

        Assert.Equal("ServiceNotFound", ex.ErrorCode);
    }
}
