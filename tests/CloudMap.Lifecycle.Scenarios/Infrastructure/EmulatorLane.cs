// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Scenarios.Load;
using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>
/// One emulator on loopback with the namespace and service the sample expects, plus a discovering client. Each
/// mode (and each repetition) gets its own, so call counts and instance lists never mix.
/// </summary>
internal sealed class EmulatorLane : IAsyncDisposable
{
    public const string NamespaceName = "demo.local";
    public const string ServiceName = "sample";

    private readonly ServiceProvider clientServices;

    private EmulatorLane(CloudMapEmulator emulator, string serviceId, ServiceProvider clientServices)
    {
        Emulator = emulator;
        ServiceId = serviceId;
        this.clientServices = clientServices;
        Client = clientServices.GetRequiredService<ICloudMapClient>();
        Discovery = new CloudMapInstanceDiscovery(clientServices.GetRequiredService<ICloudMapDiscoveryClient>(), NamespaceName, ServiceName);
    }

    public CloudMapEmulator Emulator { get; }

    public string ServiceId { get; }

    public ICloudMapClient Client { get; }

    public IInstanceDiscovery Discovery { get; }

    /// <param name="operationDuration">How long an operation stays SUBMITTED and then PENDING (each); the emulator's defaults (250 + 750 ms) when <see langword="null"/>.</param>
    /// <param name="healthCheck">The service's kind of health check (custom unless stated).</param>
    /// <param name="requestLogCapacity">How many requests the emulator's request log keeps (the oldest go first).</param>
    public static async Task<EmulatorLane> StartAsync(TimeSpan healthChangeDelay, int seed, CancellationToken cancellationToken, TimeProvider? timeProvider = null, TimeSpan? operationDuration = null, EmulatedHealthCheck healthCheck = EmulatedHealthCheck.Custom, int requestLogCapacity = 1000)
    {
        var options = new CloudMapEmulatorOptions
        {
            HealthChangeDelay = healthChangeDelay,
            RandomSeed = seed,
            TimeProvider = timeProvider ?? TimeProvider.System,
            RequestLogCapacity = requestLogCapacity,
        };
        if (operationDuration is { } duration)
        {
            options.OperationSubmittedDuration = duration;
            options.OperationPendingDuration = duration;
        }

        var emulator = await CloudMapEmulator.StartAsync(options, cancellationToken).ConfigureAwait(false);
        var namespaceId = emulator.CreateHttpNamespace(NamespaceName);
        var serviceId = emulator.CreateService(namespaceId, ServiceName, healthCheck);
        return new EmulatorLane(emulator, serviceId, ClientFactory.Create(emulator.Endpoint));
    }

    /// <summary>The instance ids DiscoverInstances (HEALTHY) returns right now, as a client sees them.</summary>
    public async Task<HashSet<string>> DiscoverIdsAsync(CancellationToken cancellationToken)
    {
        var (endpoints, _) = await Discovery.DiscoverAsync(cancellationToken).ConfigureAwait(false);
        return [.. endpoints.Select(e => e.InstanceId)];
    }

    /// <summary>Instances still registered (whatever their health): after every process stopped, these are zombies.</summary>
    public int RegisteredCount() => Emulator.GetInstances(ServiceId).Count;

    public async ValueTask DisposeAsync()
    {
        await clientServices.DisposeAsync().ConfigureAwait(false);
        await Emulator.DisposeAsync().ConfigureAwait(false);
    }
}
