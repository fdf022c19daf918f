// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using Amazon.Runtime;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Identity;
using CloudMap.Lifecycle.Sample.Baseline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace CloudMap.Lifecycle.Scenarios.InProcess;

/// <summary>
/// A real generic host (explicit CloudMap:Port; no web server, or with <c>web</c> a Kestrel listener on that loopback
/// port answering <c>GET /</c>) registering with the library or with the sample's hand-rolled baseline
/// (<see cref="BaselineRegistrationService"/>, the same type as the sample's Baseline mode). With an ECS task's metadata
/// endpoint (library mode), the instance id is the task id the library reads there, as on ECS.
/// </summary>
internal sealed class ScenarioHost : IAsyncDisposable
{
    private ScenarioHost(IHost host, RegistrationMode mode, HostSettings settings)
    {
        Host = host;
        Mode = mode;
        Settings = settings;
    }

    public IHost Host { get; }

    public RegistrationMode Mode { get; }

    public HostSettings Settings { get; }

    /// <summary>Gets the library's registration state (library mode only).</summary>
    public ICloudMapRegistrationState? LibraryState =>
        Mode == RegistrationMode.Library ? Host.Services.GetRequiredService<ICloudMapRegistrationStateProvider>().GetState(string.Empty) : null;

    public BaselineRegistrationService? Baseline => Mode == RegistrationMode.Baseline ? Host.Services.GetRequiredService<BaselineRegistrationService>() : null;

    public bool IsRegistered => Mode == RegistrationMode.Library
        ? LibraryState!.Phase == CloudMapRegistrationPhase.Registered
        : Baseline!.Registered;

    public static ScenarioHost Build(
        RegistrationMode mode,
        Uri emulator,
        HostSettings settings,
        Func<bool>? ready,
        Action<CloudMapRegistrationOptions>? configure = null,
        TimeProvider? timeProvider = null,
        AwaitableFakeLogs? logs = null,
        Action<CloudMapClientOptions>? client = null,
        LogLevel minimumLogLevel = LogLevel.Information,
        Func<CancellationToken, Task<bool>>? readyAsync = null,
        TimeSpan? shutdownTimeout = null,
        bool web = false,
        HostCallTrace? callTrace = null,
        Uri? ecsTaskMetadata = null)
    {
        if ((ready is null) == (readyAsync is null))
        {
            throw new ArgumentException("Give exactly one of ready and readyAsync.", nameof(ready));
        }

        IHostApplicationBuilder builder = web
            ? WebApplication.CreateEmptyBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory })
            : Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AWS:ServiceURL"] = emulator.ToString(),
            ["AWS:Region"] = Infrastructure.ClientFactory.Region,
        });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(minimumLogLevel);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.Services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("AKIDSCENARIOS", "scenarios-secret"));
        if (timeProvider is not null)
        {
            builder.Services.AddSingleton(timeProvider);
        }

        if (shutdownTimeout is { } shutdown)
        {
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdown);
        }

        if (ready is not null)
        {
            builder.Services.AddHealthChecks().AddCheck("ready", () => ready() ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(), tags: ["ready"]);
        }
        else
        {
            builder.Services.AddHealthChecks().AddAsyncCheck("ready", async ct => await readyAsync!(ct).ConfigureAwait(false) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(), tags: ["ready"]);
        }
        if (client is not null)
        {
            builder.Services.Configure(client);
        }

        if (mode == RegistrationMode.Library)
        {
            // The emulator serves both planes on one host: a data-plane read (DiscoverInstancesRevision) must not go to
            // data-127.0.0.1.
            builder.Services.Configure<CloudMapClientOptions>(o => o.DisableHostPrefixInjection = true);
            if (callTrace is not null)
            {
                builder.Services.AddHttpClient(HttpCloudMapClient.HttpClientName).AddHttpMessageHandler(() => callTrace.HandlerFor(settings.InstanceId));
            }
            if (ecsTaskMetadata is not null)
            {
                // An ECS task: the instance id is the task id, read from the task's metadata endpoint (what
                // ECS_CONTAINER_METADATA_URI_V4 points a container at), so it is a per-task id. Set here rather than
                // through the variable because all hosts share one process.
                builder.Services.AddSingleton<IInstanceIdentityResolver>(sp => new InstanceIdentityResolver(
                    new InstanceIdentityResolverOptions { EcsMetadataUri = ecsTaskMetadata, Ec2MetadataDisabled = true },
                    sp.GetRequiredService<ILogger<InstanceIdentityResolver>>()));
            }

            builder.Services.AddCloudMapRegistration(o =>
            {
                o.ServiceId = settings.ServiceId;
                o.NamespaceName = settings.ServiceId is null ? settings.NamespaceName : null;
                o.ServiceName = settings.ServiceId is null ? settings.ServiceName : null;
                o.InstanceId = ecsTaskMetadata is null ? settings.InstanceId : null;
                o.Address = "127.0.0.1";
                o.Port = settings.Port;
                configure?.Invoke(o);
            });
        }
        else
        {
            // The baseline's own client gets the same retry settings the library's client would.
            var clientOptions = new CloudMapClientOptions();
            client?.Invoke(clientOptions);
            builder.Services.AddBaselineRegistration(
                _ => new BaselineRegistrationSettings(settings.InstanceId, settings.ServiceId, settings.NamespaceName, settings.ServiceName, "127.0.0.1", settings.Port),
                _ => new BaselineClientOptions
                {
                    ServiceUrl = emulator,
                    Region = Infrastructure.ClientFactory.Region,
                    MaxAttempts = clientOptions.MaxAttempts,
                    AttemptTimeout = clientOptions.AttemptTimeout,
                    BaseDelay = clientOptions.BaseDelay,
                    MaxDelay = clientOptions.MaxDelay,
                });
        }

        return new ScenarioHost(builder is WebApplicationBuilder webBuilder ? BuildWeb(webBuilder, settings) : ((HostApplicationBuilder)builder).Build(), mode, settings);
    }

    private static WebApplication BuildWeb(WebApplicationBuilder builder, HostSettings settings)
    {
        // The empty builder: no configuration files (hundreds of hosts would exhaust the inotify watches), Kestrel and routing only.
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, settings.Port));
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        app.MapGet("/", () => settings.InstanceId);
        return app;
    }

    /// <summary>Stops the host; a host whose start failed may refuse to stop cleanly, and what matters then is what it left registered.</summary>
    public async Task StopQuietlyAsync()
    {
        try
        {
            await Host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or AggregateException or InvalidOperationException)
        {
            // Counted by the scenario through what stays registered, not through the exception.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            Host.Dispose();
        }
    }
}
