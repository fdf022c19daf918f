// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Runtime;
using CloudMap.Lifecycle.ServiceDiscovery.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ServiceDiscovery;

namespace CloudMap.Lifecycle.ServiceDiscovery.Tests;

/// <summary>
/// The provider in a container with <c>AddServiceDiscoveryCore()</c>, against an in-process emulator on a fake clock.
/// Parked = the resolver's cleanup timer plus the watch's poll delay (two armed timers).
/// </summary>
internal sealed class DiscoveryHarness : IAsyncDisposable
{
    public const string Namespace = "shop.local";
    public const string Service = "orders";

    /// <summary>The resolver's 10 s cleanup timer and one watch's delay.</summary>
    public const int ParkedTimers = 2;

    private DiscoveryHarness(TimerCountingFakeTimeProvider clock, CloudMapEmulator emulator, string serviceId, ServiceProvider services, AwaitableFakeLogs logs)
    {
        Clock = clock;
        Emulator = emulator;
        ServiceId = serviceId;
        Services = services;
        Logs = logs;
    }

    public TimerCountingFakeTimeProvider Clock { get; }

    public CloudMapEmulator Emulator { get; }

    public string ServiceId { get; }

    public ServiceProvider Services { get; }

    public AwaitableFakeLogs Logs { get; }

    public ServiceEndpointResolver Resolver => Services.GetRequiredService<ServiceEndpointResolver>();

    public CloudMapServiceWatchRegistry Registry => Services.GetRequiredService<CloudMapServiceWatchRegistry>();

    public static async Task<DiscoveryHarness> StartAsync(
        Action<CloudMapServiceEndpointProviderOptions>? configure = null,
        EmulatedHealthCheck healthCheck = EmulatedHealthCheck.Custom,
        bool createNamespace = true,
        bool scheduledOperations = false)
    {
        var clock = new TimerCountingFakeTimeProvider();

        // scheduledOperations: API registrations are listed only after their operation's 250 + 750 ms on the fake clock.
        var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { TimeProvider = clock, CompleteOperationsImmediately = scheduledOperations ? false : null });
        var serviceId = createNamespace ? emulator.CreateService(emulator.CreateHttpNamespace(Namespace), Service, healthCheck) : "";
        var logs = new AwaitableFakeLogs(FakeLogCollector.Create(new FakeLogCollectorOptions { TimeProvider = clock }));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        AddEmulatorClient(services, emulator);
        services.AddServiceDiscoveryCore().AddCloudMapServiceEndpointProvider(o =>
        {
            o.DefaultNamespace = Namespace;
            configure?.Invoke(o);
        });
        return new DiscoveryHarness(clock, emulator, serviceId, services.BuildServiceProvider(), logs);
    }

    /// <summary>The Cloud Map client pointed at the emulator: dummy credentials, one attempt (the provider's own backoff is what is tested), no attempt timeout (a timer on the test's clock).</summary>
    public static void AddEmulatorClient(IServiceCollection services, CloudMapEmulator emulator, bool singleAttempt = true)
    {
        services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("cloudmap-emulator", "cloudmap-emulator"));
        services.Configure<CloudMapClientOptions>(o =>
        {
            o.ServiceUrl = emulator.Endpoint;
            o.Region = emulator.Region;
            o.DisableHostPrefixInjection = true;
            o.AttemptTimeout = Timeout.InfiniteTimeSpan;
            if (singleAttempt)
            {
                o.MaxAttempts = 1;
            }
        });
    }

    public static Dictionary<string, string> Attributes(int port, params (string Key, string Value)[] extra)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_INSTANCE_IPV4"] = "127.0.0.1",
            ["AWS_INSTANCE_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extra)
        {
            attributes[key] = value;
        }

        return attributes;
    }

    public void Register(string instanceId, int port, params (string Key, string Value)[] extra) =>
        Emulator.RegisterInstance(ServiceId, instanceId, Attributes(port, extra));

    public async Task<ServiceEndpointSource> ResolveSourceAsync(string name = "http://orders") =>
        await Resolver.GetEndpointsAsync(name, TestContext.Current.CancellationToken);

    public async Task<string[]> ResolveAsync(string name = "http://orders") =>
        [.. (await ResolveSourceAsync(name)).Endpoints.Select(e => e.ToString()!).Order(StringComparer.Ordinal)];

    /// <summary>Waits until the watch is parked on its delay, moves the clock by <paramref name="by"/>, and waits until it is parked again (the poll is done).</summary>
    public async Task StepAsync(TimeSpan by, int timers = ParkedTimers)
    {
        var ct = TestContext.Current.CancellationToken;
        await Clock.WaitForTimersAsync(timers, ct).WaitAsync(FakeClockDriver.DefaultGuard, ct);
        Clock.Advance(by);
        try
        {
            await Clock.WaitForTimersAsync(timers, ct).WaitAsync(FakeClockDriver.DefaultGuard, ct);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"Not parked again on {timers} timers ({Clock.ArmedTimerCount} armed). Logs:\n{Logs}", e);
        }
    }

    /// <summary>Steps <paramref name="by"/> <paramref name="times"/> times, resolving after each step (a client in use keeps its watcher).</summary>
    public async Task StepAndResolveAsync(TimeSpan by, int times, string name = "http://orders")
    {
        for (var i = 0; i < times; i++)
        {
            await StepAsync(by);
            await ResolveAsync(name);
        }
    }

    public long Calls(string operation) => Emulator.GetCallCount(operation);

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Emulator.DisposeAsync();
        Logs.Dispose();
    }
}
