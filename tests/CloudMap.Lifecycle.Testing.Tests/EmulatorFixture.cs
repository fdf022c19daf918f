// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Testing.Tests;

/// <summary>One emulator on a fake clock, with an HTTP namespace and one service of each health kind.</summary>
internal sealed class EmulatorFixture : IAsyncDisposable
{
    private EmulatorFixture(CloudMapEmulator emulator, TimerCountingFakeTimeProvider clock)
    {
        Emulator = emulator;
        Clock = clock;
        Client = new AwsJsonClient(emulator.Endpoint);
        NamespaceId = emulator.CreateHttpNamespace("example");
        CustomServiceId = emulator.CreateService(NamespaceId, "custom", EmulatedHealthCheck.Custom);
        NoHealthServiceId = emulator.CreateService(NamespaceId, "nohealth", EmulatedHealthCheck.None);
        Route53ServiceId = emulator.CreateService(NamespaceId, "route53", EmulatedHealthCheck.Route53);
    }

    public CloudMapEmulator Emulator { get; }

    public TimerCountingFakeTimeProvider Clock { get; }

    public AwsJsonClient Client { get; }

    public string NamespaceId { get; }

    public string CustomServiceId { get; }

    public string NoHealthServiceId { get; }

    public string Route53ServiceId { get; }

    /// <summary>Time until an operation started now completes with the default schedule.</summary>
    public TimeSpan OperationTime => Emulator.OperationSubmittedDuration + Emulator.OperationPendingDuration;

    public static async Task<EmulatorFixture> StartAsync(Action<CloudMapEmulatorOptions>? configure = null)
    {
        var clock = new TimerCountingFakeTimeProvider();
        var options = new CloudMapEmulatorOptions { TimeProvider = clock, RandomSeed = 42, CompleteOperationsImmediately = false };
        configure?.Invoke(options);
        var emulator = await CloudMapEmulator.StartAsync(options, TestContext.Current.CancellationToken);
        return new EmulatorFixture(emulator, clock);
    }

    /// <summary>Registers through the API and moves the clock until the operation has completed.</summary>
    public async Task<string> RegisterCompletedAsync(string serviceId, string instanceId, System.Text.Json.Nodes.JsonObject? attributes = null)
    {
        var op = await Client.RegisterAsync(serviceId, instanceId, attributes);
        Clock.Advance(OperationTime);
        Assert.Equal("SUCCESS", await Client.OperationStatusAsync(op));
        return op;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Emulator.DisposeAsync();
    }
}
