// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Identity;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Tests.Fakes;

/// <summary>A real generic host over in-memory configuration, with the client, clock and identity replaced by fakes.</summary>
internal static class TestHost
{
    public static HostApplicationBuilder CreateBuilder(IDictionary<string, string?> configuration, FakeCloudMapClient client, TimerCountingFakeTimeProvider time, bool withServer = true, AwaitableFakeLogs? logs = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddSingleton<ICloudMapClient>(client);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton<IInstanceIdentityResolver>(new FakeIdentityResolver());
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        if (withServer)
        {
            builder.Services.AddSingleton<IServer, FakeServer>();
        }

        return builder;
    }

    public static Dictionary<string, string?> Config(params (string Key, string? Value)[] pairs)
    {
        var config = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["CloudMap:ServiceId"] = FakeCloudMapClient.CustomServiceId,
            ["CloudMap:InstanceId"] = "i-host",
        };
        foreach (var (key, value) in pairs)
        {
            config[key] = value;
        }

        return config;
    }

    /// <summary>An <see cref="IServer"/> that "listens" on a fixed loopback address (as Kestrel reports after binding port 0).</summary>
    internal sealed class FakeServer : IServer
    {
        private readonly ServerAddressesFeature _addresses = new();

        public FakeServer()
        {
            // A generic host never calls StartAsync on the server; report the bound address up front.
            _addresses.Addresses.Add("http://127.0.0.1:49152");
            Features.Set<IServerAddressesFeature>(_addresses);
        }

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull
            => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }

        private sealed class ServerAddressesFeature : IServerAddressesFeature
        {
            public ICollection<string> Addresses { get; } = [];

            public bool PreferHostingUrls { get; set; }
        }
    }
}
