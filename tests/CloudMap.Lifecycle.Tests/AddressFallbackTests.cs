// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Tests;

/// <summary>Where the address comes from when nothing names one, including a host whose only interface is loopback.</summary>
public sealed class AddressFallbackTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ResolveTargetAsync_WildcardBindingOnLoopbackOnlyHost_RegistersLoopbackAndWarns()
    {
        using var h = new ServiceHarness(o => o.Port = null);
        h.Server.Addresses.Clear();
        h.Server.Addresses.Add("http://[::]:49731");
        h.Service.HostAddress = static () => null;

        var target = await h.Service.ResolveTargetAsync(Ct);

        Assert.NotNull(target);
        Assert.Equal(IPAddress.Loopback, target.Address);
        Assert.Equal(49731, target.Port);
        var warning = Assert.Single(h.Logs.Collector.GetEvents("LoopbackAddress"));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("Set CloudMap:Address", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveTargetAsync_WildcardBindingWithNetwork_RegistersTheHostsAddressWithoutWarning()
    {
        using var h = new ServiceHarness(o => o.Port = null);
        h.Server.Addresses.Clear();
        h.Server.Addresses.Add("http://+:8080");
        h.Service.HostAddress = static () => IPAddress.Parse("10.9.8.7");

        var target = await h.Service.ResolveTargetAsync(Ct);

        Assert.Equal(IPAddress.Parse("10.9.8.7"), target!.Address);
        Assert.False(h.Logs.Collector.HasEvent("LoopbackAddress"));
    }

    [Fact]
    public async Task ResolveTargetAsync_SpecificBinding_WinsOverTheHostLookup()
    {
        using var h = new ServiceHarness(o => o.Port = null);
        h.Server.Addresses.Clear();
        h.Server.Addresses.Add("http://192.0.2.10:8080");
        h.Service.HostAddress = static () => throw new InvalidOperationException("not asked");

        var target = await h.Service.ResolveTargetAsync(Ct);

        Assert.Equal(IPAddress.Parse("192.0.2.10"), target!.Address);
    }
}
