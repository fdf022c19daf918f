// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Testing;
using NSubstitute;

namespace CloudMap.Lifecycle.Tests.Ownership;

/// <summary>
/// Where the ownership watch gets the namespace's HttpName that addresses the data plane: from the service when it was
/// found by name (no control-plane call), else from one ListNamespaces on the first read.
/// </summary>
public sealed class ServiceRevisionWatchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadAsync_ServiceFoundByName_AddressesTheDataPlaneWithoutListingNamespaces()
    {
        var (discovery, controlPlane) = Clients();
        var service = Service() with { NamespaceHttpName = "example-http" };
        var watch = new ServiceRevisionWatch(discovery, controlPlane, service, new TimerCountingFakeTimeProvider());

        var revision = await watch.ReadAsync(TimeSpan.Zero, Ct);

        Assert.Equal(7, revision);
        await discovery.Received(1).DiscoverInstancesRevisionAsync("example-http", "orders", Arg.Any<CancellationToken>());
        await controlPlane.DidNotReceive().ListNamespacesAsync(Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task ReadAsync_ServiceGivenById_ListsNamespacesOnce_ThenKeepsTheName()
    {
        var (discovery, controlPlane) = Clients();
        controlPlane.ListNamespacesAsync(Arg.Any<CancellationToken>())
            .Returns([new CloudMapNamespaceSummary("ns-1", null, "example.com", "HTTP", "example-http")]);
        var watch = new ServiceRevisionWatch(discovery, controlPlane, Service(), new TimerCountingFakeTimeProvider());

        await watch.ReadAsync(TimeSpan.Zero, Ct);
        await watch.ReadAsync(TimeSpan.Zero, Ct);

        await discovery.Received(2).DiscoverInstancesRevisionAsync("example-http", "orders", Arg.Any<CancellationToken>());
        await controlPlane.Received(1).ListNamespacesAsync(Arg.Any<CancellationToken>());
    }

    private static (ICloudMapDiscoveryClient Discovery, ICloudMapClient ControlPlane) Clients()
    {
        var discovery = Substitute.For<ICloudMapDiscoveryClient>();
        discovery.DiscoverInstancesRevisionAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns(7L);
        return (discovery, Substitute.For<ICloudMapClient>());
    }

    private static CloudMapService Service() =>
        new("srv-1", null, "orders", "ns-1", "HTTP", ServiceHealthCheckKind.Custom);
}
