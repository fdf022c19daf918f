// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.ServiceDiscovery.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace CloudMap.Lifecycle.ServiceDiscovery.Tests;

/// <summary>Options bound from configuration and validated on start, messages naming the key and the value; name mapping; the two halves' agreement.</summary>
public sealed class OptionsTests
{
    [Fact]
    public async Task Start_BindsTheSection_NamespacesAsListOrCommaSeparated()
    {
        using var host = Build(
            ("CloudMapDiscovery:DefaultNamespace", "shop.local"),
            ("CloudMapDiscovery:Namespaces", "other.local, third.local"),
            ("CloudMapDiscovery:HealthFilter", "healthy"),
            ("CloudMapDiscovery:RevisionInterval", "00:00:05"),
            ("CloudMapDiscovery:QueryParameters:AVAILABILITY_ZONE", "eu-west-1a"));
        await host.StartAsync(TestContext.Current.CancellationToken);

        var options = host.Services.GetRequiredService<IOptions<CloudMapServiceEndpointProviderOptions>>().Value;
        Assert.Equal("shop.local", options.DefaultNamespace);
        Assert.Equal(["other.local", "third.local"], options.Namespaces);
        Assert.Equal(CloudMapDiscoveryHealthFilter.Healthy, options.HealthFilter);
        Assert.Equal(TimeSpan.FromSeconds(5), options.RevisionInterval);
        Assert.Equal("eu-west-1a", options.QueryParameters["AVAILABILITY_ZONE"]);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("CloudMapDiscovery:RevisionIntervall", "00:00:01", "CloudMapDiscovery:RevisionIntervall is not a known setting ('RevisionIntervall' does not exist under CloudMapDiscovery); did you mean CloudMapDiscovery:RevisionInterval?")]
    [InlineData("CloudMapDiscovery:HealthFilter", "Strict", "CloudMapDiscovery:HealthFilter is 'Strict'; the valid values are HealthyOrElseAll, Healthy, All.")]
    [InlineData("CloudMapDiscovery:RevisionInterval", "00:00:00.010", "CloudMapDiscovery:RevisionInterval is 00:00:00.0100000; it must be between 00:00:00.1000000 and 00:10:00.")]
    [InlineData("CloudMapDiscovery:RevisionInterval", "00:01:00", "CloudMapDiscovery:RevisionInterval (00:01:00) is longer than CloudMapDiscovery:RefreshInterval (00:00:30)")]
    [InlineData("CloudMapDiscovery:Namespaces:0", "http://shop.local", "CloudMapDiscovery:Namespaces:0 is 'http://shop.local'; it must be a Cloud Map namespace name")]
    [InlineData("CloudMapDiscovery:QueryParameters:AZ", "", "CloudMapDiscovery:QueryParameters:AZ is ''")]
    public async Task Start_BadValue_FailsWithTheKeyAndTheValue(string key, string value, string expected)
    {
        using var host = Build(("CloudMapDiscovery:DefaultNamespace", "shop.local"), (key, value));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NoNamespace_FailsNamingBothKeys()
    {
        using var host = Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("CloudMapDiscovery:DefaultNamespace is not set and CloudMapDiscovery:Namespaces is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NoRegionAnywhere_FailsBeforeTheFirstRequest()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection([new("CloudMapDiscovery:DefaultNamespace", "shop.local"), new("AWS:ServiceURL", "http://127.0.0.1:9")]);
        builder.Services.AddSingleton<Amazon.Runtime.AWSCredentials>(new Amazon.Runtime.BasicAWSCredentials("a", "b"));
        builder.Services.Configure<CloudMapClientOptions>(o => o.Region = null);
        builder.Services.AddServiceDiscoveryCore().AddCloudMapServiceEndpointProvider();
        using var host = builder.Build();
        var saved = (Environment.GetEnvironmentVariable("AWS_REGION"), Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION"));
        if (saved != (null, null))
        {
            return;   // the machine sets a region: nothing to prove here
        }

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("region", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("orders.shop.local", "shop.local", "orders")]
    [InlineData("orders", "shop.local", "orders")]
    [InlineData("orders.other.local", "other.local", "orders")]
    [InlineData("orders.shop.local.", "shop.local", "orders")]
    [InlineData("localhost", null, null)]
    [InlineData("127.0.0.1", null, null)]
    [InlineData("api.example.com", null, null)]
    [InlineData("orders.local", null, null)]
    public void Names_MapToServiceAndNamespace_OnlyInConfiguredNamespaces(string host, string? expectedNamespace, string? expectedService)
    {
        var found = CloudMapServiceKey.TryParse(host, "shop.local", ["Other.Local".ToLowerInvariant()], out var key);

        Assert.Equal(expectedService is not null, found);
        Assert.Equal(expectedNamespace, key?.NamespaceName);
        Assert.Equal(expectedService, key?.ServiceName);
    }

    [Fact]
    public void Factory_LeavesForeignNamesToOtherProviders()
    {
        var services = new ServiceCollection();
        services.AddServiceDiscoveryCore().AddCloudMapServiceEndpointProvider(o => o.Namespaces.Add("shop.local"));
        using var provider = services.BuildServiceProvider();
        var factory = provider.GetServices<IServiceEndpointProviderFactory>().OfType<CloudMapServiceEndpointProviderFactory>().Single();

        Assert.False(factory.TryCreateProvider(Query("http://localhost:5000"), out _));
        Assert.False(factory.TryCreateProvider(Query("http://orders"), out _));   // no default namespace
        Assert.True(factory.TryCreateProvider(Query("https+http://_grpc.orders.shop.local"), out var created));
        Assert.Equal("Cloud Map", created.ToString());
    }

    [Theory]
    [InlineData("8081", null, 8081)]
    [InlineData("https:8443", "https", 8443)]
    [InlineData(" h2c : 80 ", "h2c", 80)]
    [InlineData("0", null, -1)]
    [InlineData("70000", null, -1)]
    [InlineData("https:", null, -1)]
    [InlineData("://80", null, -1)]
    public void EndpointAttributeValue_PortOrSchemeAndPort(string value, string? scheme, int port)
    {
        var ok = CloudMapEndpointMapper.TryParseEndpointValue(value, out var parsedScheme, out var parsedPort);

        Assert.Equal(port > 0, ok);
        if (ok)
        {
            Assert.Equal(scheme, parsedScheme);
            Assert.Equal(port, parsedPort);
        }
    }

    [Fact]
    public void Backoff_DoublesFromTheRevisionInterval_ThrottlingFromOneSecond_Capped()
    {
        var max = CloudMapServiceEndpointProviderOptions.DefaultMaxBackoff;
        Assert.Equal(TimeSpan.FromSeconds(4), CloudMapServiceWatch.BackoffUpperBound(TimeSpan.FromSeconds(2), 1, max));
        Assert.Equal(TimeSpan.FromSeconds(32), CloudMapServiceWatch.BackoffUpperBound(TimeSpan.FromSeconds(2), 4, max));
        Assert.Equal(max, CloudMapServiceWatch.BackoffUpperBound(TimeSpan.FromSeconds(2), 5, max));
        Assert.Equal(max, CloudMapServiceWatch.BackoffUpperBound(TimeSpan.FromSeconds(2), 1000, max));
    }

    [Fact]
    public void Defaults_TheProvidersStaleness_IsShorterThanTheRegistrationsDefaultDrain()
    {
        // Documented staleness: one revision interval plus a 1 s allowance for the two round trips.
        var staleness = CloudMapServiceEndpointProviderOptions.DefaultRevisionInterval + TimeSpan.FromSeconds(1);

        Assert.True(staleness < CloudMapShutdownOptions.DefaultDrainDelay, $"{staleness} < {CloudMapShutdownOptions.DefaultDrainDelay}");
    }

    [Theory]
    [InlineData("00:00:01", 1)]
    [InlineData("00:00:02.500", 1)]
    [InlineData("00:00:03", 0)]
    [InlineData("00:00:00", 0)]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task Registration_DrainShorterThanTheProvidersStaleness_IsWarnedAtStart(string drain, int warnings)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { CompleteOperationsImmediately = true }, ct);
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("shop.local"), "orders");
        using var logs = new AwaitableFakeLogs();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection([new("CloudMap:Port", "8080"), new("CloudMap:InstanceId", "orders-1"), new("CloudMap:Shutdown:DrainDelay", drain)]);
        builder.Logging.AddProvider(logs);
        builder.AddCloudMapRegistration();
        builder.UseCloudMapEmulator(emulator, serviceId);
        using var host = builder.Build();

        await host.StartAsync(ct);
        await host.StopAsync(ct);

        var warned = logs.Collector.GetEvents("DrainShorterThanDiscoveryStaleness");
        Assert.Equal(warnings, warned.Count);
        Assert.All(warned, r => Assert.StartsWith("CloudMap:Shutdown:DrainDelay is ", r.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void PublicOverloads_ThrowArgumentNullException_WithTheParameterName()
    {
        IServiceCollection? none = null;
        var services = new ServiceCollection();

        Assert.Equal("services", Assert.Throws<ArgumentNullException>(() => none!.AddCloudMapServiceEndpointProvider()).ParamName);
        Assert.Equal("services", Assert.Throws<ArgumentNullException>(() => none!.AddCloudMapServiceEndpointProvider(_ => { })).ParamName);
        Assert.Equal("services", Assert.Throws<ArgumentNullException>(() => none!.AddCloudMapServiceEndpointProvider(new ConfigurationBuilder().Build().GetSection("x"))).ParamName);
        Assert.Equal("configure", Assert.Throws<ArgumentNullException>(() => services.AddCloudMapServiceEndpointProvider((Action<CloudMapServiceEndpointProviderOptions>)null!)).ParamName);
        Assert.Equal("section", Assert.Throws<ArgumentNullException>(() => services.AddCloudMapServiceEndpointProvider((IConfigurationSection)null!)).ParamName);
    }

    [Fact]
    public void AddCloudMapServiceEndpointProvider_Twice_RegistersOneFactory()
    {
        var services = new ServiceCollection();
        services.AddCloudMapServiceEndpointProvider(o => o.DefaultNamespace = "shop.local").AddCloudMapServiceEndpointProvider();

        Assert.Single(services, d => d.ServiceType == typeof(IServiceEndpointProviderFactory) && d.ImplementationFactory is not null && d.ImplementationType is null && d.ImplementationInstance is null);
    }

    private static ServiceEndpointQuery Query(string name) => ServiceEndpointQuery.TryParse(name, out var q) ? q : throw new ArgumentException(name);

    private static IHost Build(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection([.. settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)), new("AWS:Region", "us-east-1")]);
        builder.Services.AddSingleton<Amazon.Runtime.AWSCredentials>(new Amazon.Runtime.BasicAWSCredentials("a", "b"));
        builder.Services.AddServiceDiscoveryCore().AddCloudMapServiceEndpointProvider();
        return builder.Build();
    }
}
