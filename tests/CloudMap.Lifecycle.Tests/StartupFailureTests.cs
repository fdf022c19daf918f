// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests;

/// <summary>Startup failures are reported at start, send nothing, and a later stop of the failed host never throws.</summary>
public sealed class StartupFailureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_NoRegionAnywhere_FailsAtStartupNamingEveryPlaceLooked()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(TestHost.Config());
        builder.Services.AddSingleton<Microsoft.AspNetCore.Hosting.Server.IServer, TestHost.FakeServer>();
        builder.Services.AddSingleton(new CloudMapClientEnvironment
        {
            GetEnvironmentVariable = static _ => null,
            GetProfileRegion = static _ => null,
        });
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("No AWS region is configured for Cloud Map", error.Message, StringComparison.Ordinal);
        foreach (var place in new[] { "CloudMapClientOptions.Region", "'AWS:Region'", "AWS_REGION", "AWS_DEFAULT_REGION", "profile" })
        {
            Assert.Contains(place, error.Message, StringComparison.Ordinal);
        }

        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_RegistrationDisabledAndNoRegion_StartsWithoutAnyAwsSetting()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["CloudMap:Enabled"] = "false" });
        builder.Services.AddSingleton(new CloudMapClientEnvironment
        {
            GetEnvironmentVariable = static _ => null,
            GetProfileRegion = static _ => null,
        });
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        await host.StartAsync(Ct);
        await host.StopAsync(Ct);

        Assert.Equal(CloudMapRegistrationPhase.Disabled, host.Services.GetRequiredService<ICloudMapRegistrationState>().Phase);
    }

    [Fact]
    public async Task StopAsync_AfterInvalidOptionsFailedStart_DoesNotThrowAndSendsNothing()
    {
        var client = new FakeCloudMapClient();
        var builder = TestHost.CreateBuilder(TestHost.Config(("CloudMap:Port", "0")), client, new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();
        await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        await host.StopAsync(Ct);

        Assert.Empty(client.Calls);
    }

}
