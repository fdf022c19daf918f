// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using NSubstitute;

namespace CloudMap.Lifecycle.Tests.Client;

public sealed class CloudMapClientExtensionsTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task WaitForOperationAsync_PendingThenSuccess_PollsWithDoublingDelaysOnTheClock()
    {
        var clock = new TimerCountingFakeTimeProvider();
        var client = Substitute.For<ICloudMapClient>();
        client.GetOperationAsync("op-1", Arg.Any<CancellationToken>())
            .Returns(Operation(CloudMapOperationStatus.Submitted), Operation(CloudMapOperationStatus.Pending), Operation(CloudMapOperationStatus.Success));

        var wait = client.WaitForOperationAsync("op-1", clock, TimeSpan.FromMinutes(1), oneOfMany: false, Ct);
        await clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        clock.Advance(CloudMapClientExtensions.FirstPoll - TimeSpan.FromMilliseconds(1));
        Assert.False(wait.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        clock.Advance(CloudMapClientExtensions.FirstPoll * 2);

        var operation = await wait.WaitAsync(Guard, Ct);
        Assert.Equal(CloudMapOperationStatus.Success, operation.Status);
        await client.Received(3).GetOperationAsync("op-1", Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task WaitForOperationAsync_ClientThrottled_FirstPollOnlyAfterTheFirstWait_SuccessInOnePoll()
    {
        var clock = new TimerCountingFakeTimeProvider();
        var client = Substitute.For<ICloudMapClient>();
        client.HasBeenThrottled.Returns(true);
        client.GetOperationAsync("op-1", Arg.Any<CancellationToken>()).Returns(Operation(CloudMapOperationStatus.Success));

        var wait = client.WaitForOperationAsync("op-1", clock, TimeSpan.FromMinutes(1), oneOfMany: false, Ct);
        await clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        clock.Advance(CloudMapClientExtensions.FirstPoll - TimeSpan.FromMilliseconds(1));
        await client.DidNotReceive().GetOperationAsync(Arg.Any<string>(), Arg.Any<CancellationToken>());
        Assert.False(wait.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        var operation = await wait.WaitAsync(Guard, Ct);
        Assert.Equal(CloudMapOperationStatus.Success, operation.Status);
        await client.Received(1).GetOperationAsync("op-1", Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task WaitForOperationAsync_NotThrottled_PollsAtOnce()
    {
        var client = Substitute.For<ICloudMapClient>();
        client.GetOperationAsync("op-1", Arg.Any<CancellationToken>()).Returns(Operation(CloudMapOperationStatus.Success));

        // No clock advance: the first poll is not held.
        var operation = await client.WaitForOperationAsync("op-1", new TimerCountingFakeTimeProvider(), TimeSpan.FromMinutes(1), oneOfMany: false, Ct).WaitAsync(Guard, Ct);

        Assert.Equal(CloudMapOperationStatus.Success, operation.Status);
        await client.Received(1).GetOperationAsync("op-1", Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task WaitForOperationAsync_Fail_ReturnsTheFailedOperation()
    {
        var client = Substitute.For<ICloudMapClient>();
        client.GetOperationAsync("op-1", Arg.Any<CancellationToken>()).Returns(Operation(CloudMapOperationStatus.Fail));

        var operation = await client.WaitForOperationAsync("op-1", new TimerCountingFakeTimeProvider(), TimeSpan.FromMinutes(1), oneOfMany: false, Ct);

        Assert.Equal(CloudMapOperationStatus.Fail, operation.Status);
    }

    [Fact]
    public async Task WaitForOperationAsync_NeverFinishes_ThrowsTimeoutAfterTimeoutOnTheClock()
    {
        var clock = new TimerCountingFakeTimeProvider();
        var client = Substitute.For<ICloudMapClient>();
        client.GetOperationAsync("op-1", Arg.Any<CancellationToken>()).Returns(Operation(CloudMapOperationStatus.Pending));

        var wait = client.WaitForOperationAsync("op-1", clock, TimeSpan.FromSeconds(2), oneOfMany: false, Ct);
        while (!wait.IsCompleted)
        {
            await Task.WhenAny(wait, clock.WaitForTimersAsync(1, Ct)).WaitAsync(Guard, Ct);
            if (!wait.IsCompleted)
            {
                clock.Advance(TimeSpan.FromMilliseconds(250));
            }
        }

        await Assert.ThrowsAsync<TimeoutException>(() => wait);
        Assert.Equal(TimeSpan.FromSeconds(2), clock.GetUtcNow() - clock.Start);
    }

    [Fact]
    public async Task WaitForOperationAsync_CancelledWhileWaiting_ThrowsOperationCanceled()
    {
        var clock = new TimerCountingFakeTimeProvider();
        var client = Substitute.For<ICloudMapClient>();
        client.GetOperationAsync("op-1", Arg.Any<CancellationToken>()).Returns(Operation(CloudMapOperationStatus.Pending));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var wait = client.WaitForOperationAsync("op-1", clock, TimeSpan.FromMinutes(1), oneOfMany: false, cts.Token);
        await clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(Guard, Ct));
    }

    [Theory]
    [InlineData("srv-abc")]
    [InlineData("arn:aws:servicediscovery:us-east-1:123456789012:service/srv-abc")]
    public async Task ResolveServiceAsync_IdOrArn_GetsServiceDirectly(string idOrArn)
    {
        var client = Substitute.For<ICloudMapClient>();
        client.GetServiceAsync(idOrArn, Arg.Any<CancellationToken>()).Returns(Service("srv-abc"));

        var service = await client.ResolveServiceAsync(idOrArn, "ignored", "ignored", Ct);

        Assert.Equal("srv-abc", service.Id);
        await client.DidNotReceive().ListNamespacesAsync(Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("EXAMPLE-HTTP")]
    public async Task ResolveServiceAsync_NamespaceNameOrHttpNameAndServiceName_FindsService(string namespaceName)
    {
        var client = Substitute.For<ICloudMapClient>();
        client.ListNamespacesAsync(Arg.Any<CancellationToken>()).Returns([new CloudMapNamespaceSummary("ns-2", null, "other", "HTTP", null), new CloudMapNamespaceSummary("ns-1", null, "example.com", "HTTP", "example-http")]);
        client.ListServicesAsync("ns-1", Arg.Any<CancellationToken>()).Returns([new CloudMapServiceSummary("srv-x", null, "Orders", "ns-1"), new CloudMapServiceSummary("srv-1", null, "orders", "ns-1")]);
        client.GetServiceAsync("srv-1", Arg.Any<CancellationToken>()).Returns(Service("srv-1"));

        var service = await client.ResolveServiceAsync(null, namespaceName, "orders", Ct);

        Assert.Equal("srv-1", service.Id);

        // The namespace's HttpName comes along, so the data plane needs no second ListNamespaces.
        Assert.Equal("example-http", service.NamespaceHttpName);
    }

    [Fact]
    public async Task ResolveServiceAsync_UnknownNamespace_ThrowsNamespaceNotFound()
    {
        var client = Substitute.For<ICloudMapClient>();
        client.ListNamespacesAsync(Arg.Any<CancellationToken>()).Returns([]);

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => client.ResolveServiceAsync(null, "nope", "orders", Ct));

        Assert.Equal(CloudMapErrorCodes.NamespaceNotFound, ex.ErrorCode);
    }

    [Fact]
    public async Task ResolveServiceAsync_UnknownService_ThrowsServiceNotFound()
    {
        var client = Substitute.For<ICloudMapClient>();
        client.ListNamespacesAsync(Arg.Any<CancellationToken>()).Returns([new CloudMapNamespaceSummary("ns-1", null, "example.com", "HTTP", null)]);
        client.ListServicesAsync("ns-1", Arg.Any<CancellationToken>()).Returns([]);

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => client.ResolveServiceAsync(null, "example.com", "orders", Ct));

        Assert.Equal(CloudMapErrorCodes.ServiceNotFound, ex.ErrorCode);
    }

    [Fact]
    public async Task ResolveServiceAsync_NothingGiven_ThrowsArgumentException()
        => await Assert.ThrowsAsync<ArgumentException>(() => Substitute.For<ICloudMapClient>().ResolveServiceAsync(null, "example.com", null, Ct));

    [Fact]
    public async Task ResolveServiceAsync_OverHttp_ListsPagesThenGetsService()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server
            .Reply("""{"Namespaces":[],"NextToken":"n2"}""")
            .Reply("""{"Namespaces":[{"Id":"ns-1","Name":"example.com"}]}""")
            .Reply("""{"Services":[],"NextToken":"s2"}""")
            .Reply("""{"Services":[{"Id":"srv-1","Name":"orders","NamespaceId":"ns-1"}]}""")
            .Reply("""{"Service":{"Id":"srv-1","Name":"orders","NamespaceId":"ns-1","HealthCheckCustomConfig":{}}}""");

        var service = await h.Client.ResolveServiceAsync(null, "example.com", "orders", Ct);

        Assert.Equal(ServiceHealthCheckKind.Custom, service.HealthCheckKind);
        Assert.Equal(
            ["ListNamespaces", "ListNamespaces", "ListServices", "ListServices", "GetService"],
            h.Server.Requests.Select(r => r.Target.Split('.')[1]));
    }

    private static CloudMapOperation Operation(CloudMapOperationStatus status)
        => new("op-1", "REGISTER_INSTANCE", status, null, null, null, null, new Dictionary<string, string>());

    private static CloudMapService Service(string id) => new(id, null, "orders", "ns-1", "HTTP", ServiceHealthCheckKind.Custom);
}
