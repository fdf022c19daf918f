// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Identity;
using CloudMap.Lifecycle.Internal;
using System.Diagnostics.Metrics;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests.Fakes;

/// <summary>Builds a <see cref="CloudMapRegistrationService"/> directly over fakes, for step-level tests.</summary>
internal sealed class ServiceHarness : IDisposable
{
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private CloudMapRegistrationService? _service;

    public ServiceHarness(Action<CloudMapRegistrationOptions>? configure = null)
    {
        Options.ServiceId = FakeCloudMapClient.CustomServiceId;
        Options.InstanceId = "i-test";
        Options.Port = 8080;
        configure?.Invoke(Options);

        // Records are stamped with the fake clock, so a test can compare when two steps happened.
        Logs = new AwaitableFakeLogs(FakeLogCollector.Create(new FakeLogCollectorOptions { TimeProvider = Time }));
    }

    public TimerCountingFakeTimeProvider Time { get; } = new();

    public IMeterFactory MeterFactory => _metrics.GetRequiredService<IMeterFactory>();

    public FakeCloudMapClient Client { get; } = new();

    public FakeHealthCheckService Health { get; } = new();

    public TestLifetime Lifetime { get; } = new();

    public FakeServerAddresses Server { get; } = new();

    public FakeIdentityResolver Identity { get; } = new();

    public AwaitableFakeLogs Logs { get; }

    public CloudMapRegistrationOptions Options { get; } = new();

    public HostOptions HostOptions { get; } = new();

    public CloudMapRegistrationStateProvider States { get; } = new([new CloudMapRegistrationMarker(Microsoft.Extensions.Options.Options.DefaultName, null)]);

    public CloudMapRegistrationService Service => _service ??= new CloudMapRegistrationService(
        new CloudMapRegistrationMarker(Microsoft.Extensions.Options.Options.DefaultName, null),
        new StaticOptionsMonitor(Options),
        Client,
        Health,
        Lifetime,
        Server,
        Identity,
        States,
        new LifecycleTelemetry(_metrics.GetRequiredService<IMeterFactory>(), States),
        Time,
        Microsoft.Extensions.Options.Options.Create(HostOptions),
        Logs.CreateLogger<CloudMapRegistrationService>());

    public ICloudMapRegistrationState State => Service.State;

    /// <summary>Runs the host's start contract (starting, start, started) and fires <c>ApplicationStarted</c>: the background work begins.</summary>
    public async Task StartHostAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await Service.StartingAsync(ct);
        await Service.StartAsync(ct);
        await Service.StartedAsync(ct);
        Lifetime.FireStarted();
    }

    /// <summary>Resolves the target and registers (the state right after a successful start), without the loop.</summary>
    public async Task<CloudMapRegistrationService> RegisteredAsync()
    {
        var target = await Service.ResolveTargetAsync(TestContext.Current.CancellationToken);
        Assert.NotNull(target);
        await Service.RegisterAsync(CloudMapHealthStatus.Healthy, TestContext.Current.CancellationToken);
        return Service;
    }

    /// <summary>Advances the fake clock by <paramref name="step"/> once the code under test has armed a timer, until <paramref name="task"/> completes.</summary>
    public async Task DriveUntilAsync(Task task, TimeSpan step, int maxSteps = 1000)
    {
        for (var i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            var armed = Time.WaitForTimersAsync(1, TestContext.Current.CancellationToken);
            var finished = await Task.WhenAny(armed, task).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            if (finished == task)
            {
                break;
            }

            Time.Advance(step);
        }

        await task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// Deregisters within <paramref name="timeout"/> (10 s when not given) while the fake clock is driven a second at a
    /// time (<see cref="DriveUntilAsync"/>); returns what <see cref="CloudMapRegistrationService.DeregisterAsync"/> returned.
    /// </summary>
    public async Task<bool> DeregisterDrivenAsync(TimeSpan? timeout = null)
    {
        var deregistering = Service.DeregisterAsync(timeout ?? TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await DriveUntilAsync(deregistering, TimeSpan.FromSeconds(1));
        return await deregistering;
    }

    public void Dispose()
    {
        _service?.Dispose();
        _metrics.Dispose();
    }

    private sealed class StaticOptionsMonitor(CloudMapRegistrationOptions options) : IOptionsMonitor<CloudMapRegistrationOptions>
    {
        public CloudMapRegistrationOptions CurrentValue => options;

        public CloudMapRegistrationOptions Get(string? name) => options;

        public IDisposable? OnChange(Action<CloudMapRegistrationOptions, string?> listener) => null;
    }
}

internal sealed class TestLifetime : IHostApplicationLifetime, IDisposable
{
    private readonly CancellationTokenSource _started = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _stopped = new();

    public CancellationToken ApplicationStarted => _started.Token;

    public CancellationToken ApplicationStopping => _stopping.Token;

    public CancellationToken ApplicationStopped => _stopped.Token;

    public int StopApplicationCalls { get; private set; }

    public void FireStarted() => _started.Cancel();

    public void StopApplication() => StopApplicationCalls++;

    public void Dispose()
    {
        _started.Dispose();
        _stopping.Dispose();
        _stopped.Dispose();
    }
}

internal sealed class FakeServerAddresses : IServerAddressSource
{
    public bool HasServer { get; set; } = true;

    public List<string> Addresses { get; } = ["http://127.0.0.1:5000"];

    public IReadOnlyCollection<string> GetAddresses() => Addresses;
}

internal sealed class FakeIdentityResolver : IInstanceIdentityResolver
{
    public InstanceIdentity Identity { get; set; } = InstanceIdentity.None;

    public int Calls { get; private set; }

    public Task<InstanceIdentity> ResolveAsync(CancellationToken cancellationToken)
    {
        Calls++;
        return Task.FromResult(Identity);
    }
}
