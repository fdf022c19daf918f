// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Identity;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests;

/// <summary>
/// The stop path holds inside its budget whatever the background work does (issue 9 items 1, 2, 6, 8): every wait is
/// bounded, a registration in flight is confirmed and removed or reported precisely, a failed deregistration sets exit
/// code 4, and the drain runs only when clients may have seen the instance.
/// </summary>
public sealed class StopBudgetTests
{
    private const string Svc = FakeCloudMapClient.CustomServiceId;
    private static readonly TimeSpan Budget = CloudMapShutdownOptions.DefaultDeregistrationTimeout;
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(250);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task StopAsync_ReadinessCheckHangsIgnoringCancellation_ReturnsWithinTheBudgetSendingNothing()
    {
        var check = new HangingCheck { Hang = true };
        await using var h = await StartHostAsync(check);
        await check.Entered.WaitAsync(FakeClockDriver.DefaultGuard, Ct);
        var stopped = h.Time.GetUtcNow();

        var stopping = h.Host.StopAsync(Ct);
        await h.Logs.WaitForEventAsync("NothingToDeregister", cancellationToken: Ct); // the clock stands still meanwhile
        await h.Time.AdvanceUntilAsync(stopping, Step, cancellationToken: Ct);

        // The check runner abandons the hung check as soon as the stop cancels it, so the background work ends at once
        // and the stop path's own last resort (1052, covered by the identity-resolution case below) is not needed.
        Assert.InRange(h.Time.GetUtcNow() - stopped, TimeSpan.Zero, Budget);
        Assert.False(h.Logs.Collector.HasEvent("BackgroundWorkAbandoned"));
        Assert.True(h.Logs.Collector.HasEvent("NothingToDeregister"));
        Assert.Equal(0, h.Client.CallCount("RegisterInstance"));
        Assert.Empty(h.ExitCodes);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task StopAsync_RunningCheckHangsIgnoringCancellation_DeregistersWithinTwoGracesThenDrains()
    {
        var check = new HangingCheck();
        await using var h = await StartHostAsync(check);
        await h.Logs.WaitForEventAsync("Registered", cancellationToken: Ct);
        check.Hang = true;
        await h.Time.StepAsync(CloudMapHealthOptions.DefaultInterval, cancellationToken: Ct);
        await check.Entered.WaitAsync(FakeClockDriver.DefaultGuard, Ct);
        var stopped = h.Time.GetUtcNow();

        var stopping = h.Host.StopAsync(Ct);
        // The check runner lets go of the hung check as soon as the stop cancels it: deregistration starts with the
        // clock standing still (moving it while the stop runs could fire the attempt timeout mid-call).
        await h.Logs.WaitForEventAsync("Deregistered", cancellationToken: Ct);
        await h.Time.AdvanceUntilAsync(stopping, Step, cancellationToken: Ct);

        Assert.False(h.Logs.Collector.HasEvent("BackgroundWorkAbandoned")); // the check runner let go of the hung check at once
        Assert.InRange(h.LoggedAt("Deregistering") - stopped, TimeSpan.Zero, 2 * CloudMapRegistrationService.StopGrace);
        Assert.InRange(h.LoggedAt("DrainCompleted") - stopped, TimeSpan.Zero, Budget + CloudMapShutdownOptions.DefaultDrainDelay);
        Assert.Null(h.Client.GetStoredInstance(Svc, "i-host"));
        Assert.False(h.Logs.Collector.HasEvent("DeregistrationFailed"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task StopAsync_IdentityResolutionHangsIgnoringCancellation_ReturnsWithinTheBudget()
    {
        var resolver = new HangingIdentityResolver();
        await using var h = await StartHostAsync(new HangingCheck(), services => services.AddSingleton<IInstanceIdentityResolver>(resolver));
        await resolver.Entered.WaitAsync(FakeClockDriver.DefaultGuard, Ct);
        var stopped = h.Time.GetUtcNow();

        var stopping = h.Host.StopAsync(Ct);
        await h.Time.AdvanceUntilAsync(stopping, Step, cancellationToken: Ct);

        Assert.InRange(h.Time.GetUtcNow() - stopped, TimeSpan.Zero, Budget);
        Assert.Contains("phase Resolving", Assert.Single(h.Logs.Collector.GetEvents("BackgroundWorkAbandoned")).Message, StringComparison.Ordinal);
        Assert.True(h.Logs.Collector.HasEvent("NothingToDeregister"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task StoppingAsync_CloudMapNeverAnswers_ExitCode4AndWarningSaysNoAnswerNotNull()
    {
        using var h = new ServiceHarness();
        h.Options.Readiness.ConsecutiveSuccesses = 1;
        var exitCodes = RecordExitCodes(h.Service);
        await h.StartHostAsync();
        await h.Logs.WaitForEventAsync("Registered", cancellationToken: Ct);
        h.Client.Hang = true;

        var stopping = h.Service.StoppingAsync(Ct);
        await h.DriveUntilAsync(stopping, TimeSpan.FromSeconds(1));

        var warning = Assert.Single(h.Logs.Collector.GetEvents("DeregistrationFailed"));
        Assert.Contains("last error: no answer from Cloud Map within 15 s", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(null)", warning.Message, StringComparison.Ordinal);
        Assert.Equal([LifecycleExitCodes.DeregistrationFailed], exitCodes);
        Assert.True(h.Logs.Collector.HasEvent("ExitCodeSet"));
        Assert.True(h.Logs.Collector.HasEvent("DrainCompleted")); // it was registered: clients may still route here
    }

    [Fact]
    public async Task StoppingAsync_Deregistered_ExitCodeLeftAlone()
    {
        using var h = new ServiceHarness();
        h.Options.Readiness.ConsecutiveSuccesses = 1;
        var exitCodes = RecordExitCodes(h.Service);
        await h.StartHostAsync();
        await h.Logs.WaitForEventAsync("Registered", cancellationToken: Ct);

        var stopping = h.Service.StoppingAsync(Ct);
        await h.Logs.WaitForEventAsync("Deregistered", cancellationToken: Ct); // needs no clock: moving it mid-call could time an attempt out
        await h.DriveUntilAsync(stopping, TimeSpan.FromSeconds(1));

        Assert.Empty(exitCodes);
        Assert.False(h.Logs.Collector.HasEvent("ExitCodeSet"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task DeregisterAsync_PendingRegistrationCannotBeRead_DeregistersAnyway()
    {
        using var h = new ServiceHarness();
        var service = await h.RegisteredAsync();

        // A re-registration Cloud Map accepted, whose operation GetOperation cannot read (every poll fails).
        service.Ledger.Sent();
        service.Ledger.Accepted("op-unreadable");

        Assert.True(await h.DeregisterDrivenAsync(Budget));
        Assert.True(h.Logs.Collector.HasEvent("PendingRegistrationUnknown"));
        Assert.Equal(1, h.Client.CallCount("DeregisterInstance"));
        Assert.Null(h.Client.GetStoredInstance(Svc, "i-test"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task StopAsync_RegistrationPending20sFromTheStop_ReportedWithOperationAndStatusNoDrainExitCode4()
    {
        // 20 s: longer than the default 15 s budget, so the registration is still pending when the budget ends.
        await using var h = await StartHostAsync(new HangingCheck(), pendingOperations: TimeSpan.FromSeconds(20));
        await h.Logs.WaitForEventAsync("Registering", cancellationToken: Ct);
        await h.Time.WaitUntilParkedAsync(cancellationToken: Ct); // polling the pending operation

        // Parked = two timers: the wait for the registration in flight (then the budget) and the next GetOperation poll.
        var stopping = h.Host.StopAsync(Ct);
        await h.Time.AdvanceUntilAsync(stopping, Step, timers: 2, maxSteps: 200, cancellationToken: Ct);

        var failed = Assert.Single(h.Logs.Collector.GetEvents("DeregistrationFailed"));
        Assert.Contains("RegisterInstance operation 'op-1' was last seen PENDING", failed.Message, StringComparison.Ordinal);
        Assert.True(h.Logs.Collector.HasEvent("WaitingForRegistrationInFlight"));
        Assert.True(h.Logs.Collector.HasEvent("DrainSkipped"));
        Assert.False(h.Logs.Collector.HasEvent("Draining"));
        Assert.Equal([LifecycleExitCodes.DeregistrationFailed], h.ExitCodes);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task StopAsync_RegistrationPending12sSentBeforeTheStop_ConfirmedThenRemovedWithinTheBudget()
    {
        await using var h = await StartHostAsync(new HangingCheck(), pendingOperations: TimeSpan.FromSeconds(12));
        await h.Logs.WaitForEventAsync("Registering", cancellationToken: Ct);
        var sent = h.Time.GetUtcNow();
        while (h.Time.GetUtcNow() < sent + TimeSpan.FromSeconds(5))
        {
            await h.Time.StepAsync(Step, cancellationToken: Ct); // the registration keeps polling its pending operation
        }

        await h.Time.WaitUntilParkedAsync(cancellationToken: Ct);
        var stopped = h.Time.GetUtcNow();

        var stopping = h.Host.StopAsync(Ct);
        await h.Time.AdvanceUntilAsync(h.Logs.WaitForEventAsync("Draining", cancellationToken: Ct), Step, timers: 2, maxSteps: 200, cancellationToken: Ct);
        await h.Time.StepAsync(CloudMapShutdownOptions.DefaultDrainDelay, cancellationToken: Ct);
        await stopping.WaitAsync(FakeClockDriver.DefaultGuard, Ct);

        Assert.False(h.Logs.Collector.HasEvent("DeregistrationFailed"));
        Assert.InRange(h.LoggedAt("Deregistered") - stopped, TimeSpan.Zero, Budget);
        Assert.True(h.Logs.Collector.HasEvent("DeregistrationUnconfirmed")); // its own operation pends 12 s too
        Assert.Null(h.Client.GetStoredInstance(Svc, "i-host"));
        Assert.True(h.Logs.Collector.HasEvent("DrainCompleted"));
        Assert.Empty(h.ExitCodes);
    }

    [Fact]
    public async Task StartAsync_AttemptTimeoutLongerThanDeregistrationTimeout_FailsNamingBothAndSendsNothing()
    {
        var client = new FakeCloudMapClient();
        var builder = TestHost.CreateBuilder(TestHost.Config(("CloudMap:Shutdown:DeregistrationTimeout", "00:00:08")), client, new TimerCountingFakeTimeProvider());
        builder.Services.Configure<CloudMapClientOptions>(o => o.AttemptTimeout = TimeSpan.FromSeconds(9));
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMapClientOptions.AttemptTimeout (00:00:09) is longer than CloudMap:Shutdown:DeregistrationTimeout (00:00:08)", error.Message, StringComparison.Ordinal);
        Assert.Empty(client.Calls);
    }

    [Theory]
    [InlineData("00:00:10")]
    [InlineData("-00:00:00.001")]
    public void AttemptFitsDeregistrationBudget_AtTheBudgetOrInfinite_Fits(string attemptTimeout)
    {
        Assert.True(CloudMapRegistrationOptionsValidator.AttemptFitsDeregistrationBudget(TimeSpan.Parse(attemptTimeout, System.Globalization.CultureInfo.InvariantCulture), new CloudMapShutdownOptions()));
        Assert.False(CloudMapRegistrationOptionsValidator.AttemptFitsDeregistrationBudget(Budget + TimeSpan.FromTicks(1), new CloudMapShutdownOptions()));
    }

    private static List<int> RecordExitCodes(CloudMapRegistrationService service)
    {
        var codes = new List<int>();
        service.SetExitCode = code =>
        {
            codes.Add(code);
            return true;
        };
        return codes;
    }

    /// <summary>A real generic host over the fake client, with <paramref name="check"/> as its readiness (and running) check.</summary>
    private static async Task<FakeHost> StartHostAsync(HangingCheck check, Action<IServiceCollection>? configure = null, TimeSpan? pendingOperations = null)
    {
        var client = new FakeCloudMapClient();
        var time = new TimerCountingFakeTimeProvider();
        var logs = new AwaitableFakeLogs(FakeLogCollector.Create(new FakeLogCollectorOptions { TimeProvider = time }));
        var builder = TestHost.CreateBuilder(TestHost.Config(("CloudMap:Readiness:ConsecutiveSuccesses", "1")), client, time, logs: logs);
        if (pendingOperations is { } pending)
        {
            builder.Services.AddSingleton<ICloudMapClient>(new PendingOperationsClient(client, time, pending));
        }

        builder.Services.AddHealthChecks().AddCheck("hangable", check, tags: ["ready"]);
        configure?.Invoke(builder.Services);
        builder.AddCloudMapRegistration();
        var host = new FakeHost(builder.Build(), client, time, logs);
        await host.Host.StartAsync(Ct).WaitAsync(FakeClockDriver.DefaultGuard, Ct);
        return host;
    }

    private sealed class FakeHost : IAsyncDisposable
    {
        public FakeHost(IHost host, FakeCloudMapClient client, TimerCountingFakeTimeProvider time, AwaitableFakeLogs logs)
        {
            Host = host;
            Client = client;
            Time = time;
            Logs = logs;
            host.Services.GetRequiredService<CloudMapRegistrationService>().SetExitCode = code =>
            {
                ExitCodes.Add(code);
                return true;
            };
        }

        public IHost Host { get; }

        public FakeCloudMapClient Client { get; }

        public TimerCountingFakeTimeProvider Time { get; }

        public AwaitableFakeLogs Logs { get; }

        public List<int> ExitCodes { get; } = [];

        public DateTimeOffset LoggedAt(string eventName) => Assert.Single(Logs.Collector.GetEvents(eventName)).Timestamp;

        public ValueTask DisposeAsync()
        {
            Host.Dispose();
            Logs.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A check that, once <see cref="Hang"/> is set, never completes and ignores cancellation (a blocking call inside a check).</summary>
    private sealed class HangingCheck : IHealthCheck
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Hang { get; set; }

        public Task Entered => _entered.Task;

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (!Hang)
            {
                return Task.FromResult(HealthCheckResult.Healthy());
            }

            _entered.TrySetResult();
            return new TaskCompletionSource<HealthCheckResult>().Task;
        }
    }

    /// <summary>Instance metadata that never answers and ignores cancellation.</summary>
    private sealed class HangingIdentityResolver : IInstanceIdentityResolver
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public Task<InstanceIdentity> ResolveAsync(CancellationToken cancellationToken)
        {
            _entered.TrySetResult();
            return new TaskCompletionSource<InstanceIdentity>().Task;
        }
    }

    /// <summary>The fake Cloud Map whose register and deregister operations stay PENDING for <paramref name="pending"/> on the clock (the emulator's OperationPendingDuration).</summary>
    private sealed class PendingOperationsClient(FakeCloudMapClient inner, TimeProvider time, TimeSpan pending) : DelegatingCloudMapClient(inner)
    {
        private readonly Dictionary<string, DateTimeOffset> _created = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();

        public override async Task<string> RegisterInstanceAsync(CloudMapInstanceRegistration request, CancellationToken cancellationToken) =>
            Created(await base.RegisterInstanceAsync(request, cancellationToken));

        public override async Task<string> DeregisterInstanceAsync(string serviceId, string instanceId, CancellationToken cancellationToken) =>
            Created(await base.DeregisterInstanceAsync(serviceId, instanceId, cancellationToken));

        public override async Task<CloudMapOperation> GetOperationAsync(string operationId, CancellationToken cancellationToken)
        {
            var operation = await base.GetOperationAsync(operationId, cancellationToken);
            lock (_lock)
            {
                return _created.TryGetValue(operationId, out var created) && time.GetUtcNow() - created < pending
                    ? operation with { Status = CloudMapOperationStatus.Pending }
                    : operation;
            }
        }

        private string Created(string operationId)
        {
            lock (_lock)
            {
                _created[operationId] = time.GetUtcNow();
            }

            return operationId;
        }
    }
}
