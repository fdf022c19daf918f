// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using DnsClient;

namespace CloudMap.Lifecycle.Testing.Tests.Dns;

/// <summary>Routing policies over the effective health: MULTIVALUE (≤ 8, fail-open) and WEIGHTED (one, fail-open).</summary>
public sealed class DnsRoutingTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<(DnsFixture Fixture, string ServiceId)> WithInstancesAsync(string routingPolicy, int healthy, int unhealthy)
    {
        var f = await DnsFixture.StartAsync();
        var serviceId = await f.CreateServiceAsync("web", routingPolicy, "custom", ("A", 30));
        for (var i = 1; i <= healthy + unhealthy; i++)
        {
            f.Register(serviceId, $"w-{i}", ("AWS_INSTANCE_IPV4", $"127.0.1.{i}"), ("AWS_INIT_HEALTH_STATUS", i <= healthy ? "HEALTHY" : "UNHEALTHY"));
        }

        return (f, serviceId);
    }

    private static async Task<HashSet<string>> AddressesAsync(DnsFixture f, int queries = 1)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var q = 0; q < queries; q++)
        {
            var result = await f.Lookup.QueryAsync("web.shop.local", QueryType.A, cancellationToken: Token);
            seen.UnionWith(result.Answers.ARecords().Select(r => r.Address.ToString()));
        }

        return seen;
    }

    [Fact]
    public async Task Multivalue_AnswersAtMostEight_AllHealthy()
    {
        var (f, _) = await WithInstancesAsync("MULTIVALUE", healthy: 10, unhealthy: 3);
        await using var _ = f;

        var result = await f.Lookup.QueryAsync("web.shop.local", QueryType.A, cancellationToken: Token);
        var many = await AddressesAsync(f, queries: 20);

        var addresses = result.Answers.ARecords().Select(r => r.Address.ToString()).ToList();
        Assert.Equal(8, addresses.Count);
        Assert.Equal(8, addresses.Distinct().Count());
        Assert.All(many, a => Assert.True(int.Parse(a.Split('.')[3], System.Globalization.CultureInfo.InvariantCulture) <= 10, a));
        Assert.Equal(10, many.Count); // random choice of eight among the ten healthy ones
    }

    [Fact]
    public async Task Multivalue_NoneHealthy_FailsOpen_WithAtMostEightUnhealthy()
    {
        var (f, _) = await WithInstancesAsync("MULTIVALUE", healthy: 0, unhealthy: 10);
        await using var _ = f;

        var result = await f.Lookup.QueryAsync("web.shop.local", QueryType.A, cancellationToken: Token);

        Assert.Equal(8, result.Answers.ARecords().Count());
    }

    [Fact]
    public async Task Multivalue_SomeHealthy_LeavesTheUnhealthyOut()
    {
        var (f, _) = await WithInstancesAsync("MULTIVALUE", healthy: 1, unhealthy: 3);
        await using var _ = f;

        Assert.Equal(["127.0.1.1"], await AddressesAsync(f, queries: 10));
    }

    [Fact]
    public async Task Weighted_AnswersOneRandomHealthyRecord()
    {
        var (f, _) = await WithInstancesAsync("WEIGHTED", healthy: 3, unhealthy: 2);
        await using var _ = f;

        var single = await f.Lookup.QueryAsync("web.shop.local", QueryType.A, cancellationToken: Token);
        var seen = await AddressesAsync(f, queries: 30);

        Assert.Single(single.Answers.ARecords());
        Assert.Equal(["127.0.1.1", "127.0.1.2", "127.0.1.3"], seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Weighted_NoneHealthy_AnswersOneOfAll()
    {
        var (f, _) = await WithInstancesAsync("WEIGHTED", healthy: 0, unhealthy: 3);
        await using var _ = f;

        var single = await f.Lookup.QueryAsync("web.shop.local", QueryType.A, cancellationToken: Token);
        var seen = await AddressesAsync(f, queries: 30);

        Assert.Single(single.Answers.ARecords());
        Assert.Equal(3, seen.Count);
    }

    [Fact]
    public async Task CustomHealth_ChangesTheAnswer_OnlyAfterCloudMapsDelay()
    {
        var (f, serviceId) = await WithInstancesAsync("MULTIVALUE", healthy: 2, unhealthy: 0);
        await using var _ = f;

        await f.Client.PushHealthAsync(serviceId, "w-2", "UNHEALTHY");
        var during = await AddressesAsync(f);
        f.Clock.Advance(f.Emulator.HealthChangeDelay);
        var after = await AddressesAsync(f);

        Assert.Equal(["127.0.1.1", "127.0.1.2"], during.Order(StringComparer.Ordinal));
        Assert.Equal(["127.0.1.1"], after);
    }

    [Fact]
    public async Task ServiceWithoutHealthCheck_AnswersEveryInstance()
    {
        await using var f = await DnsFixture.StartAsync();
        var serviceId = await f.CreateServiceAsync("web", "MULTIVALUE", "none", ("A", 30));
        f.Register(serviceId, "w-1", ("AWS_INSTANCE_IPV4", "127.0.1.1"));
        f.Register(serviceId, "w-2", ("AWS_INSTANCE_IPV4", "127.0.1.2"));

        Assert.Equal(2, (await AddressesAsync(f)).Count);
    }

    [Fact]
    public async Task InstanceStillPropagating_IsNotAnswered()
    {
        await using var f = await DnsFixture.StartAsync(o => o.PropagationDelay = TimeSpan.FromSeconds(5));
        var serviceId = await f.CreateServiceAsync("web", "MULTIVALUE", "custom", ("A", 30));
        f.Register(serviceId, "w-1", ("AWS_INSTANCE_IPV4", "127.0.1.1"));
        await f.Client.RegisterAsync(serviceId, "w-2", new System.Text.Json.Nodes.JsonObject { ["AWS_INSTANCE_IPV4"] = "127.0.1.2" });

        var during = await AddressesAsync(f);
        f.Clock.Advance(TimeSpan.FromSeconds(5));
        var after = await AddressesAsync(f);

        Assert.Equal(["127.0.1.1"], during);
        Assert.Equal(2, after.Count);
    }
}
