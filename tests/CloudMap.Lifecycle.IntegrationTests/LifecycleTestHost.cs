// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Runtime;

namespace CloudMap.Lifecycle.IntegrationTests;

/// <summary>
/// One emulator plus one real <see cref="WebApplication"/> on a real Kestrel port (<c>http://127.0.0.1:0</c>) with the
/// library configured against the emulator over HTTP. The app's clock is a <see cref="TimerCountingFakeTimeProvider"/>: readiness
/// polls, health intervals and the drain delay move only when the test advances it.
/// </summary>
internal sealed class LifecycleTestHost : IAsyncDisposable
{
    public const string NamespaceName = "it.local";
    public const string ServiceName = "orders";
    public const string InstanceId = "it-1";

    /// <summary>Generous hang guard for anything awaited on real time; never a timing assumption.</summary>
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan HealthInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(3);

    private Task? _stop;
    private bool _started;

    private LifecycleTestHost(CloudMapEmulator emulator, string serviceId, TimerCountingFakeTimeProvider emulatorTime)
    {
        Emulator = emulator;
        ServiceId = serviceId;
        EmulatorTime = emulatorTime;
        Wire = new CloudMapWire(emulator.Endpoint);
    }

    public CloudMapEmulator Emulator { get; }

    /// <summary>The emulator's own clock (operations complete at once; injected latency waits for it).</summary>
    public TimerCountingFakeTimeProvider EmulatorTime { get; }

    public string ServiceId { get; }

    public CloudMapWire Wire { get; }

    public TimerCountingFakeTimeProvider Time { get; } = new();

    public AwaitableFakeLogs Logs { get; } = new();

    public ReadinessFlag Readiness { get; } = new(ready: false);

    public WebApplication App { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public ICloudMapRegistrationState State => App.Services.GetRequiredService<ICloudMapRegistrationState>();

    public int ListeningPort => new Uri(App.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single()).Port;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Starts the emulator (HTTP namespace, service with custom health) and builds the app, not started.</summary>
    public static async Task<LifecycleTestHost> CreateAsync(IDictionary<string, string?>? settings = null)
    {
        var emulatorTime = new TimerCountingFakeTimeProvider();
        var emulator = await CloudMapEmulator.StartAsync(
            new CloudMapEmulatorOptions
            {
                TimeProvider = emulatorTime,
                OperationSubmittedDuration = TimeSpan.Zero,
                OperationPendingDuration = TimeSpan.Zero,
                HealthChangeDelay = TimeSpan.Zero,
                RandomSeed = 1,
            },
            Token);
        var namespaceId = emulator.CreateHttpNamespace(NamespaceName);
        var serviceId = emulator.CreateService(namespaceId, ServiceName, EmulatedHealthCheck.Custom);
        var host = new LifecycleTestHost(emulator, serviceId, emulatorTime);
        host.Build(settings);
        return host;
    }

    public async Task StartAsync()
    {
        await App.StartAsync(Token).WaitAsync(Guard, Token);
        _started = true;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ListeningPort}") };
    }

    /// <summary>
    /// Advances the app's clock by <paramref name="step"/> each time the code under test is parked on a timer, until
    /// <paramref name="until"/> completes. Waiting for an armed timer before each step is what keeps it deterministic.
    /// </summary>
    public Task AdvanceUntilAsync(Task until, TimeSpan step, int maxSteps = 100) =>
        Time.AdvanceUntilAsync(until, step, maxSteps: maxSteps, cancellationToken: Token);

    /// <summary>Waits until the code under test is parked on its next timer, then advances by <paramref name="step"/>.</summary>
    public Task StepAsync(TimeSpan step) => Time.StepAsync(step, cancellationToken: Token);

    /// <summary>Makes the app ready and moves through the readiness polls until the library logged the registration.</summary>
    public async Task StartRegisteredAsync()
    {
        Readiness.IsReady = true;
        await StartAsync();
        await AdvanceUntilAsync(Logs.WaitForEventAsync("Registered", cancellationToken: Token), PollInterval);
    }

    /// <summary>Starts stopping the app (once); the returned task completes when the host has stopped.</summary>
    public Task StopAsync() => _stop ??= App.StopAsync(Token);

    /// <summary>Stops the app, moving the clock through the drain delay if the library drains.</summary>
    public async Task StopAndDrainAsync()
    {
        var drains = Logs.CountEvents("Draining");
        var stopping = StopAsync();
        var draining = Logs.WaitForEventAsync("Draining", drains + 1, cancellationToken: Token);
        await Task.WhenAny(stopping, draining).WaitAsync(Guard, Token);
        if (!stopping.IsCompleted)
        {
            await StepAsync(DrainDelay);
        }

        await stopping.WaitAsync(Guard, Token);
    }

    public Task<IReadOnlyDictionary<string, string>> DiscoverAsync(string healthStatus = "HEALTHY") =>
        Wire.DiscoverAsync(NamespaceName, ServiceName, healthStatus);

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Let a stop that still waits on the fake clock (drain delay) finish instead of hanging disposal. A host
            // whose start failed is not stopped, as the generic host's own Run does not stop it either.
            if (_started)
            {
                await StopAndDrainAsync();
            }

            if (App is not null)
            {
                await App.DisposeAsync();
            }
        }
        finally
        {
            Http?.Dispose();
            Wire.Dispose();
            await Emulator.DisposeAsync();
        }
    }

    private void Build(IDictionary<string, string?>? settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "IntegrationTests" });

        // Only what the test says: no appsettings.json (the sample's is copied next to the tests), no environment.
        builder.Configuration.Sources.Clear();
        var configuration = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["AWS:ServiceURL"] = Emulator.Endpoint.ToString(),
            ["AWS:Region"] = Emulator.Region,
            ["CloudMap:NamespaceName"] = NamespaceName,
            ["CloudMap:ServiceName"] = ServiceName,
            ["CloudMap:InstanceId"] = InstanceId,
            ["CloudMap:Readiness:PollInterval"] = PollInterval.ToString(),
            ["CloudMap:Readiness:ConsecutiveSuccesses"] = "2",
            ["CloudMap:Health:Interval"] = HealthInterval.ToString(),
            ["CloudMap:Health:UnhealthyThreshold"] = "2",
            ["CloudMap:Health:HealthyThreshold"] = "2",
            ["CloudMap:Health:ReassertInterval"] = "00:00:10",
            ["CloudMap:Shutdown:DrainDelay"] = DrainDelay.ToString(),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(Logs);

        builder.Services.AddSingleton<TimeProvider>(Time);
        builder.Services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("integration", "integration"));

        // Attempt timeouts would arm timers on the fake clock; the emulator answers at once anyway.
        builder.Services.Configure<CloudMapClientOptions>(o => o.AttemptTimeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddHealthChecks().AddCheck("flag", Readiness, failureStatus: null, tags: ["ready"]);
        builder.AddCloudMapRegistration();

        App = builder.Build();
        App.MapGet("/ping", () => "pong");
    }
}
