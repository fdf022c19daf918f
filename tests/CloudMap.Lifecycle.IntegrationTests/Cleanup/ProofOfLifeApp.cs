// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using Amazon.Runtime;
using CloudMap.Lifecycle.Internal.Cleanup;

namespace CloudMap.Lifecycle.IntegrationTests.Cleanup;

/// <summary>
/// A real <see cref="WebApplication"/> on Kestrel (loopback, port 0 unless told) running the library against an
/// in-process emulator, started and registered: the answering side of proof of life as a peer meets it. The library's
/// clock is fake (no health cycle runs by itself); the network is real.
/// </summary>
internal sealed class ProofOfLifeApp : IAsyncDisposable
{
    public const string InstanceId = "proof-1";

    private readonly bool _ownsEmulator;
    private bool _stopped;

    private ProofOfLifeApp(CloudMapEmulator emulator, string serviceId, bool ownsEmulator)
    {
        Emulator = emulator;
        ServiceId = serviceId;
        _ownsEmulator = ownsEmulator;
    }

    public CloudMapEmulator Emulator { get; }

    public string ServiceId { get; }

    public WebApplication App { get; private set; } = null!;

    public AwaitableFakeLogs Logs { get; } = new();

    public TimerCountingFakeTimeProvider Time { get; } = new();

    public string InstanceIdRegistered { get; private set; } = InstanceId;

    /// <summary>Gets the attributes the library registered.</summary>
    public IReadOnlyDictionary<string, string> Attributes => Emulator.FindInstance(ServiceId, InstanceIdRegistered)!.Attributes;

    /// <summary>Gets the advert the registration carries, if any.</summary>
    public ProofOfLifeAdvert? Advert => ProofOfLifeAdvert.Read(Attributes);

    public Uri ListeningUri => new(App.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Starts an emulator (or uses <paramref name="emulator"/>) and the app, and waits until it registered.</summary>
    public static async Task<ProofOfLifeApp> StartAsync(
        string url = "http://127.0.0.1:0",
        IDictionary<string, string?>? settings = null,
        Action<WebApplicationBuilder>? configureBuilder = null,
        Action<WebApplication>? configureApp = null,
        (CloudMapEmulator Emulator, string ServiceId)? emulator = null)
    {
        var ownsEmulator = emulator is null;
        var (cloudMap, serviceId) = emulator ?? await CreateEmulatorAsync();
        var app = new ProofOfLifeApp(cloudMap, serviceId, ownsEmulator);
        try
        {
            await app.StartCoreAsync(url, settings, configureBuilder, configureApp);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public static async Task<(CloudMapEmulator Emulator, string ServiceId)> CreateEmulatorAsync()
    {
        var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { CompleteOperationsImmediately = true }, Token);
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("proof.local"), "orders", EmulatedHealthCheck.Custom);
        return (emulator, serviceId);
    }

    /// <summary>The registration as a peer sees it: what a probe must prove.</summary>
    public PeerTarget Target()
    {
        var attributes = Attributes;
        var address = IPAddress.Parse(attributes.TryGetValue("AWS_INSTANCE_IPV4", out var v4) ? v4 : attributes["AWS_INSTANCE_IPV6"]);
        var advert = Advert ?? throw new InvalidOperationException("The registration does not advertise proof of life: " + string.Join(", ", attributes));
        return new PeerTarget(ServiceId, InstanceIdRegistered, attributes["CLOUDMAP_LIFECYCLE_OWNER"], address, int.Parse(attributes["AWS_INSTANCE_PORT"], System.Globalization.CultureInfo.InvariantCulture), advert);
    }

    /// <summary>Stops the app (deregisters; the listening socket closes).</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await App.StopAsync(Token).WaitAsync(FakeClockDriver.DefaultGuard, Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (App is not null)
            {
                await StopAsync();
                await App.DisposeAsync();
            }
        }
        finally
        {
            if (_ownsEmulator)
            {
                await Emulator.DisposeAsync();
            }
        }
    }

    private async Task StartCoreAsync(string url, IDictionary<string, string?>? settings, Action<WebApplicationBuilder>? configureBuilder, Action<WebApplication>? configureApp)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "IntegrationTests" });
        builder.Configuration.Sources.Clear();
        var configuration = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["AWS:ServiceURL"] = Emulator.Endpoint.ToString(),
            ["AWS:Region"] = Emulator.Region,
            ["CloudMap:ServiceId"] = ServiceId,
            ["CloudMap:InstanceId"] = InstanceId,
            ["CloudMap:Readiness:ConsecutiveSuccesses"] = "1",
            ["CloudMap:Shutdown:DrainDelay"] = "00:00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        InstanceIdRegistered = configuration["CloudMap:InstanceId"]!;
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(Logs);
        builder.Services.AddSingleton<TimeProvider>(Time);
        builder.Services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("proof", "proof"));
        builder.Services.Configure<CloudMapClientOptions>(o => o.AttemptTimeout = Timeout.InfiniteTimeSpan);
        configureBuilder?.Invoke(builder);
        builder.AddCloudMapRegistration();

        App = builder.Build();
        configureApp?.Invoke(App);
        await App.StartAsync(Token).WaitAsync(FakeClockDriver.DefaultGuard, Token);
        await Logs.WaitForEventAsync("Registered", cancellationToken: Token);
    }
}
