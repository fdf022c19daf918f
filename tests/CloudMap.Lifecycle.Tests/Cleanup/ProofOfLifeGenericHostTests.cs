// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal.Cleanup;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CloudMap.Lifecycle.Tests.Cleanup;

/// <summary>A generic host without a web server has nothing to answer probes with, so it never advertises proof of life.</summary>
public sealed class ProofOfLifeGenericHostTests
{
    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Register_GenericHostWithoutWebServer_NoAdvert()
    {
        await using var h = await EmulatedHost.CreateAsync();

        await h.StartRegisteredAsync();

        var instance = h.Emulator.FindInstance(h.ServiceId, EmulatedHost.InstanceId)!;
        Assert.False(instance.Attributes.ContainsKey(ProofOfLifeAdvert.AttributeKey));
        Assert.Contains("no web pipeline", Assert.Single(h.Logs.Collector.GetEvents("ProofOfLifeNotAdvertised")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddCloudMapRegistration_TwoRegistrations_OneStartupFilterFirstInTheCollection()
    {
        var services = new ServiceCollection();
        services.AddTransient<IStartupFilter, OtherFilter>();

        services.AddCloudMapRegistration();
        services.AddCloudMapRegistration("grpc", _ => { });

        var filters = services.Where(d => d.ServiceType == typeof(IStartupFilter)).ToList();
        Assert.Equal(typeof(ProofOfLifeStartupFilter), filters[0].ImplementationType);
        Assert.Single(filters, d => d.ImplementationType == typeof(ProofOfLifeStartupFilter));
        Assert.Single(services, d => d.ServiceType == typeof(IPeerProber));
    }

    private sealed class OtherFilter : IStartupFilter
    {
        public Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> Configure(Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> next) => next;
    }
}
