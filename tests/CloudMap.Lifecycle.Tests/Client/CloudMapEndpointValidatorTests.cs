// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>A missing region fails startup through options validation on start, before anything is sent.</summary>
public sealed class CloudMapEndpointValidatorTests
{
    private static readonly string[] PlacesLooked = ["CloudMapClientOptions.Region", "'AWS:Region'", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS profile 'default'"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HostStart_EnabledRegistrationAndNoRegionAnywhere_FailsValidationNamingEveryPlaceLooked()
    {
        using var host = BuildHost(new() { ["CloudMap:ServiceId"] = FakeCloudMapClient.CustomServiceId, ["CloudMap:InstanceId"] = "i-host" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Equal(typeof(CloudMapClientOptions), error.OptionsType);
        var failure = Assert.Single(error.Failures);
        Assert.StartsWith("No AWS region is configured for Cloud Map.", failure, StringComparison.Ordinal);
        Assert.All(PlacesLooked, place => Assert.Contains(place, failure, StringComparison.Ordinal));
        Assert.Equal(CloudMapRegistrationPhase.NotStarted, host.Services.GetRequiredService<ICloudMapRegistrationState>().Phase);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task HostStart_EndpointVariableNotAUrl_FailsValidationNamingTheVariable()
    {
        using var host = BuildHost(
            new() { ["CloudMap:ServiceId"] = FakeCloudMapClient.CustomServiceId, ["CloudMap:InstanceId"] = "i-host", ["AWS:Region"] = "eu-west-1" },
            builder => builder.Services.AddSingleton(new CloudMapClientEnvironment
            {
                GetEnvironmentVariable = name => name == CloudMapEndpoint.GlobalEndpointVariable ? "127.0.0.1:4566" : null,
                GetProfileRegion = _ => null,
            }));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("Environment variable AWS_ENDPOINT_URL has value '127.0.0.1:4566'", Assert.Single(error.Failures), StringComparison.Ordinal);
        Assert.Equal(CloudMapRegistrationPhase.NotStarted, host.Services.GetRequiredService<ICloudMapRegistrationState>().Phase);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task HostStart_RegistrationDisabledAndNoRegion_Starts()
    {
        using var host = BuildHost(new() { ["CloudMap:Enabled"] = "false" });

        await host.StartAsync(Ct);
        await host.StopAsync(Ct);

        Assert.Equal(CloudMapRegistrationPhase.Disabled, host.Services.GetRequiredService<ICloudMapRegistrationState>().Phase);
    }

    [Fact]
    public async Task HostStart_OneOfTwoRegistrationsEnabledAndNoRegion_Fails()
    {
        using var host = BuildHost(
            new()
            {
                ["CloudMap:Enabled"] = "false",
                ["CloudMap:grpc:ServiceId"] = FakeCloudMapClient.CustomServiceId,
                ["CloudMap:grpc:InstanceId"] = "i-grpc",
            },
            builder => builder.AddCloudMapRegistration("grpc"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("No AWS region is configured", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostStart_InvalidRegistrationAndNoRegion_ReportsOnlyTheRegistrationsOwnError()
    {
        using var host = BuildHost(new() { ["CloudMap:ServiceId"] = FakeCloudMapClient.CustomServiceId, ["CloudMap:Port"] = "70000" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:Port is 70000", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("AWS region", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AWS:Region", "eu-west-1")]
    [InlineData("AWS:Profile", "work")]
    public void Options_EnabledRegistrationWithARegionSomewhere_AreValid(string key, string value)
    {
        var environment = new CloudMapClientEnvironment
        {
            GetEnvironmentVariable = static _ => null,
            GetProfileRegion = static profile => profile == "work" ? "ap-south-1" : null,
        };
        using var provider = BuildServices(new() { ["CloudMap:ServiceId"] = FakeCloudMapClient.CustomServiceId, [key] = value }, environment);

        var options = provider.GetRequiredService<IOptions<CloudMapClientOptions>>().Value;

        Assert.NotNull(options);
    }

    [Fact]
    public void Options_ClientRegisteredEarlier_NeedNoRegion()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddSingleton<ICloudMapClient>(new FakeCloudMapClient());
        services.AddSingleton(NoRegionEnvironment());
        services.AddCloudMapRegistration(o => o.ServiceId = FakeCloudMapClient.CustomServiceId);
        using var provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<IOptions<CloudMapClientOptions>>().Value;

        Assert.DoesNotContain(provider.GetServices<IValidateOptions<CloudMapClientOptions>>(), v => v is CloudMapEndpointValidator);
    }

    [Fact]
    public void Validate_NoRegistrationAtAll_Skips()
    {
        using var provider = new ServiceCollection().AddOptions().BuildServiceProvider();
        var validator = new CloudMapEndpointValidator(NoRegionEnvironment(), [], provider.GetRequiredService<IOptionsMonitor<CloudMapRegistrationOptions>>());

        Assert.True(validator.Validate(Options.DefaultName, new CloudMapClientOptions()).Skipped);
    }

    [Fact]
    public void Validate_InvalidServiceUrl_LeavesItToTheOptionsValidator()
    {
        using var provider = BuildServices(new() { ["CloudMap:ServiceId"] = FakeCloudMapClient.CustomServiceId }, NoRegionEnvironment());
        var validator = provider.GetServices<IValidateOptions<CloudMapClientOptions>>().OfType<CloudMapEndpointValidator>().Single();

        var result = validator.Validate(Options.DefaultName, new CloudMapClientOptions { ServiceUrl = new Uri("ftp://example.com/") });

        Assert.True(result.Skipped);
    }

    private static CloudMapClientEnvironment NoRegionEnvironment() => new()
    {
        GetEnvironmentVariable = static _ => null,
        GetProfileRegion = static _ => null,
    };

    private static IHost BuildHost(Dictionary<string, string?> configuration, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IServer, TestHost.FakeServer>();
        builder.Services.AddSingleton(NoRegionEnvironment());
        builder.AddCloudMapRegistration();
        configure?.Invoke(builder);
        return builder.Build();
    }

    private static ServiceProvider BuildServices(Dictionary<string, string?> configuration, CloudMapClientEnvironment environment)
    {
        var services = new ServiceCollection().AddLogging();
        var config = new ConfigurationBuilder().AddInMemoryCollection(configuration).Build();
        services.AddSingleton<IConfiguration>(config);
        services.AddSingleton(environment);
        services.AddCloudMapRegistration(config.GetSection(CloudMapRegistrationOptions.SectionName));
        return services.BuildServiceProvider();
    }
}
