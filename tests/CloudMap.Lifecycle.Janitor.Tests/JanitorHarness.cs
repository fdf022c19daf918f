// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Platform;
using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Janitor.Tests;

/// <summary>
/// The janitor as a user runs it (its command line, exit code, log), in process, against a loopback emulator that
/// plays Cloud Map, ECS and EC2 on a fake clock. The janitor's own waits (the confirm delay, the interval) run on the
/// same fake clock; its AWS calls keep the system clock for their attempt timeouts and retries, so a step of the fake
/// clock never lands inside a call.
/// </summary>
internal sealed class JanitorHarness : IAsyncDisposable
{
    public const string Cluster = "prod";

    private JanitorHarness(CloudMapEmulator emulator, TimerCountingFakeTimeProvider clock, string namespaceId)
    {
        Emulator = emulator;
        Clock = clock;
        NamespaceId = namespaceId;
    }

    public CloudMapEmulator Emulator { get; }

    public TimerCountingFakeTimeProvider Clock { get; }

    public string NamespaceId { get; }

    public AwaitableFakeLogs Logs { get; } = new();

    public StringWriter Stderr { get; } = new();

    public StringWriter Stdout { get; } = new();

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public static async Task<JanitorHarness> StartAsync()
    {
        var clock = new TimerCountingFakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { TimeProvider = clock }, TestContext.Current.CancellationToken);
        var harness = new JanitorHarness(emulator, clock, emulator.CreateHttpNamespace("example"));
        harness.Environment["AWS_REGION"] = emulator.Region;
        harness.Environment["AWS_ENDPOINT_URL"] = emulator.Endpoint.ToString();
        harness.Environment["AWS_ACCESS_KEY_ID"] = "AKIDJANITORTEST";
        harness.Environment["AWS_SECRET_ACCESS_KEY"] = "janitor-test-secret";
        harness.Environment["AWS_CONFIG_FILE"] = "/nonexistent/janitor-tests/config";
        harness.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/janitor-tests/credentials";
        return harness;
    }

    public string CreateService(string name, EmulatedHealthCheck healthCheck = EmulatedHealthCheck.Custom) => Emulator.CreateService(NamespaceId, name, healthCheck);

    /// <summary>A task registered by this library: its ARN and cluster as attributes.</summary>
    public EmulatedTask RegisterLibraryTask(string serviceId)
    {
        var task = Emulator.StartTask(Cluster, "orders");
        Emulator.RegisterInstance(serviceId, "orders-" + task.TaskId[..8], new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_INSTANCE_IPV4"] = task.PrivateIPv4Address,
            ["AWS_INSTANCE_PORT"] = "8080",
            [PlatformIdentity.EcsTaskArnKey] = task.TaskArn,
            [PlatformIdentity.EcsClusterNameKey] = Cluster,
            [PlatformIdentity.RegionKey] = Emulator.Region,
        });
        return task;
    }

    /// <summary>A task registered by ECS service discovery / Service Connect: instance id = task id; the cluster attribute only when asked.</summary>
    public EmulatedTask RegisterEcsTask(string serviceId, bool withClusterAttribute = true)
    {
        var task = Emulator.StartTask(Cluster, "orders");
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_INSTANCE_IPV4"] = task.PrivateIPv4Address,
            ["AWS_INSTANCE_PORT"] = "8080",
            [PlatformIdentity.AvailabilityZoneKey] = task.AvailabilityZone,
            [PlatformIdentity.RegionKey] = Emulator.Region,
        };
        if (withClusterAttribute)
        {
            attributes[PlatformIdentity.EcsClusterNameKey] = Cluster;
        }

        Emulator.RegisterInstance(serviceId, task.TaskId, attributes);
        return task;
    }

    /// <summary>Registers <paramref name="count"/> tasks as ECS does (<see cref="RegisterEcsTask"/>); returns the first.</summary>
    public EmulatedTask RegisterEcsTasks(string serviceId, int count, bool withClusterAttribute = true)
    {
        var first = RegisterEcsTask(serviceId, withClusterAttribute);
        for (var i = 1; i < count; i++)
        {
            RegisterEcsTask(serviceId, withClusterAttribute);
        }

        return first;
    }

    /// <summary>Three tasks registered as ECS does, the first one crashed (STOPPED at once); returns it.</summary>
    public EmulatedTask RegisterOneStoppedOfThree(string serviceId, bool withClusterAttribute = true)
    {
        var dead = RegisterEcsTasks(serviceId, 3, withClusterAttribute);
        Emulator.StopTask(dead.TaskId, "EssentialContainerExited", TimeSpan.Zero);
        return dead;
    }

    /// <summary>An instance registered by an EC2 script: instance id = EC2 instance id, its address.</summary>
    public void RegisterEc2(string serviceId, string instanceId, string address) =>
        Emulator.RegisterInstance(serviceId, instanceId, new Dictionary<string, string>(StringComparer.Ordinal) { ["AWS_INSTANCE_IPV4"] = address });

    public bool IsRegistered(string serviceId, string instanceId) => Emulator.FindInstance(serviceId, instanceId) is not null;

    /// <summary>Runs <c>cloudmap-janitor</c> with <paramref name="args"/> until it ends (or the test is cancelled).</summary>
    public Task<int> RunAsync(string[] args) => JanitorProgram.RunAsync(args, Runtime(), TestContext.Current.CancellationToken);

    /// <summary>Runs <c>cloudmap-janitor</c> with <paramref name="args"/>; <paramref name="stop"/> is its SIGTERM.</summary>
    public Task<int> RunStoppableAsync(string[] args, CancellationToken stop) => JanitorProgram.RunAsync(args, Runtime(), stop);

    public Task<int> RunOnceAsync(params string[] args) => RunAsync(["--once", "--confirm-delay", "0s", .. args]);

    public JanitorRuntime Runtime() => new()
    {
        Stdout = Stdout,
        Stderr = Stderr,
        GetEnvironmentVariable = name => Environment.GetValueOrDefault(name),
        Time = Clock,
        ConfigureServices = services => services.AddLogging(b => b.ClearProviders().AddProvider(Logs)),
    };

    public IReadOnlyList<string> Messages(string eventName) => [.. Logs.Collector.GetEvents(eventName).Select(r => r.Message)];

    public async ValueTask DisposeAsync()
    {
        Logs.Dispose();
        Stdout.Dispose();
        Stderr.Dispose();
        await Emulator.DisposeAsync();
    }
}
