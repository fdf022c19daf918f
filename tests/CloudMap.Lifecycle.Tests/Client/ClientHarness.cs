// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>
/// A real <see cref="HttpCloudMapClient"/> from DI, pointed at a <see cref="ScriptedCloudMapServer"/>, with a fake
/// clock, fixed credentials, a fixed jitter source and a capture of its own metrics.
/// </summary>
internal sealed class ClientHarness : IAsyncDisposable
{
    public static readonly BasicAWSCredentials Credentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    private readonly MetricCapture _metrics;

    private ClientHarness(ScriptedCloudMapServer server, ServiceProvider provider, TimerCountingFakeTimeProvider clock)
    {
        Server = server;
        Provider = provider;
        Clock = clock;
        _metrics = new MetricCapture(provider.GetRequiredService<IMeterFactory>());
        Client = (HttpCloudMapClient)provider.GetRequiredService<ICloudMapClient>();
    }

    public ScriptedCloudMapServer Server { get; }

    public ServiceProvider Provider { get; }

    public TimerCountingFakeTimeProvider Clock { get; }

    public HttpCloudMapClient Client { get; }

    public IReadOnlyList<Measurement> Measurements => _metrics.Measurements;

    /// <summary>Starts a server and a client. By default: region us-east-1, no host prefix, no attempt timeout, zero jitter, standard retry mode.</summary>
    public static async Task<ClientHarness> StartAsync(
        Action<CloudMapClientOptions>? configure = null,
        Func<double>? random = null,
        bool routeEveryHostToServer = false,
        AWSCredentials? credentials = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var server = await ScriptedCloudMapServer.StartAsync();
        var clock = new TimerCountingFakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace));
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton(credentials ?? Credentials);
        services.AddSingleton(new CloudMapClientEnvironment(credentials ?? Credentials)
        {
            GetEnvironmentVariable = _ => null,
            GetProfileRegion = _ => null,
            NextRandom = random ?? (() => 0d),
        });
        services.TryAddCloudMapClient();
        services.Configure<CloudMapClientOptions>(o =>
        {
            o.Region = "us-east-1";
            o.ServiceUrl = server.Url;
            o.DisableHostPrefixInjection = true;
            o.AttemptTimeout = Timeout.InfiniteTimeSpan;

            // The client tests pin the retry strategy's delays on the fake clock; in adaptive mode a retry after a throttle
            // would also wait for its token. CloudMapPacingTests opt into adaptive mode.
            o.RetryMode = CloudMapRetryMode.Standard;
            configure?.Invoke(o);
        });
        services.AddHttpClient(HttpCloudMapClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => CreateHandler(routeEveryHostToServer ? server.Port : null));
        configureServices?.Invoke(services);
        return new ClientHarness(server, services.BuildServiceProvider(), clock);
    }

    /// <summary>A loopback handler without proxy; optionally connects every host name (data-localhost) to the server.</summary>
    public static SocketsHttpHandler CreateHandler(int? routeToPort)
    {
        var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false };
        if (routeToPort is { } port)
        {
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        return handler;
    }

    public IEnumerable<Measurement> Calls(string operation) => _metrics.Calls(operation);

    public async ValueTask DisposeAsync()
    {
        _metrics.Dispose();
        await Provider.DisposeAsync();
        await Server.DisposeAsync();
    }
}
