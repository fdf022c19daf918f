// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;
using Amazon.Runtime;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests.Ownership;

/// <summary>
/// One <see cref="CloudMapRegistrationService"/> ("process A") over the real HTTP client and a loopback emulator, driven
/// step by step on a fake clock: <see cref="CycleAsync"/> is one turn of the health loop (the interval passes, then one
/// cycle runs). The test plays every other actor through the emulator's admin methods: process B registering the same
/// instance id with its own owner token, a person or cleaner removing the entry.
/// </summary>
internal sealed class EmulatorRegistrationHarness : IAsyncDisposable
{
    public const string NamespaceName = "owner.local";
    public const string ServiceName = "orders";
    public const string InstanceId = "orders-1";
    public const string OwnerB = "process-b-owner-token";

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>Control-plane operations; steady state must call none of them.</summary>
    public static readonly string[] ControlPlaneOperations =
    [
        "RegisterInstance", "DeregisterInstance", "UpdateInstanceCustomHealthStatus", "GetOperation", "GetService",
        "GetInstance", "ListInstances", "GetInstancesHealthStatus", "ListNamespaces", "ListServices",
    ];

    private readonly ServiceProvider _clientServices;
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();

    private EmulatorRegistrationHarness(CloudMapEmulator emulator, string serviceId, bool withDiscovery, Action<CloudMapRegistrationOptions>? configure, Func<ICloudMapClient, ICloudMapClient>? wrapClient)
    {
        Emulator = emulator;
        ServiceId = serviceId;
        var services = new ServiceCollection();
        services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("AKIDOWNERTESTS", "owner-tests-secret"));
        services.TryAddCloudMapDiscoveryClient();
        services.Configure<CloudMapClientOptions>(o =>
        {
            o.ServiceUrl = emulator.Endpoint;
            o.Region = emulator.Region;

            // Both planes on one loopback port: data-127.0.0.1 would be looked up in DNS.
            o.DisableHostPrefixInjection = true;
            o.MaxAttempts = 1;
        });
        _clientServices = services.BuildServiceProvider();

        var options = new CloudMapRegistrationOptions
        {
            ServiceId = serviceId,
            InstanceId = InstanceId,
            Port = 8080,
            Address = "127.0.0.1",
        };
        options.Health.Interval = Interval;
        options.Health.UnhealthyThreshold = 1;
        options.Health.HealthyThreshold = 1;
        configure?.Invoke(options);
        Options = options;

        var marker = new CloudMapRegistrationMarker(Microsoft.Extensions.Options.Options.DefaultName, null);
        var states = new CloudMapRegistrationStateProvider([marker]);
        Logs = new AwaitableFakeLogs(FakeLogCollector.Create(new FakeLogCollectorOptions { TimeProvider = Time }));
        var client = _clientServices.GetRequiredService<ICloudMapClient>();
        if (wrapClient is not null)
        {
            client = wrapClient(client);
        }

        Service = new CloudMapRegistrationService(
            marker,
            new FixedOptionsMonitor(options),
            client,
            Health,
            new TestLifetime(),
            new FakeServerAddresses(),
            new FakeIdentityResolver(),
            states,
            new LifecycleTelemetry(_metrics.GetRequiredService<IMeterFactory>(), states),
            Time,
            Microsoft.Extensions.Options.Options.Create(new HostOptions()),
            Logs.CreateLogger<CloudMapRegistrationService>());
        // The service takes the data plane from its client (the HTTP transport serves both); the harness says which.
        Service.DiscoveryClient = withDiscovery ? _clientServices.GetRequiredService<ICloudMapDiscoveryClient>() : null;
    }

    public CloudMapEmulator Emulator { get; }

    public string ServiceId { get; }

    /// <summary>Process A's clock (health interval, visibility grace).</summary>
    public TimerCountingFakeTimeProvider Time { get; } = new();

    public FakeHealthCheckService Health { get; } = new();

    public AwaitableFakeLogs Logs { get; }

    public CloudMapRegistrationOptions Options { get; }

    public CloudMapRegistrationService Service { get; }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public static async Task<EmulatorRegistrationHarness> StartAsync(
        EmulatedHealthCheck healthCheck = EmulatedHealthCheck.Custom,
        bool withDiscovery = true,
        Action<CloudMapRegistrationOptions>? configure = null,
        Func<ICloudMapClient, ICloudMapClient>? wrapClient = null)
    {
        var emulator = await CloudMapEmulator.StartAsync(
            new CloudMapEmulatorOptions
            {
                TimeProvider = new TimerCountingFakeTimeProvider(),
                OperationSubmittedDuration = TimeSpan.Zero,
                OperationPendingDuration = TimeSpan.Zero,
                HealthChangeDelay = TimeSpan.Zero,
                RandomSeed = 1,
            },
            Token);
        var namespaceId = emulator.CreateHttpNamespace(NamespaceName);
        var serviceId = emulator.CreateService(namespaceId, ServiceName, healthCheck);
        return new EmulatorRegistrationHarness(emulator, serviceId, withDiscovery, configure, wrapClient);
    }

    /// <summary>Resolves and registers (the state right after a successful start), then lets the visibility grace pass
    /// in whole intervals so that an InstanceNotFound means "gone".</summary>
    public async Task RegisteredAndSettledAsync()
    {
        Assert.NotNull(await Service.ResolveTargetAsync(Token));
        await Service.RegisterAsync(CloudMapHealthStatus.Healthy, Token);
        while (Time.GetUtcNow() - Time.Start < RegistrationLedger.VisibilityGracePeriod + Interval)
        {
            await CycleAsync();
        }
    }

    /// <summary>One turn of the health loop: the interval passes, then one cycle runs.</summary>
    public async Task CycleAsync()
    {
        Time.Advance(Interval);
        await Service.RunHealthCycleAsync(Token);
    }

    /// <summary>Process B registers the same instance id, with its own owner token and address (a takeover).</summary>
    public void ProcessBTakesOver() => Emulator.RegisterInstance(ServiceId, InstanceId, new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [RegistrationAttributes.Ipv4Key] = "127.0.0.2",
        [RegistrationAttributes.PortKey] = "8080",
        [RegistrationAttributes.OwnerKey] = OwnerB,
    });

    /// <summary>The owner token on the entry now in the emulator, or null when there is none.</summary>
    public string? CurrentOwner() =>
        Emulator.FindInstance(ServiceId, InstanceId) is { } instance && instance.Attributes.TryGetValue(RegistrationAttributes.OwnerKey, out var owner) ? owner : null;

    public long ControlPlaneCalls() => ControlPlaneOperations.Sum(Emulator.GetCallCount);

    public async ValueTask DisposeAsync()
    {
        Service.Dispose();
        await _clientServices.DisposeAsync();
        await _metrics.DisposeAsync();
        await Emulator.DisposeAsync();
    }

    private sealed class FixedOptionsMonitor(CloudMapRegistrationOptions options) : IOptionsMonitor<CloudMapRegistrationOptions>
    {
        public CloudMapRegistrationOptions CurrentValue => options;

        public CloudMapRegistrationOptions Get(string? name) => options;

        public IDisposable? OnChange(Action<CloudMapRegistrationOptions, string?> listener) => null;
    }
}
