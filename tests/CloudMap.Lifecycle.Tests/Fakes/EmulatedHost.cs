// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Runtime;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace CloudMap.Lifecycle.Tests.Fakes;

/// <summary>
/// A generic host (no web server) running the library with its real client and call pipeline against an in-process
/// emulator on loopback, on a fake clock. The emulator has its own clock unless <c>shareClock</c> is set: then an
/// operation's SUBMITTED/PENDING time passes as the test moves the app's clock; otherwise injected latency never ends
/// by itself (only the client giving up ends it).
/// </summary>
internal sealed class EmulatedHost : IAsyncDisposable
{
    public const string InstanceId = "stop-1";

    private EmulatedHost(CloudMapEmulator emulator, string serviceId, TimerCountingFakeTimeProvider time, AwaitableFakeLogs logs, IHost host)
    {
        Emulator = emulator;
        ServiceId = serviceId;
        Time = time;
        Logs = logs;
        Host = host;
    }

    public CloudMapEmulator Emulator { get; }

    public string ServiceId { get; }

    /// <summary>Gets the app's clock (and the emulator's, when shared).</summary>
    public TimerCountingFakeTimeProvider Time { get; }

    public AwaitableFakeLogs Logs { get; }

    public IHost Host { get; }

    public ICloudMapRegistrationState State => Host.Services.GetRequiredService<ICloudMapRegistrationState>();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Starts the emulator and builds the host (not started).</summary>
    public static async Task<EmulatedHost> CreateAsync(bool shareClock = false, Action<IServiceCollection>? configureServices = null, params (string Key, string? Value)[] settings)
    {
        var time = new TimerCountingFakeTimeProvider();
        var emulator = await CloudMapEmulator.StartAsync(
            new CloudMapEmulatorOptions
            {
                TimeProvider = shareClock ? time : new TimerCountingFakeTimeProvider(),
                OperationSubmittedDuration = TimeSpan.Zero,
                OperationPendingDuration = TimeSpan.Zero,
                HealthChangeDelay = TimeSpan.Zero,
                RandomSeed = 1,
            },
            Ct);
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("stop.local"), "orders", EmulatedHealthCheck.Custom);
        var logs = new AwaitableFakeLogs(FakeLogCollector.Create(new FakeLogCollectorOptions { TimeProvider = time }));

        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        var configuration = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["AWS:ServiceURL"] = emulator.Endpoint.ToString(),
            ["AWS:Region"] = emulator.Region,
            ["CloudMap:ServiceId"] = serviceId,
            ["CloudMap:InstanceId"] = InstanceId,
            ["CloudMap:Address"] = "127.0.0.1",
            ["CloudMap:Port"] = "8080",
            ["CloudMap:Readiness:ConsecutiveSuccesses"] = "1",
        };
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("stop", "stop"));
        builder.AddCloudMapRegistration();
        builder.Services.AddHttpClient(CloudMap.Lifecycle.Client.HttpCloudMapClient.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });
        configureServices?.Invoke(builder.Services);
        var host = new EmulatedHost(emulator, serviceId, time, logs, builder.Build());

        // Record exit codes instead of setting the test process's own.
        host.Host.Services.GetRequiredService<Internal.CloudMapRegistrationService>().SetExitCode = code =>
        {
            host.ExitCodes.Add(code);
            return true;
        };
        return host;
    }

    /// <summary>Gets the exit codes the library reported.</summary>
    public List<int> ExitCodes { get; } = [];

    /// <summary>Starts the host and waits until the library logged the registration (no timer is due before it).</summary>
    public async Task StartRegisteredAsync()
    {
        await Host.StartAsync(Ct).WaitAsync(FakeClockDriver.DefaultGuard, Ct);
        await Logs.WaitForEventAsync("Registered", cancellationToken: Ct);
    }

    /// <summary>When the one record named <paramref name="eventName"/> was logged, on the fake clock.</summary>
    public DateTimeOffset LoggedAt(string eventName) => Assert.Single(Logs.Collector.GetEvents(eventName)).Timestamp;

    public async ValueTask DisposeAsync()
    {
        try
        {
            Host.Dispose();
        }
        finally
        {
            await Emulator.DisposeAsync();
            Logs.Dispose();
        }
    }
}
