// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests.Checks;

/// <summary>
/// A <see cref="CloudMapRegistrationService"/> over the fakes of <see cref="ServiceHarness"/>, but running real
/// health-check registrations through the lifecycle's <see cref="HealthCheckRunner"/> (as the host wires it).
/// </summary>
internal sealed class CheckHarness : IDisposable
{
    private readonly ServiceProvider _checks;
    private CloudMapRegistrationService? _service;

    public CheckHarness(Action<IHealthChecksBuilder> addChecks, Action<CloudMapRegistrationOptions>? configure = null)
    {
        Fakes = new ServiceHarness(configure);
        var services = new ServiceCollection();
        addChecks(services.AddHealthChecks());
        _checks = services.BuildServiceProvider();
        Runner = new HealthCheckRunner(
            _checks.GetRequiredService<IServiceScopeFactory>(),
            _checks.GetRequiredService<IOptions<HealthCheckServiceOptions>>(),
            Fakes.Time);
    }

    public ServiceHarness Fakes { get; }

    public HealthCheckRunner Runner { get; }

    public CloudMapRegistrationService Service => _service ??= new CloudMapRegistrationService(
        new CloudMapRegistrationMarker(Options.DefaultName, null),
        new FixedOptionsMonitor(Fakes.Options),
        Fakes.Client,
        Runner,
        Fakes.Lifetime,
        Fakes.Server,
        Fakes.Identity,
        Fakes.States,
        new LifecycleTelemetry(Fakes.MeterFactory, Fakes.States),
        Fakes.Time,
        Options.Create(Fakes.HostOptions),
        Fakes.Logs.CreateLogger<CloudMapRegistrationService>());

    /// <summary>Resolves the target and registers (the state right after a successful start), without the loop.</summary>
    public async Task<CloudMapRegistrationService> RegisteredAsync()
    {
        Assert.NotNull(await Service.ResolveTargetAsync(TestContext.Current.CancellationToken));
        await Service.RegisterAsync(CloudMapHealthStatus.Healthy, TestContext.Current.CancellationToken);
        return Service;
    }

    public void Dispose()
    {
        _service?.Dispose();
        _checks.Dispose();
        Fakes.Dispose();
    }

    private sealed class FixedOptionsMonitor(CloudMapRegistrationOptions options) : IOptionsMonitor<CloudMapRegistrationOptions>
    {
        public CloudMapRegistrationOptions CurrentValue => options;

        public CloudMapRegistrationOptions Get(string? name) => options;

        public IDisposable? OnChange(Action<CloudMapRegistrationOptions, string?> listener) => null;
    }
}

/// <summary>
/// A health check a test switches between passing, failing and hanging. A hanging run never completes; with
/// <see cref="HonoursCancellation"/> it ends when its token is cancelled, otherwise it ignores the token (a blocking
/// call without a timeout, awaited).
/// </summary>
internal sealed class ScriptedCheck : IHealthCheck
{
    private readonly Lock _lock = new();
    private TaskCompletionSource<HealthCheckResult> _hang = NewHang();
    private TaskCompletionSource _invoked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public enum Behaviour
    {
        Pass,
        Fail,
        Hang,
    }

    public Behaviour Next { get; set; } = Behaviour.Pass;

    public bool HonoursCancellation { get; set; }

    public int Invocations { get; private set; }

    public int Cancellations { get; private set; }

    /// <summary>Completes at the next invocation (and stays completed until <see cref="ResetInvoked"/>).</summary>
    public Task Invoked
    {
        get
        {
            lock (_lock)
            {
                return _invoked.Task;
            }
        }
    }

    public void ResetInvoked()
    {
        lock (_lock)
        {
            _invoked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Lets every hanging run complete (Healthy); they have completed when this returns.</summary>
    public void Release()
    {
        TaskCompletionSource<HealthCheckResult> hang;
        lock (_lock)
        {
            hang = _hang;
            _hang = NewHang();
        }

        hang.TrySetResult(HealthCheckResult.Healthy("released"));
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Task<HealthCheckResult> hang;
        TaskCompletionSource invoked;
        lock (_lock)
        {
            Invocations++;
            hang = _hang.Task;
            invoked = _invoked;
        }

        invoked.TrySetResult();
        if (Next != Behaviour.Hang)
        {
            return Task.FromResult(Next == Behaviour.Pass ? HealthCheckResult.Healthy() : new HealthCheckResult(context.Registration.FailureStatus, "not yet"));
        }

        cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                Cancellations++;
            }
        });
        return HonoursCancellation ? hang.WaitAsync(cancellationToken) : hang;
    }

    // Continuations run inside Release, so an abandoned run has completed when Release returns.
    private static TaskCompletionSource<HealthCheckResult> NewHang() => new();
}
