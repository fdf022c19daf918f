// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Tests;

public sealed class DiscoveryTests
{
    private static async Task<EmulatorFixture> WithHealthyAndUnhealthyAsync()
    {
        var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.CustomServiceId, "healthy", new JsonObject { ["zone"] = "a" });
        await f.RegisterCompletedAsync(f.CustomServiceId, "sick", new JsonObject { ["AWS_INIT_HEALTH_STATUS"] = "UNHEALTHY", ["zone"] = "b" });
        return f;
    }

    [Fact]
    public async Task Discover_NoFilter_ReturnsHealthyOnly()
    {
        await using var f = await WithHealthyAndUnhealthyAsync();

        var (instances, _) = await f.Client.DiscoverAsync("example", "custom");

        Assert.Equal([("healthy", "HEALTHY")], instances);
    }

    [Theory]
    [InlineData("HEALTHY", "healthy")]
    [InlineData("UNHEALTHY", "sick")]
    [InlineData("ALL", "healthy,sick")]
    [InlineData("HEALTHY_OR_ELSE_ALL", "healthy")]
    public async Task Discover_HealthFilter_FiltersAsDocumented(string filter, string expected)
    {
        await using var f = await WithHealthyAndUnhealthyAsync();

        var (instances, _) = await f.Client.DiscoverAsync("example", "custom", filter);

        Assert.Equal(expected, string.Join(',', instances.Select(i => i.Id)));
    }

    [Fact]
    public async Task Discover_HealthyOrElseAllWithNoneHealthy_FailsOpen()
    {
        await using var f = await WithHealthyAndUnhealthyAsync();
        f.Emulator.SetHealthStatus(f.CustomServiceId, "healthy", healthy: false);

        var (instances, _) = await f.Client.DiscoverAsync("example", "custom", "HEALTHY_OR_ELSE_ALL");
        var (healthyOnly, _) = await f.Client.DiscoverAsync("example", "custom", "HEALTHY");

        Assert.Equal([("healthy", "UNHEALTHY"), ("sick", "UNHEALTHY")], instances);
        Assert.Empty(healthyOnly);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("HEALTHY")]
    [InlineData("UNHEALTHY")]
    public async Task Discover_ServiceWithoutHealthCheck_IgnoresFilterAndReportsUnknown(string? filter)
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.NoHealthServiceId, "i-1");
        await f.RegisterCompletedAsync(f.NoHealthServiceId, "i-2");

        var (instances, _) = await f.Client.DiscoverAsync("example", "nohealth", filter);

        Assert.Equal([("i-1", "UNKNOWN"), ("i-2", "UNKNOWN")], instances);
    }

    [Fact]
    public async Task Discover_PendingHealthChange_NotYetApplied()
    {
        await using var f = await WithHealthyAndUnhealthyAsync();
        await f.Client.PushHealthAsync(f.CustomServiceId, "sick", "HEALTHY");

        Assert.Single((await f.Client.DiscoverAsync("example", "custom")).Instances);
        f.Clock.Advance(CloudMapEmulatorOptions.DefaultHealthChangeDelay);
        Assert.Equal(2, (await f.Client.DiscoverAsync("example", "custom")).Instances.Count);
    }

    [Fact]
    public async Task Discover_QueryAndOptionalParameters_Filter()
    {
        await using var f = await WithHealthyAndUnhealthyAsync();
        await f.RegisterCompletedAsync(f.CustomServiceId, "healthy-b", new JsonObject { ["zone"] = "b" });

        var (query, _) = await f.Client.DiscoverAsync("example", "custom", "ALL", new JsonObject { ["QueryParameters"] = new JsonObject { ["zone"] = "b" } });
        var (optional, _) = await f.Client.DiscoverAsync("example", "custom", null, new JsonObject { ["OptionalParameters"] = new JsonObject { ["zone"] = "a" } });
        var (optionalNoMatch, _) = await f.Client.DiscoverAsync("example", "custom", null, new JsonObject { ["OptionalParameters"] = new JsonObject { ["zone"] = "z" } });

        Assert.Equal(["healthy-b", "sick"], query.Select(i => i.Id));
        Assert.Equal(["healthy"], optional.Select(i => i.Id));
        Assert.Equal(["healthy", "healthy-b"], optionalNoMatch.Select(i => i.Id));
    }

    [Fact]
    public async Task Discover_MaxResults_Limits()
    {
        await using var f = await EmulatorFixture.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            f.Emulator.RegisterInstance(f.CustomServiceId, $"i-{i}", new Dictionary<string, string>());
        }

        var (instances, _) = await f.Client.DiscoverAsync("example", "custom", null, new JsonObject { ["MaxResults"] = 3 });

        Assert.Equal(3, instances.Count);
        await f.Client.ErrorAsync("DiscoverInstances", new JsonObject { ["NamespaceName"] = "example", ["ServiceName"] = "custom", ["MaxResults"] = 1001 }, "InvalidInput");
    }

    [Fact]
    public async Task Discover_ResponseShape_HasNamespaceServiceAndAttributes()
    {
        await using var f = await WithHealthyAndUnhealthyAsync();

        var result = await f.Client.OkAsync("DiscoverInstances", new JsonObject { ["NamespaceName"] = "example", ["ServiceName"] = "custom" });

        var instance = ((JsonArray)result["Instances"]!).Single()!;
        Assert.Equal("example", instance["NamespaceName"]!.GetValue<string>());
        Assert.Equal("custom", instance["ServiceName"]!.GetValue<string>());
        Assert.Equal("a", instance["Attributes"]!["zone"]!.GetValue<string>());
    }

    [Fact]
    public async Task Discover_UnknownNamespaceOrService_NotFound()
    {
        await using var f = await EmulatorFixture.StartAsync();

        await f.Client.ErrorAsync("DiscoverInstances", new JsonObject { ["NamespaceName"] = "nope", ["ServiceName"] = "custom" }, "NamespaceNotFound");
        await f.Client.ErrorAsync("DiscoverInstances", new JsonObject { ["NamespaceName"] = "example", ["ServiceName"] = "nope" }, "ServiceNotFound");
        await f.Client.ErrorAsync("DiscoverInstancesRevision", new JsonObject { ["NamespaceName"] = "nope", ["ServiceName"] = "custom" }, "NamespaceNotFound");
        await f.Client.ErrorAsync("DiscoverInstances", new JsonObject { ["NamespaceName"] = "example", ["ServiceName"] = "custom", ["HealthStatus"] = "SOME" }, "InvalidInput");
    }

    [Fact]
    public async Task InstancesRevision_ChangesOnRegisterAndDeregisterOnly()
    {
        await using var f = await EmulatorFixture.StartAsync(o => o.HealthChangeDelay = TimeSpan.Zero);
        var revision = new JsonObject { ["NamespaceName"] = "example", ["ServiceName"] = "custom" };
        async Task<long> RevisionAsync() => (await f.Client.OkAsync("DiscoverInstancesRevision", (JsonObject)revision.DeepClone()))["InstancesRevision"]!.GetValue<long>();
        var r0 = await RevisionAsync();

        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1");
        var r1 = await RevisionAsync();
        await f.Client.PushHealthAsync(f.CustomServiceId, "i-1", "UNHEALTHY");
        f.Clock.Advance(TimeSpan.FromSeconds(1));
        var r2 = await RevisionAsync();
        await f.Client.OkAsync("DeregisterInstance", new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "i-1" });
        var r3 = await RevisionAsync();

        Assert.NotEqual(r0, r1);
        Assert.Equal(r1, r2);
        Assert.NotEqual(r2, r3);
        Assert.Equal(r3, (await f.Client.DiscoverAsync("example", "custom", "ALL")).Revision);
    }
}
