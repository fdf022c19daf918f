// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.ServiceDiscovery.Tests;

/// <summary>The provider against the emulator on a fake clock: names, freshness, fail static, disposal.</summary>
public sealed class CloudMapProviderTests
{
    private static readonly TimeSpan Revision = CloudMapServiceEndpointProviderOptions.DefaultRevisionInterval;

    [Fact]
    public async Task Resolve_DottedAndSingleLabelNames_MapToTheServiceInTheNamespace()
    {
        await using var h = await DiscoveryHarness.StartAsync();
        h.Register("orders-1", 8080);

        Assert.Equal(["127.0.0.1:8080"], await h.ResolveAsync("http://orders.shop.local"));
        Assert.Equal(["127.0.0.1:8080"], await h.ResolveAsync("http://orders"));

        // Both names share one watch: one DiscoverInstances for the service.
        Assert.Equal(1, h.Calls("DiscoverInstances"));
        Assert.Single(h.Registry.Watches);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task RevisionChange_RegistrationAndDeregistration_SeenWithinOneRevisionInterval()
    {
        await using var h = await DiscoveryHarness.StartAsync();
        h.Register("orders-1", 8080);
        var first = await h.ResolveSourceAsync();
        Assert.Single(first.Endpoints);

        h.Register("orders-2", 8081);
        await h.StepAsync(Revision);
        Assert.True(first.ChangeToken.HasChanged);
        Assert.Equal(["127.0.0.1:8080", "127.0.0.1:8081"], await h.ResolveAsync());

        h.Emulator.DeregisterInstance(h.ServiceId, "orders-1");
        await h.StepAsync(Revision);
        Assert.Equal(["127.0.0.1:8081"], await h.ResolveAsync());

        // Per poll: one revision read; DiscoverInstances only when it moved (initial + 2 changes). Both answers listed the
        // change, so neither is read again.
        Assert.Equal(3, h.Calls("DiscoverInstances"));
        Assert.Equal(2, h.Calls("DiscoverInstancesRevision"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task RevisionMovedBeforeTheNewInstanceIsListed_ReadAgainAtTheNextTick_NotAtTheFullRefresh()
    {
        await using var h = await DiscoveryHarness.StartAsync(scheduledOperations: true);
        h.Register("orders-1", 8080);
        Assert.Equal(["127.0.0.1:8080"], await h.ResolveAsync());

        // RegisterInstance through the API: the revision moves now, the instance is listed once its operation completes
        // (250 + 750 ms). The poll 0.5 s later sees the new revision but not yet the instance.
        await h.StepAsync(TimeSpan.FromSeconds(1.5));
        await RegisterThroughTheApiAsync(h, "orders-2", 8081);
        await h.StepAsync(TimeSpan.FromSeconds(0.5));
        Assert.Equal(2, h.Calls("DiscoverInstances"));
        Assert.Equal(["127.0.0.1:8080"], await h.ResolveAsync());

        await h.StepAsync(Revision);
        Assert.Equal(["127.0.0.1:8080", "127.0.0.1:8081"], await h.ResolveAsync());
        Assert.Equal(3, h.Calls("DiscoverInstances"));

        // Settled: that answer listed the change, so polls are revision reads again.
        await h.StepAsync(Revision);
        Assert.Equal(3, h.Calls("DiscoverInstances"));
    }

    [Fact]
    public async Task UnchangedRevision_NoDiscoverInstancesAndTheChangeTokenStaysQuiet()
    {
        await using var h = await DiscoveryHarness.StartAsync();
        h.Register("orders-1", 8080);
        var first = await h.ResolveSourceAsync();

        await h.StepAndResolveAsync(Revision, 5);

        Assert.False(first.ChangeToken.HasChanged);
        Assert.Equal(1, h.Calls("DiscoverInstances"));
        Assert.Equal(5, h.Calls("DiscoverInstancesRevision"));
    }

    [Fact]
    public async Task HealthChange_WithoutRevisionChange_SeenAtTheNextFullRefresh()
    {
        await using var h = await DiscoveryHarness.StartAsync(o => o.HealthFilter = CloudMapDiscoveryHealthFilter.Healthy);
        h.Register("orders-1", 8080);
        h.Register("orders-2", 8081);
        Assert.Equal(2, (await h.ResolveAsync()).Length);

        h.Emulator.SetHealthStatus(h.ServiceId, "orders-2", healthy: false);
        await h.StepAsync(Revision);
        Assert.Equal(2, (await h.ResolveAsync()).Length);   // the revision ignores health: not seen yet

        // 30 s after the first DiscoverInstances (15 revision intervals) a full refresh runs whatever the revision says.
        await h.StepAndResolveAsync(Revision, 14);
        Assert.Equal(["127.0.0.1:8080"], await h.ResolveAsync());
        Assert.Equal(2, h.Calls("DiscoverInstances"));
        Assert.Equal(14, h.Calls("DiscoverInstancesRevision"));
    }

    [Theory]
    [InlineData(null, 1)]
    [InlineData(CloudMapDiscoveryHealthFilter.Healthy, 0)]
    [InlineData(CloudMapDiscoveryHealthFilter.All, 1)]
    public async Task HealthFilter_AllUnhealthy_DefaultFailsOpenAndStrictAnswersNone(CloudMapDiscoveryHealthFilter? filter, int expected)
    {
        await using var h = await DiscoveryHarness.StartAsync(o => o.HealthFilter = filter ?? o.HealthFilter);
        h.Register("orders-1", 8080);
        h.Emulator.SetHealthStatus(h.ServiceId, "orders-1", healthy: false);

        Assert.Equal(expected, (await h.ResolveAsync()).Length);
    }

    [Fact]
    public async Task Errors_AfterAGoodList_KeepTheListAndReportItsAge()
    {
        await using var h = await DiscoveryHarness.StartAsync();
        h.Register("orders-1", 8080);
        var first = await h.ResolveSourceAsync();
        h.Emulator.Faults.ErrorRate(1.0, 503);

        h.Register("orders-2", 8081);   // not seen while Cloud Map fails
        var failedAt = h.Clock.GetUtcNow();
        while (h.Logs.CountEvents("DiscoveryFailed") < 4)
        {
            await h.StepAsync(Revision);
            Assert.Equal(["127.0.0.1:8080"], await h.ResolveAsync());   // resolving keeps the watcher in use
        }

        Assert.False(first.ChangeToken.HasChanged);
        var watch = Assert.Single(h.Registry.Watches);
        Assert.True(watch.LastKnownGoodAge >= h.Clock.GetUtcNow() - failedAt, watch.LastKnownGoodAge.ToString());
        Assert.True(h.Clock.GetUtcNow() - failedAt > 4 * Revision, "the polls backed off");

        h.Emulator.Faults.Clear();
        while (!h.Logs.Collector.HasEvent("DiscoveryRecovered"))
        {
            await h.StepAsync(Revision);
            await h.ResolveAsync();
        }

        Assert.Equal(["127.0.0.1:8080", "127.0.0.1:8081"], await h.ResolveAsync());
        Assert.True(first.ChangeToken.HasChanged);
        Assert.True(watch.LastKnownGoodAge < Revision);
    }

    [Fact]
    public async Task Throttling_BacksOffExponentially_AndKeepsTheList()
    {
        await using var h = await DiscoveryHarness.StartAsync();
        h.Register("orders-1", 8080);
        await h.ResolveAsync();
        h.Emulator.Faults.Throttle(0, 0);

        // Ten minutes of polling at 2 s would be 300 calls; with backoff (to at most 1 min, full jitter) far fewer, and
        // the client's adaptive rate limiter, which learns from the throttling answers, spaces them further. Alone this
        // counts 16-17; CI counted 7 once with every test project running at once (a step can pass before the
        // provider re-armed its timer), so 5 or more shows the provider still asks, 30 or fewer that it backs off.
        for (var i = 0; i < 300 && h.Clock.GetUtcNow() < h.Clock.Start.AddMinutes(10); i++)
        {
            await h.StepAsync(Revision);
            Assert.Equal(["127.0.0.1:8080"], await h.ResolveAsync());
        }

        var calls = h.Calls("DiscoverInstancesRevision") + h.Calls("DiscoverInstances") - 1;
        Assert.InRange(calls, 5, 30);
        Assert.Equal(calls, h.Emulator.GetThrottledCount("DiscoverInstancesRevision") + h.Emulator.GetThrottledCount("DiscoverInstances"));
        Assert.All(h.Logs.Collector.GetEvents("DiscoveryFailed"), r => Assert.Contains("RequestLimitExceeded", r.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task EmptyAnswer_AfterAGoodList_KeepsTheListUntilInstancesAreBack()
    {
        await using var h = await DiscoveryHarness.StartAsync();
        h.Register("orders-1", 8080);
        var first = await h.ResolveSourceAsync();

        h.Emulator.DeregisterInstance(h.ServiceId, "orders-1");
        await h.StepAsync(Revision);
        Assert.Equal(["127.0.0.1:8080"], await h.ResolveAsync());
        Assert.False(first.ChangeToken.HasChanged);
        Assert.Equal(1, h.Logs.CountEvents("DiscoveryEmptyAnswerIgnored"));

        h.Register("orders-2", 8081);
        await h.StepAsync(Revision);
        Assert.Equal(["127.0.0.1:8081"], await h.ResolveAsync());
    }

    [Fact]
    public async Task EmptyService_AtStart_ResolvesNoEndpointUntilOneRegisters()
    {
        await using var h = await DiscoveryHarness.StartAsync();
        var empty = await h.ResolveSourceAsync();
        Assert.Empty(empty.Endpoints);

        h.Register("orders-1", 8080);
        await h.StepAsync(Revision);
        Assert.True(empty.ChangeToken.HasChanged);
        Assert.Equal(["127.0.0.1:8080"], await h.ResolveAsync());
    }

    [Fact]
    public async Task MissingNamespace_AtStart_FailsWithTheNamespaceAndTheCode()
    {
        await using var h = await DiscoveryHarness.StartAsync(createNamespace: false);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => h.ResolveAsync());
        Assert.Contains("'orders' in namespace 'shop.local'", error.Message, StringComparison.Ordinal);
        Assert.Contains("NamespaceNotFound", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, h.Logs.CountEvents("DiscoveryFirstFailed"));

        // A second request does not wait for (or cause) another call: it fails at once until the backoff's next poll.
        await Assert.ThrowsAsync<InvalidOperationException>(() => h.ResolveAsync());
        Assert.Equal(1, h.Calls("DiscoverInstances"));
    }

    [Fact]
    public async Task NamedEndpoint_SelectsTheDeclaredPort_AndSkipsInstancesWithoutIt()
    {
        await using var h = await DiscoveryHarness.StartAsync();
        h.Register("orders-1", 8080, ("CLOUDMAP_ENDPOINT_grpc", "9090"));
        h.Register("orders-2", 8081);

        Assert.Equal(["127.0.0.1:9090"], await h.ResolveAsync("http://_grpc.orders"));
        Assert.Equal(["127.0.0.1:9090"], await h.ResolveAsync("http://_grpc.orders.shop.local"));
        Assert.Equal(["127.0.0.1:8080", "127.0.0.1:8081"], await h.ResolveAsync("http://orders"));
    }

    [Fact]
    public async Task SchemeSelection_HttpsPlusHttp_PrefersDeclaredHttpsEndpoints()
    {
        await using var h = await DiscoveryHarness.StartAsync();
        h.Register("orders-1", 8080, ("CLOUDMAP_ENDPOINT_https", "8443"));
        h.Register("orders-2", 8081, ("CLOUDMAP_ENDPOINT_http", "8081"));
        h.Register("orders-3", 8082);

        Assert.Equal(["127.0.0.1:8082", "http://127.0.0.1:8081/", "https://127.0.0.1:8443/"], await h.ResolveAsync("https+http://orders"));
        Assert.Equal(["127.0.0.1:8080", "127.0.0.1:8082", "http://127.0.0.1:8081/"], await h.ResolveAsync("http://orders"));
        Assert.Equal(["127.0.0.1:8443"], await h.ResolveAsync("https://_https.orders"));   // the request's scheme applies
        h.Register("orders-4", 8083, ("CLOUDMAP_ENDPOINT_admin", "https:9443"));
        await h.StepAsync(Revision);
        Assert.Equal(["https://127.0.0.1:9443/"], await h.ResolveAsync("https+http://_admin.orders"));
        Assert.Empty(await h.ResolveAsync("http://_admin.orders"));   // declared https only
    }

    [Fact]
    public async Task Disposal_OfTheContainer_StopsPolling()
    {
        var h = await DiscoveryHarness.StartAsync();
        h.Register("orders-1", 8080);
        await h.ResolveAsync();
        await h.Clock.WaitForTimersAsync(DiscoveryHarness.ParkedTimers, TestContext.Current.CancellationToken);
        var registry = h.Registry;
        await h.Services.DisposeAsync();

        Assert.Empty(registry.Watches);
        h.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, h.Calls("DiscoverInstancesRevision"));
        Assert.Equal(1, h.Logs.CountEvents("DiscoveryWatchStopped"));
        await h.DisposeAsync();
    }

    [Fact]
    public async Task UnusedWatcher_IsSweptByTheResolver_AndItsWatchStops()
    {
        await using var h = await DiscoveryHarness.StartAsync();
        h.Register("orders-1", 8080);
        await h.ResolveAsync();

        // Nobody resolves: the resolver disposes the watcher after two of its 10 s cleanup ticks; the watch goes with it.
        await h.Clock.AdvanceUntilAsync(() => h.Registry.Watches.Count == 0, Revision, DiscoveryHarness.ParkedTimers, TestContext.Current.CancellationToken);
        var calls = h.Calls("DiscoverInstancesRevision");
        Assert.InRange(calls, 5, 15);
        await h.Logs.WaitForEventAsync("DiscoveryWatchStopped", cancellationToken: TestContext.Current.CancellationToken);

        h.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(calls, h.Calls("DiscoverInstancesRevision"));

        // Used again: a new watch, a new first DiscoverInstances.
        Assert.Equal(["127.0.0.1:8080"], await h.ResolveAsync());
        Assert.Equal(2, h.Calls("DiscoverInstances"));
    }

    private static async Task RegisterThroughTheApiAsync(DiscoveryHarness h, string instanceId, int port)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, h.Emulator.Endpoint);
        request.Headers.Add("X-Amz-Target", "Route53AutoNaming_v20170314.RegisterInstance");
        request.Content = new StringContent(
            System.Text.Json.JsonSerializer.Serialize(new { ServiceId = h.ServiceId, InstanceId = instanceId, Attributes = DiscoveryHarness.Attributes(port) }),
            System.Text.Encoding.UTF8,
            "application/x-amz-json-1.1");
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
