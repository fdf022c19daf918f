// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using Amazon.Runtime;
using CloudMap.Lifecycle.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace CloudMap.Lifecycle.Tests.Client;

public sealed class CloudMapClientServiceCollectionExtensionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void TryAddCloudMapClient_CalledTwice_RegistersEverythingOnce()
    {
        var services = new ServiceCollection();

        services.TryAddCloudMapClient();
        var count = services.Count;
        services.TryAddCloudMapClient();

        Assert.Equal(count, services.Count);
        Assert.Single(services, d => d.ServiceType == typeof(ICloudMapClient));
        Assert.Single(services, d => d.ServiceType == typeof(IPostConfigureOptions<CloudMapClientOptions>));
    }

    [Fact]
    public void TryAddCloudMapClient_ClientAlreadyRegistered_KeepsIt()
    {
        var fake = Substitute.For<ICloudMapClient>();
        var services = new ServiceCollection().AddSingleton(fake);

        services.TryAddCloudMapClient();
        using var provider = services.BuildServiceProvider();

        Assert.Same(fake, provider.GetRequiredService<ICloudMapClient>());
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public void Options_AwsSection_FillsRegionProfileServiceUrlCaseInsensitively()
    {
        using var provider = Build(new() { ["aws:region"] = "eu-central-1", ["AWS:PROFILE"] = "work", ["Aws:ServiceURL"] = "http://127.0.0.1:4566" });

        var options = provider.GetRequiredService<IOptions<CloudMapClientOptions>>().Value;

        Assert.Equal("eu-central-1", options.Region);
        Assert.Equal("work", options.Profile);
        Assert.Equal(new Uri("http://127.0.0.1:4566/"), options.ServiceUrl);
    }

    [Fact]
    public void Options_ConfiguredInCodeBeforeRegistration_WinOverAwsSection()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AWS:Region"] = "eu-central-1", ["AWS:ServiceURL"] = "http://config/" }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.Configure<CloudMapClientOptions>(o => o.Region = "us-west-2");

        services.TryAddCloudMapClient();
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<CloudMapClientOptions>>().Value;

        Assert.Equal("us-west-2", options.Region);
        Assert.Equal(new Uri("http://config/"), options.ServiceUrl);
    }

    [Fact]
    public void Options_Defaults_AreTheNamedConstants()
    {
        using var provider = Build([]);

        var options = provider.GetRequiredService<IOptions<CloudMapClientOptions>>().Value;

        Assert.Equal(CloudMapClientOptions.DefaultMaxAttempts, options.MaxAttempts);
        Assert.Equal(CloudMapClientOptions.DefaultAttemptTimeout, options.AttemptTimeout);
        Assert.Equal(CloudMapClientOptions.DefaultBaseDelay, options.BaseDelay);
        Assert.Equal(CloudMapClientOptions.DefaultMaxDelay, options.MaxDelay);
        Assert.False(options.DisableHostPrefixInjection);
        Assert.Null(options.Region);
    }

    [Fact]
    public void Options_ServiceUrlNotAUrl_FailsNamingKeyAndValue()
    {
        using var provider = Build(new() { ["AWS:ServiceURL"] = "not a url" });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CloudMapClientOptions>>().Value);

        Assert.Contains("AWS:ServiceURL", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not a url", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostStart_InvalidRetryOptions_FailsNamingTheProperty()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.TryAddCloudMapClient();
        builder.Services.Configure<CloudMapClientOptions>(o =>
        {
            o.MaxAttempts = 0;
            o.MaxDelay = TimeSpan.FromMilliseconds(1);
        });
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("MaxAttempts", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxDelay", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DiscoveryClient_FromHostWithAwsSectionAndCredentialsInDi_SignsWithThoseCredentials()
    {
        await using var server = await ScriptedCloudMapServer.StartAsync();
        server.Reply("""{"InstancesRevision":1}""");
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["AWS:Region"] = "eu-north-1", ["AWS:ServiceURL"] = server.Url.ToString() });
        builder.Services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("AKIDFROMDI", "secret-from-di"));
        builder.Services.TryAddCloudMapDiscoveryClient();
        builder.Services.Configure<CloudMapClientOptions>(o => o.DisableHostPrefixInjection = true);
        using var host = builder.Build();
        await host.StartAsync(Ct);

        await host.Services.GetRequiredService<ICloudMapDiscoveryClient>().DiscoverInstancesRevisionAsync("ns", "svc", Ct);

        var request = Assert.Single(server.Requests);
        Assert.Contains("Credential=AKIDFROMDI/", request.Header("Authorization"), StringComparison.Ordinal);
        Assert.Contains("/eu-north-1/servicediscovery/aws4_request", request.Header("Authorization"), StringComparison.Ordinal);
        Assert.True(SigV4Verifier.IsValid(request, "secret-from-di"));
        Assert.StartsWith("CloudMap.Lifecycle/", request.Header("User-Agent"), StringComparison.Ordinal);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Client_DefaultPrimaryHandler_DoesNotFollowRedirects()
    {
        await using var server = await ScriptedCloudMapServer.StartAsync();
        server.Reply(string.Empty, HttpStatusCode.TemporaryRedirect, headers: new Dictionary<string, string> { ["Location"] = server.Url + "elsewhere" });
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<AWSCredentials>(ClientHarness.Credentials);
        services.TryAddCloudMapClient();
        services.Configure<CloudMapClientOptions>(o =>
        {
            o.Region = "us-east-1";
            o.ServiceUrl = server.Url;
        });
        await using var provider = services.BuildServiceProvider();

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => provider.GetRequiredService<ICloudMapClient>().GetServiceAsync("srv-1", Ct));

        Assert.Equal(HttpStatusCode.TemporaryRedirect, ex.StatusCode);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Client_NoRegionAnywhere_FirstCallThrowsNamingEveryPlace()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(new CloudMapClientEnvironment(ClientHarness.Credentials) { GetEnvironmentVariable = _ => null, GetProfileRegion = _ => null });
        services.TryAddCloudMapClient();
        await using var provider = services.BuildServiceProvider();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => provider.GetRequiredService<ICloudMapClient>().GetServiceAsync("srv-1", Ct));

        Assert.Contains("AWS_DEFAULT_REGION", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AWS:Region", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_Constructed_ResolvesNothing()
    {
        var asked = 0;
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(new CloudMapClientEnvironment { GetEnvironmentVariable = _ => { asked++; return null; }, GetProfileRegion = _ => { asked++; return null; } });
        services.TryAddCloudMapClient();
        using var provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<ICloudMapClient>();

        Assert.Equal(0, asked);
    }

    private static ServiceProvider Build(Dictionary<string, string?> configuration)
    {
        var services = new ServiceCollection().AddLogging(b => b.ClearProviders());
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build());
        services.TryAddCloudMapClient();
        return services.BuildServiceProvider();
    }
}
