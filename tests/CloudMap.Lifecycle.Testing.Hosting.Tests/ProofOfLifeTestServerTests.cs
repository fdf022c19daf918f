// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.TestInfrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CloudMap.Lifecycle.Testing.Hosting.Tests;

/// <summary>
/// Under TestServer (the sample through <see cref="WebApplicationFactory{TEntryPoint}"/>) no peer can reach the app,
/// so its registration never advertises proof of life (crash cleanup, issue 11).
/// </summary>
public sealed class ProofOfLifeTestServerTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Register_UnderTestServer_NoAdvert()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { CompleteOperationsImmediately = true }, Token);
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("shop.local"), "orders", EmulatedHealthCheck.Custom);
        var logs = new AwaitableFakeLogs();
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseCloudMapEmulator(emulator, serviceId)
            .UseSetting("CloudMap:InstanceId", "orders-1")

            // The port TestServer reports as its address (the sample's default URL), although nothing listens there.
            .UseSetting("CloudMap:Port", "5080")
            .UseSetting("Sample:WarmupSeconds", "0")
            .UseSetting("CloudMap:Shutdown:DrainDelay", "00:00:00")
            .ConfigureLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Debug)));

        using var client = factory.CreateClient();
        var state = factory.Services.GetRequiredService<ICloudMapRegistrationState>();
        await emulator.WaitUntilAsync(() => state.Phase == CloudMapRegistrationPhase.Registered, cancellationToken: Token);

        var instance = emulator.FindInstance(serviceId, "orders-1")!;
        Assert.True(instance.Attributes.ContainsKey("CLOUDMAP_LIFECYCLE_OWNER"));
        Assert.False(instance.Attributes.ContainsKey("CLOUDMAP_LIFECYCLE_PROOF"));
        var notAdvertised = Assert.Single(logs.Collector.GetSnapshot(), r => r.Id.Name == "ProofOfLifeNotAdvertised");
        Assert.Contains("TestServer", notAdvertised.Message, StringComparison.Ordinal);
    }
}
