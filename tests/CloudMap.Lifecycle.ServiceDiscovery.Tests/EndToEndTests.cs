// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.ServiceDiscovery;
using Yarp.ReverseProxy.Configuration;

namespace CloudMap.Lifecycle.ServiceDiscovery.Tests;

/// <summary>Where users use it: HttpClient through AddServiceDiscovery(), and YARP's destination resolver, against the emulator (real time, loopback).</summary>
public sealed class EndToEndTests
{
    private static readonly TimeSpan Fast = TimeSpan.FromMilliseconds(100);

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task HttpClient_WithAddServiceDiscovery_CallsTheRegisteredInstance_AndFollowsAReplacement()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var emulator = await CloudMapEmulator.StartAsync(cancellationToken: ct);
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("shop.local"), "orders");
        await using var one = await Backend.StartAsync("one");
        await using var two = await Backend.StartAsync("two");
        emulator.RegisterInstance(serviceId, "one", DiscoveryHarness.Attributes(one.Port));

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());   // the configuration provider reads it
        DiscoveryHarness.AddEmulatorClient(services, emulator, singleAttempt: false);
        services.AddServiceDiscovery().AddCloudMapServiceEndpointProvider(o =>
        {
            o.Namespaces.Add("shop.local");
            o.RevisionInterval = Fast;
        });
        services.AddHttpClient("orders", c => c.BaseAddress = new Uri("http://orders.shop.local")).AddServiceDiscovery();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("orders");

        Assert.Equal("one", await client.GetStringAsync("/", ct));

        // The replacement: the new instance registers, the old one deregisters; the change token moves the client over.
        var resolver = provider.GetRequiredService<ServiceEndpointResolver>();
        var source = await resolver.GetEndpointsAsync("http://orders.shop.local", ct);
        emulator.RegisterInstance(serviceId, "two", DiscoveryHarness.Attributes(two.Port));
        emulator.DeregisterInstance(serviceId, "one");
        while (source.Endpoints.Count != 1 || !source.Endpoints[0].ToString()!.EndsWith(":" + two.Port, StringComparison.Ordinal))
        {
            await WhenChanged(source.ChangeToken).WaitAsync(TimeSpan.FromSeconds(30), ct);
            source = await resolver.GetEndpointsAsync("http://orders.shop.local", ct);
        }

        Assert.Equal("two", await client.GetStringAsync("/", ct));
    }

    [Fact]
    public async Task Yarp_WithTheServiceDiscoveryDestinationResolver_ProxiesToTheRegisteredInstance()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var emulator = await CloudMapEmulator.StartAsync(cancellationToken: ct);
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("shop.local"), "orders");
        await using var one = await Backend.StartAsync("one");
        await using var two = await Backend.StartAsync("two");
        emulator.RegisterInstance(serviceId, "one", DiscoveryHarness.Attributes(one.Port));

        await using var proxy = await Backend.StartAsync(
            "proxy",
            app => app.MapReverseProxy(),
            builder =>
            {
                DiscoveryHarness.AddEmulatorClient(builder.Services, emulator, singleAttempt: false);
                builder.Services.AddRouting();
                builder.Services.AddServiceDiscoveryCore().AddCloudMapServiceEndpointProvider(o =>
                {
                    o.DefaultNamespace = "shop.local";
                    o.RevisionInterval = Fast;
                });
                builder.Services.AddReverseProxy()
                    .LoadFromMemory(
                        [new RouteConfig { RouteId = "all", ClusterId = "orders", Match = new RouteMatch { Path = "{**rest}" } }],
                        [new ClusterConfig { ClusterId = "orders", Destinations = new Dictionary<string, DestinationConfig> { ["orders"] = new() { Address = "http://orders" } } }])
                    .AddServiceDiscoveryDestinationResolver();
            });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Port}") };

        Assert.Equal("one", await http.GetStringAsync("/", ct));

        emulator.RegisterInstance(serviceId, "two", DiscoveryHarness.Attributes(two.Port));
        emulator.DeregisterInstance(serviceId, "one");
        string answer;
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        do
        {
            // YARP re-resolves the cluster when the provider's change token fires; poll the proxy until it has.
            answer = await http.GetStringAsync("/", ct);
        }
        while (answer != "two" && DateTimeOffset.UtcNow < deadline);

        Assert.Equal("two", answer);
    }

    private static Task WhenChanged(IChangeToken token)
    {
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.RegisterChangeCallback(static s => ((TaskCompletionSource)s!).TrySetResult(), changed);
        return changed.Task;
    }
}
