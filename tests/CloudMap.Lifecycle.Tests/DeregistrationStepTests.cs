// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Identity;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Tests;

/// <summary>Deregistration (G3, G4) and the stop sequence (G2) of <see cref="CloudMapRegistrationService"/>.</summary>
public sealed class DeregistrationStepTests
{
    private const string Svc = FakeCloudMapClient.CustomServiceId;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    public async Task DeregisterAsync_OwnRegistration_ChecksOwnershipThenDeregisters()
    {
        using var h = new ServiceHarness();
        var service = await h.RegisteredAsync();
        var before = h.Client.Calls.Count;

        var removed = await service.DeregisterAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.True(removed);
        Assert.Equal(["GetInstance", "DeregisterInstance"], h.Client.Calls.Skip(before)); // no poll without a drain (issue 15)
        Assert.Null(h.Client.GetStoredInstance(Svc, "i-test"));
        Assert.False(service.Ledger.MayHoldInstance);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    public async Task DeregisterAsync_RegistrationTakenOverByAnotherOwner_LeavesItAlone()
    {
        using var h = new ServiceHarness();
        var service = await h.RegisteredAsync();
        h.Client.PutInstance(Svc, "i-test", new Dictionary<string, string> { [RegistrationAttributes.OwnerKey] = "the-replacement" });

        var removed = await service.DeregisterAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.False(removed);
        Assert.Equal(0, h.Client.CallCount("DeregisterInstance"));
        Assert.NotNull(h.Client.GetStoredInstance(Svc, "i-test"));
        Assert.True(h.Logs.Collector.HasEvent("NotOwned"));
    }

    [Fact]
    public async Task DeregisterAsync_AlreadyGone_DoesNothingMore()
    {
        using var h = new ServiceHarness();
        var service = await h.RegisteredAsync();
        h.Time.Advance(RegistrationLedger.VisibilityGracePeriod);
        h.Client.RemoveInstance(Svc, "i-test");

        Assert.False(await service.DeregisterAsync(TimeSpan.FromSeconds(10), Ct));

        Assert.Equal(0, h.Client.CallCount("DeregisterInstance"));
        Assert.True(h.Logs.Collector.HasEvent("AlreadyGone"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task DeregisterAsync_JustRegisteredAndNotVisibleYet_RetriesUntilVisibleThenDeregisters()
    {
        using var h = new ServiceHarness();
        await h.RegisteredAsync();
        h.Client.FailNext("GetInstance", FakeCloudMapClient.Error(CloudMapErrorCodes.InstanceNotFound), times: 2);

        Assert.True(await h.DeregisterDrivenAsync());
        Assert.Equal(3, h.Client.CallCount("GetInstance"));
        Assert.Equal(1, h.Client.CallCount("DeregisterInstance"));
        Assert.Null(h.Client.GetStoredInstance(Svc, "i-test"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task DeregisterAsync_RegisterAcceptedButOperationNeverConfirmed_WaitsForItThenDeregistersOnceVisible()
    {
        using var h = new ServiceHarness();
        var registered = await RegisterAcceptedButUnconfirmedAsync(h);
        h.Client.RemoveInstance(Svc, "i-test"); // accepted by Cloud Map, not visible yet

        Assert.True(await DeregisterOnceItAppearsAsync(h, registered));
        Assert.True(h.Logs.Collector.HasEvent("WaitingForPendingRegistration"));
        Assert.Equal(1, h.Client.CallCount("DeregisterInstance"));
        Assert.Null(h.Client.GetStoredInstance(Svc, "i-test"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task DeregisterAsync_RegisterAcceptedThenRetryThrottled_StillWaitsForTheFirstOperation()
    {
        using var h = new ServiceHarness();
        var service = h.Service;
        var registered = await RegisterAcceptedButUnconfirmedAsync(h);
        h.Client.FailNext("RegisterInstance", FakeCloudMapClient.Error(CloudMapErrorCodes.ThrottlingException));
        await Assert.ThrowsAsync<CloudMapException>(() => service.RegisterOnceAsync(CloudMapHealthStatus.Healthy));
        h.Client.RemoveInstance(Svc, "i-test"); // the first, accepted registration is not visible yet

        Assert.True(await DeregisterOnceItAppearsAsync(h, registered));
        Assert.True(h.Logs.Collector.HasEvent("WaitingForPendingRegistration"));
        Assert.Equal(1, h.Client.CallCount("DeregisterInstance"));
        Assert.Null(h.Client.GetStoredInstance(Svc, "i-test"));
    }

    [Fact]
    public async Task DeregisterAsync_RegisterRejectedByCloudMap_NothingToWaitFor()
    {
        using var h = new ServiceHarness();
        var service = h.Service;
        Assert.NotNull(await service.ResolveTargetAsync(Ct));
        h.Client.FailNext("RegisterInstance", FakeCloudMapClient.Error(CloudMapErrorCodes.ThrottlingException));
        await Assert.ThrowsAsync<CloudMapException>(() => service.RegisterOnceAsync(CloudMapHealthStatus.Healthy));

        Assert.False(await service.DeregisterAsync(TimeSpan.FromSeconds(10), Ct));

        Assert.True(h.Logs.Collector.HasEvent("AlreadyGone"));
        Assert.False(h.Logs.Collector.HasEvent("WaitingForPendingRegistration"));
        Assert.Equal(0, h.Client.CallCount("DeregisterInstance"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task DeregisterAsync_TransientFailures_RetriedWithinTimeout()
    {
        using var h = new ServiceHarness();
        await h.RegisteredAsync();
        h.Client.FailNext("DeregisterInstance", FakeCloudMapClient.Error(CloudMapErrorCodes.ThrottlingException), times: 2);

        Assert.True(await h.DeregisterDrivenAsync());
        Assert.Equal(3, h.Client.CallCount("DeregisterInstance"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    public async Task DeregisterAsync_DuplicateRequest_WaitsForTheOtherOperationAndRechecks()
    {
        using var h = new ServiceHarness();
        var service = await h.RegisteredAsync();
        h.Client.AddOperation("op-dup", CloudMapOperationStatus.Success);
        h.Client.FailNext("DeregisterInstance", FakeCloudMapClient.Error(CloudMapErrorCodes.DuplicateRequest, "op-dup"));

        Assert.True(await service.DeregisterAsync(TimeSpan.FromSeconds(10), Ct));

        Assert.Equal(2, h.Client.CallCount("GetInstance"));
        Assert.Equal(2, h.Client.CallCount("DeregisterInstance"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task DeregisterAsync_PersistentFailure_LogsWarningNeverThrowsAndIsBoundedByTimeout()
    {
        using var h = new ServiceHarness();
        await h.RegisteredAsync();
        h.Client.FailNext("DeregisterInstance", FakeCloudMapClient.Error(CloudMapErrorCodes.ServiceUnavailable), times: 1000);
        var started = h.Time.GetUtcNow();

        Assert.False(await h.DeregisterDrivenAsync());
        Assert.InRange(h.Time.GetUtcNow() - started, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(11));
        var warning = Assert.Single(h.Logs.Collector.GetEvents("DeregistrationFailed"));
        Assert.Equal(LogLevel.Warning, warning.Level);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task DeregisterAsync_CloudMapHangs_ReturnsAtTimeout()
    {
        using var h = new ServiceHarness();
        var service = await h.RegisteredAsync();
        h.Client.Hang = true;

        var deregistering = service.DeregisterAsync(TimeSpan.FromSeconds(10), Ct);
        await h.Time.WaitForTimersAsync(1, Ct);
        h.Time.Advance(TimeSpan.FromSeconds(10));

        Assert.False(await deregistering.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task StoppingAsync_DuringReadinessWait_SendsNothing()
    {
        using var h = new ServiceHarness();
        h.Health.Healthy = false;
        await h.StartHostAsync();
        await h.Logs.WaitForEventAsync("WaitingForReadiness", cancellationToken: Ct);
        await h.Time.WaitForTimersAsync(1, Ct);
        var calls = h.Client.Calls.Count;

        await h.Service.StoppingAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(calls, h.Client.Calls.Count);
        Assert.Equal(0, h.Client.CallCount("RegisterInstance"));
        Assert.Equal(CloudMapRegistrationPhase.Stopped, h.State.Phase);
        Assert.True(h.Service.Execution.IsCompleted);
        Assert.True(h.Logs.Collector.HasEvent("StoppedBeforeRegistration"));
        Assert.False(h.Logs.Collector.HasEvent("Draining"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task StoppingAsync_RegistrationInFlight_WaitsForItThenDeregisters()
    {
        using var h = new ServiceHarness();
        h.Client.RegisterGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Options.Readiness.ConsecutiveSuccesses = 1;
        await h.StartHostAsync();
        await h.Client.WaitForCallAsync("RegisterInstance").WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var stopping = h.Service.StoppingAsync(Ct);
        await h.Logs.WaitForEventAsync("WaitingForRegistrationInFlight", cancellationToken: Ct);
        Assert.False(stopping.IsCompleted);
        Assert.Equal(0, h.Client.CallCount("DeregisterInstance"));
        h.Client.RegisterGate.SetResult();
        await h.Logs.WaitForEventAsync("Draining", cancellationToken: Ct);
        h.Time.Advance(CloudMapShutdownOptions.DefaultDrainDelay);
        await stopping.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Null(h.Client.GetStoredInstance(Svc, "i-test"));
        var order = h.Client.Calls.ToList();
        Assert.True(order.IndexOf("RegisterInstance") < order.IndexOf("DeregisterInstance"));
        Assert.Equal(CloudMapRegistrationPhase.Stopped, h.State.Phase);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task StoppingAsync_Registered_DeregistersThenDrainsWhileStillServing()
    {
        using var h = new ServiceHarness();
        h.Options.Readiness.ConsecutiveSuccesses = 1;
        await h.StartHostAsync();
        await h.Logs.WaitForEventAsync("Registered", cancellationToken: Ct);

        var stopping = h.Service.StoppingAsync(Ct);
        await h.Logs.WaitForEventAsync("Draining", cancellationToken: Ct);
        await h.Time.WaitForTimersAsync(cancellationToken: Ct); // "Draining" is logged just before the drain delay is armed
        Assert.Null(h.Client.GetStoredInstance(Svc, "i-test"));
        h.Time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(stopping.IsCompleted);
        h.Time.Advance(TimeSpan.FromSeconds(0.1));
        await stopping.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(LoggedAt(h, "Deregistered"), LoggedAt(h, "Draining"));
        Assert.Equal(TimeSpan.FromSeconds(5), LoggedAt(h, "DrainCompleted") - LoggedAt(h, "Draining"));
        Assert.Equal(CloudMapRegistrationPhase.Stopped, h.State.Phase);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task StoppingAsync_CloudMapHangs_FinishesWithinDeregistrationTimeoutPlusDrain()
    {
        using var h = new ServiceHarness();
        h.Options.Readiness.ConsecutiveSuccesses = 1;
        await h.StartHostAsync();
        await h.Logs.WaitForEventAsync("Registered", cancellationToken: Ct);
        h.Client.Hang = true;
        var started = h.Time.GetUtcNow();

        var stopping = h.Service.StoppingAsync(Ct);
        await h.Client.WaitForCallAsync("GetInstance").WaitAsync(TimeSpan.FromSeconds(30), Ct);
        h.Time.Advance(CloudMapShutdownOptions.DefaultDeregistrationTimeout);
        await h.Logs.WaitForEventAsync("Draining", cancellationToken: Ct);
        h.Time.Advance(CloudMapShutdownOptions.DefaultDrainDelay);
        await stopping.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(started + TimeSpan.FromSeconds(15), LoggedAt(h, "DeregistrationFailed"));
        Assert.Equal(started + TimeSpan.FromSeconds(20), LoggedAt(h, "DrainCompleted"));
        Assert.Equal(0, h.Time.ArmedTimerCount);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task StoppingAsync_HostTokenCancelled_ReturnsWithoutThrowing()
    {
        using var h = new ServiceHarness();
        h.Options.Readiness.ConsecutiveSuccesses = 1;
        await h.StartHostAsync();
        await h.Logs.WaitForEventAsync("Registered", cancellationToken: Ct);
        h.Client.Hang = true;
        using var hostToken = new CancellationTokenSource();

        var stopping = h.Service.StoppingAsync(hostToken.Token);
        await h.Client.WaitForCallAsync("GetInstance").WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await hostToken.CancelAsync();

        await stopping.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(CloudMapRegistrationPhase.Stopped, h.State.Phase);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task StartingAsync_BudgetExceedsShutdownTimeout_LogsWarning()
    {
        using var h = new ServiceHarness(o => o.Shutdown.DrainDelay = TimeSpan.FromSeconds(25));

        await h.Service.StartingAsync(Ct);

        var warning = Assert.Single(h.Logs.Collector.GetEvents("ShutdownBudgetExceeded"));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("CloudMap:Shutdown:DrainDelay (00:00:25)", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task StartAsync_BeforeApplicationStarted_SendsNothing()
    {
        using var h = new ServiceHarness();

        await h.Service.StartingAsync(Ct);
        await h.Service.StartAsync(Ct);
        await h.Service.StartedAsync(Ct);

        Assert.Empty(h.Client.Calls);
        Assert.Equal(CloudMapRegistrationPhase.NotStarted, h.State.Phase);
        Assert.Equal(0, h.Health.Runs);
    }

    [Fact]
    public async Task StartingAsync_GenericHostWithoutServerAndPort_Throws()
    {
        using var h = new ServiceHarness(o => o.Port = null);
        h.Server.HasServer = false;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => h.Service.StartingAsync(Ct));

        Assert.Contains("CloudMap:Port is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    public async Task DeregisterAsync_PerTaskEcsId_IsOneCall()
    {
        using var h = new ServiceHarness(o => o.InstanceId = null);
        h.Identity.Identity = new InstanceIdentity("0f1e2d3c4b5a69788796a5b4c3d2e1f0", null, "ecs");
        var service = await h.RegisteredAsync();
        Assert.True(service.Target!.IdIsPerTask);
        var before = h.Client.Calls.Count;

        Assert.True(await service.DeregisterAsync(TimeSpan.FromSeconds(10), Ct));

        Assert.Equal(["DeregisterInstance"], h.Client.Calls.Skip(before)); // no GetInstance: no other process can own a task id
        Assert.Null(h.Client.GetStoredInstance(Svc, "0f1e2d3c4b5a69788796a5b4c3d2e1f0"));
    }

    [Fact]
    public async Task DeregisterAsync_HostDerivedId_StillChecksOwnership()
    {
        using var h = new ServiceHarness(o => o.InstanceId = null);
        h.Identity.Identity = new InstanceIdentity("i-0123456789abcdef0", null, "ec2");
        var service = await h.RegisteredAsync();
        Assert.False(service.Target!.IdIsPerTask);
        var before = h.Client.Calls.Count;

        Assert.True(await service.DeregisterAsync(TimeSpan.FromSeconds(10), Ct));

        Assert.Equal(["GetInstance", "DeregisterInstance"], h.Client.Calls.Skip(before));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    public async Task DeregisterAsync_PerTaskIdNotVisibleYet_RetriesInsteadOfTakingItForGone()
    {
        using var h = new ServiceHarness(o => o.InstanceId = null);
        h.Identity.Identity = new InstanceIdentity("task-1", null, "ecs");
        var service = await h.RegisteredAsync();
        h.Client.RemoveInstance(Svc, "task-1"); // Cloud Map does not show it (yet), moments after it was confirmed

        var deregistering = service.DeregisterAsync(TimeSpan.FromSeconds(10), Ct);
        await h.DriveUntilAsync(deregistering, TimeSpan.FromMilliseconds(500));

        Assert.False(await deregistering);
        Assert.True(h.Client.CallCount("DeregisterInstance") > 1);
        Assert.True(h.Logs.Collector.HasEvent("InstanceNotPropagatedYet"));
    }

    [Fact]
    public async Task StoppingAsync_WithDrain_ReadsTheOperationOnceAfterTheDrain()
    {
        using var h = new ServiceHarness();
        h.Options.Readiness.ConsecutiveSuccesses = 1;
        await h.StartHostAsync();
        await h.Logs.WaitForEventAsync("Registered", cancellationToken: Ct);
        var before = h.Client.Calls.Count;

        var stopping = h.Service.StoppingAsync(Ct);
        await h.Logs.WaitForEventAsync("Draining", cancellationToken: Ct);
        await h.Time.WaitForTimersAsync(cancellationToken: Ct);
        Assert.Equal(["GetInstance", "DeregisterInstance"], h.Client.Calls.Skip(before)); // nothing polled before the drain
        h.Time.Advance(CloudMapShutdownOptions.DefaultDrainDelay);
        await stopping.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(["GetInstance", "DeregisterInstance", "GetOperation"], h.Client.Calls.Skip(before));
        Assert.False(h.Logs.Collector.HasEvent("DeregistrationUnconfirmed"));
    }

    [Fact]
    public async Task StoppingAsync_WithoutDrain_IsTwoCallsForAnExplicitId()
    {
        using var h = new ServiceHarness(o => o.Shutdown.DrainDelay = TimeSpan.Zero);
        h.Options.Readiness.ConsecutiveSuccesses = 1;
        await h.StartHostAsync();
        await h.Logs.WaitForEventAsync("Registered", cancellationToken: Ct);
        var before = h.Client.Calls.Count;

        await h.Service.StoppingAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(["GetInstance", "DeregisterInstance"], h.Client.Calls.Skip(before));
        Assert.Null(h.Client.GetStoredInstance(Svc, "i-test"));
    }

    [Fact]
    public void StopBudget_IsTimeoutTimesRateOverCallsPerStop()
    {
        // 10 s × 100 requests/s ÷ 2 calls = 500 instances; 10 s × 200/s ÷ 2 = 1,000 (scenario 5's limit).
        Assert.Equal(500, CloudMapRegistrationService.StopBudget(TimeSpan.FromSeconds(10), CloudMapRegistrationService.StopBudgetAssumedRate, 2));
        Assert.Equal(1000, CloudMapRegistrationService.StopBudget(TimeSpan.FromSeconds(10), 200, 2));
        Assert.Equal(333, CloudMapRegistrationService.StopBudget(TimeSpan.FromSeconds(10), 100, 3));
    }

    /// <summary>Deregisters a registration Cloud Map accepted but does not show yet: it appears once the stop has looked for it.</summary>
    private static async Task<bool> DeregisterOnceItAppearsAsync(ServiceHarness h, CloudMapInstance registered)
    {
        var getInstancesBefore = h.Client.CallCount("GetInstance");
        var deregistering = h.Service.DeregisterAsync(TimeSpan.FromSeconds(10), Ct);
        await h.Client.WaitForCallAsync("GetInstance", getInstancesBefore + 1).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        h.Client.PutInstance(Svc, "i-test", registered.Attributes);
        await h.DriveUntilAsync(deregistering, TimeSpan.FromSeconds(1));
        return await deregistering;
    }

    /// <summary>Cloud Map accepts a RegisterInstance whose operation the service never sees finish (GetOperation fails); returns what was stored.</summary>
    private static async Task<CloudMapInstance> RegisterAcceptedButUnconfirmedAsync(ServiceHarness h)
    {
        Assert.NotNull(await h.Service.ResolveTargetAsync(Ct));
        h.Client.FailNext("GetOperation", new CloudMapException("InternalFailure", "injected", System.Net.HttpStatusCode.InternalServerError, "req-1"));
        await Assert.ThrowsAsync<CloudMapException>(() => h.Service.RegisterOnceAsync(CloudMapHealthStatus.Healthy));
        return h.Client.GetStoredInstance(Svc, "i-test")!;
    }

    private static DateTimeOffset LoggedAt(ServiceHarness h, string eventName) => Assert.Single(h.Logs.Collector.GetEvents(eventName)).Timestamp;
}
