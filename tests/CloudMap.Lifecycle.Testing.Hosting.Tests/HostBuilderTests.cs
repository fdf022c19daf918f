// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.TestHost;

namespace CloudMap.Lifecycle.Testing.Hosting.Tests;

/// <summary><c>UseCloudMapEmulator</c> on the other builders: <see cref="IHostApplicationBuilder"/>, <see cref="IHostBuilder"/>, named registrations, a real server.</summary>
public sealed class HostBuilderTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UseCloudMapEmulator_NamedRegistration_TargetsOnlyThatRegistration()
    {
        await using var emulator = await StartEmulatorAsync();
        var ns = emulator.CreateHttpNamespace("shop.local");
        var httpService = emulator.CreateService(ns, "orders-http", EmulatedHealthCheck.Custom);
        var grpcService = emulator.CreateService(ns, "orders-grpc", EmulatedHealthCheck.Custom);
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // What an app's appsettings say: names, which the helper's service ids override.
            ["CloudMap:Http:NamespaceName"] = "prod.local",
            ["CloudMap:Http:ServiceName"] = "orders-http",
            ["CloudMap:Http:InstanceId"] = "http-1",
            ["CloudMap:Grpc:NamespaceName"] = "prod.local",
            ["CloudMap:Grpc:ServiceName"] = "orders-grpc",
            ["CloudMap:Grpc:InstanceId"] = "grpc-1",
            ["CloudMap:Grpc:Port"] = "5001",
        });
        AddReadiness(builder.Services);
        builder.AddCloudMapRegistration("http", builder.Configuration.GetSection("CloudMap:Http"));
        builder.AddCloudMapRegistration("grpc", builder.Configuration.GetSection("CloudMap:Grpc"));
        builder.UseCloudMapEmulator(emulator, httpService, registrationName: "http");
        builder.UseCloudMapEmulator(emulator, grpcService, registrationName: "grpc");
        await using var app = builder.Build();
        var states = app.Services.GetRequiredService<ICloudMapRegistrationStateProvider>();

        await app.StartAsync(Token);
        await emulator.WaitUntilAsync(() => states.Names.All(n => states.GetState(n).Phase == CloudMapRegistrationPhase.Registered), cancellationToken: Token);

        Assert.Equal("80", emulator.FindInstance(httpService, "http-1")!.Attributes["AWS_INSTANCE_PORT"]);
        Assert.Equal("5001", emulator.FindInstance(grpcService, "grpc-1")!.Attributes["AWS_INSTANCE_PORT"]);
        Assert.Null(emulator.FindInstance(httpService, "grpc-1"));
        await app.StopAsync(Token);
        Assert.Empty(emulator.GetInstances(httpService));
        Assert.Empty(emulator.GetInstances(grpcService));
    }

    [Fact]
    public async Task UseCloudMapEmulator_HostBuilderWithAppsettingsTarget_ServiceIdWins()
    {
        await using var emulator = await StartEmulatorAsync();
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("shop.local"), "orders", EmulatedHealthCheck.Custom);
        using var host = Host.CreateDefaultBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AWS:ServiceURL"] = "http://127.0.0.1:9",
                ["AWS:Region"] = "eu-west-1",
                ["CloudMap:NamespaceName"] = "prod.local",
                ["CloudMap:ServiceName"] = "orders",
                ["CloudMap:InstanceId"] = "orders-1",
            }))
            .ConfigureWebHost(web => web.UseTestServer().Configure(_ => { }))
            .ConfigureServices((context, services) =>
            {
                AddReadiness(services);
                services.AddCloudMapRegistration(context.Configuration.GetSection(CloudMapRegistrationOptions.SectionName));
            })
            .UseCloudMapEmulator(emulator, serviceId)
            .Build();
        var state = host.Services.GetRequiredService<ICloudMapRegistrationState>();

        await host.StartAsync(Token);
        await emulator.WaitUntilAsync(() => state.Phase == CloudMapRegistrationPhase.Registered, cancellationToken: Token);

        Assert.Equal(serviceId, state.ServiceId);
        Assert.Equal("127.0.0.1", emulator.FindInstance(serviceId, "orders-1")!.Attributes["AWS_INSTANCE_IPV4"]);
        Assert.Equal(emulator.Endpoint.ToString(), host.Services.GetRequiredService<IConfiguration>()["AWS:ServiceURL"]);
        await host.StopAsync(Token);
    }

    [Fact]
    public async Task UseCloudMapEmulator_RealServer_RegistersTheListeningPort()
    {
        await using var emulator = await StartEmulatorAsync();
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("shop.local"), "orders", EmulatedHealthCheck.Custom);
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["CloudMap:InstanceId"] = "orders-1" });
        AddReadiness(builder.Services);
        builder.AddCloudMapRegistration();
        builder.UseCloudMapEmulator(emulator, serviceId);
        await using var app = builder.Build();
        var state = app.Services.GetRequiredService<ICloudMapRegistrationState>();

        await app.StartAsync(Token);
        await emulator.WaitUntilAsync(() => state.Phase == CloudMapRegistrationPhase.Registered, cancellationToken: Token);

        var listening = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single()).Port;
        Assert.NotEqual(80, listening);
        Assert.Equal(listening.ToString(System.Globalization.CultureInfo.InvariantCulture), emulator.FindInstance(serviceId, "orders-1")!.Attributes["AWS_INSTANCE_PORT"]);
        await app.StopAsync(Token);
    }

    [Fact]
    public async Task UseCloudMapEmulator_BadArguments_ThrowNamingTheParameter()
    {
        await using var emulator = await StartEmulatorAsync();
        IWebHostBuilder web = WebApplication.CreateBuilder().WebHost;
        IHostBuilder host = new HostBuilder();
        IHostApplicationBuilder app = Host.CreateApplicationBuilder();

        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => ((IWebHostBuilder)null!).UseCloudMapEmulator(emulator, "srv-1")).ParamName);
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => ((IHostBuilder)null!).UseCloudMapEmulator(emulator, "srv-1")).ParamName);
        Assert.Equal("builder", Assert.Throws<ArgumentNullException>(() => ((IHostApplicationBuilder)null!).UseCloudMapEmulator(emulator, "srv-1")).ParamName);
        Assert.Equal("emulator", Assert.Throws<ArgumentNullException>(() => web.UseCloudMapEmulator(null!, "srv-1")).ParamName);
        Assert.Equal("emulator", Assert.Throws<ArgumentNullException>(() => host.UseCloudMapEmulator(null!, "srv-1")).ParamName);
        Assert.Equal("emulator", Assert.Throws<ArgumentNullException>(() => app.UseCloudMapEmulator(null!, "srv-1")).ParamName);
        Assert.Equal("serviceId", Assert.Throws<ArgumentNullException>(() => web.UseCloudMapEmulator(emulator, null!)).ParamName);
        Assert.Equal("serviceId", Assert.Throws<ArgumentException>(() => host.UseCloudMapEmulator(emulator, " ")).ParamName);
        Assert.Equal("serviceId", Assert.Throws<ArgumentException>(() => app.UseCloudMapEmulator(emulator, "")).ParamName);
    }

    private static Task<CloudMapEmulator> StartEmulatorAsync() =>
        CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { CompleteOperationsImmediately = true }, Token);

    private static void AddReadiness(IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck("ready", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy(), tags: ["ready"]);
        services.Configure<CloudMapRegistrationOptions>(string.Empty, _ => { });
        services.PostConfigureAll<CloudMapRegistrationOptions>(o =>
        {
            o.Readiness.ConsecutiveSuccesses = 1;
            o.Shutdown.DrainDelay = TimeSpan.Zero;
        });
    }
}
