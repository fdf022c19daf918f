// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.AspNetCore.Mvc.Testing;

namespace CloudMap.Lifecycle.Testing.Hosting.Tests;

/// <summary>
/// The sample through the real <see cref="WebApplicationFactory{TEntryPoint}"/> (TestServer, the sample's own
/// <c>Program</c>), pointed at an emulator with one call: what a user's first test of their own app looks like.
/// </summary>
public sealed class SampleFactoryTests
{
    private const string InstanceId = "orders-1";

    private static readonly TimeSpan Step = TimeSpan.FromSeconds(1);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task UseCloudMapEmulator_TestServer_RegistersThePlaceholderAddressAndNoEmbeddedEmulator()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { CompleteOperationsImmediately = true }, Token);
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("shop.local"), "orders", EmulatedHealthCheck.Custom);
        var logs = new AwaitableFakeLogs();
        await using var factory = CreateFactory(emulator, serviceId, logs);

        using var client = factory.CreateClient();
        var state = factory.Services.GetRequiredService<ICloudMapRegistrationState>();
        await emulator.WaitUntilAsync(() => state.Phase == CloudMapRegistrationPhase.Registered, cancellationToken: Token);

        var instance = emulator.FindInstance(serviceId, InstanceId)!;
        Assert.Equal("127.0.0.1", instance.Attributes["AWS_INSTANCE_IPV4"]);
        Assert.Equal("80", instance.Attributes["AWS_INSTANCE_PORT"]);
        Assert.Equal("HEALTHY", instance.HealthStatus);
        Assert.Equal(1, emulator.GetCallCount("RegisterInstance"));
        Assert.Equal(InstanceId, await client.GetStringAsync(new Uri("/", UriKind.Relative), Token));

        // Sample:EmbeddedEmulator is auto: AWS:ServiceURL set by the helper turns it off before Build().
        Assert.Contains(logs.Collector.GetSnapshot(), r => r.Id.Name == "ConfiguredCloudMap" && r.Message.Contains(emulator.Endpoint.ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Collector.GetSnapshot(), r => r.Id.Name == "EmbeddedEmulator");
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task Dispose_FactoryStopsTheHostTwice_DeregistersOnce()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { CompleteOperationsImmediately = true }, Token);
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("shop.local"), "orders", EmulatedHealthCheck.Custom);
        var logs = new AwaitableFakeLogs();
        var factory = CreateFactory(emulator, serviceId, logs);
        _ = factory.Server;
        var state = factory.Services.GetRequiredService<ICloudMapRegistrationState>();
        await emulator.WaitUntilAsync(() => state.Phase == CloudMapRegistrationPhase.Registered, cancellationToken: Token);

        await factory.DisposeAsync();

        Assert.Null(emulator.FindInstance(serviceId, InstanceId));
        Assert.Equal(1, emulator.GetCallCount("DeregisterInstance"));
        Assert.Equal(1, logs.CountEvents("Deregistering"));
        Assert.Equal(CloudMapRegistrationPhase.Stopped, state.Phase);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task Dispose_FakeClock_NothingOutlivesTheHost()
    {
        var clock = new TimerCountingFakeTimeProvider();
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { TimeProvider = clock }, Token);
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("shop.local"), "orders", EmulatedHealthCheck.Custom);
        var logs = new AwaitableFakeLogs();
        var factory = CreateFactory(emulator, serviceId, logs, web => web.ConfigureServices(s => s.AddSingleton<TimeProvider>(clock)));
        _ = factory.Server;
        var state = factory.Services.GetRequiredService<ICloudMapRegistrationState>();
        await clock.AdvanceUntilAsync(() => state.Phase == CloudMapRegistrationPhase.Registered, Step, cancellationToken: Token);

        // No drain delay and operations complete at once: the factory's two stops need no clock.
        await factory.DisposeAsync();
        var callsAtDispose = emulator.TotalCallCount;

        // Nothing waits on the clock any more (a retry, a health interval), and an hour later nothing has called.
        Assert.Equal(0, clock.ArmedTimerCount);
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(callsAtDispose, emulator.TotalCallCount);
        Assert.Equal(1, emulator.GetCallCount("GetInstance"));
        Assert.Equal(1, emulator.GetCallCount("DeregisterInstance"));
        Assert.Null(emulator.FindInstance(serviceId, InstanceId));
        Assert.Equal(1, logs.CountEvents("Deregistering"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task UseCloudMapEmulator_FakeClock_RegistersHealthyAfterTwoReadinessPolls()
    {
        var clock = new TimerCountingFakeTimeProvider();
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { TimeProvider = clock }, Token);
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("shop.local"), "orders", EmulatedHealthCheck.Custom);
        var logs = new AwaitableFakeLogs();
        await using var factory = CreateFactory(emulator, serviceId, logs, web => web.ConfigureServices(s => s.AddSingleton<TimeProvider>(clock)));
        _ = factory.Server;
        var state = factory.Services.GetRequiredService<ICloudMapRegistrationState>();

        var steps = await clock.AdvanceUntilAsync(() => state.Phase == CloudMapRegistrationPhase.Registered, Step, cancellationToken: Token);

        // The sample polls readiness every second and needs two passes in a row: one step of the clock between them.
        Assert.Equal(1, steps);
        Assert.Equal("HEALTHY", emulator.FindInstance(serviceId, InstanceId)!.HealthStatus);
        Assert.Equal(1, emulator.GetCallCount("RegisterInstance"));
    }

    private static WebApplicationFactory<Program> CreateFactory(CloudMapEmulator emulator, string serviceId, AwaitableFakeLogs logs, Action<IWebHostBuilder>? configure = null) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseCloudMapEmulator(emulator, serviceId)
                .UseSetting("CloudMap:InstanceId", InstanceId)
                .UseSetting("Sample:WarmupSeconds", "0")
                .UseSetting("CloudMap:Shutdown:DrainDelay", "00:00:00")
                .ConfigureLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
            configure?.Invoke(web);
        });
}
