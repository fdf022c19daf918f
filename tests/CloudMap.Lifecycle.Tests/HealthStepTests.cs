// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Tests.Fakes;

namespace CloudMap.Lifecycle.Tests;

/// <summary>Running-health steps (G5, G6) of <see cref="CloudMapRegistrationService"/>.</summary>
public sealed class HealthStepTests
{
    private const string Svc = FakeCloudMapClient.CustomServiceId;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task RunHealthCycleAsync_UnhealthyBelowThreshold_PushesNothing()
    {
        using var h = new ServiceHarness();
        var service = await h.RegisteredAsync();
        h.Health.Healthy = false;

        await service.RunHealthCycleAsync(Ct);
        await service.RunHealthCycleAsync(Ct);

        Assert.Equal(0, h.Client.CallCount("UpdateInstanceCustomHealthStatus"));
        Assert.Equal(CloudMapHealthStatus.Healthy, h.State.ObservedStatus);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task RunHealthCycleAsync_UnhealthyAtThreshold_PushesUnhealthyOnce()
    {
        using var h = new ServiceHarness();
        var service = await h.RegisteredAsync();
        h.Health.Healthy = false;

        for (var i = 0; i < 6; i++)
        {
            await service.RunHealthCycleAsync(Ct);
        }

        Assert.Equal([CloudMapHealthStatus.Unhealthy], h.Client.HealthPushes);
        Assert.Equal(CloudMapHealthStatus.Unhealthy, h.State.LastPushedStatus);
        Assert.Equal(CloudMapHealthStatus.Unhealthy, h.Client.GetStoredHealth(Svc, "i-test"));
        Assert.True(h.Logs.Collector.HasEvent("HealthChanged"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task RunHealthCycleAsync_FlappingCheck_IsDamped()
    {
        using var h = new ServiceHarness();
        var service = await h.RegisteredAsync();

        foreach (var healthy in new[] { false, false, true, false, false, true, false })
        {
            h.Health.Healthy = healthy;
            await service.RunHealthCycleAsync(Ct);
        }

        Assert.Empty(h.Client.HealthPushes);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task RunHealthCycleAsync_HealthyAgainAfterHealthyThreshold_PushesHealthy()
    {
        using var h = new ServiceHarness();
        var service = await h.RegisteredAsync();
        h.Health.Healthy = false;
        for (var i = 0; i < 3; i++)
        {
            await service.RunHealthCycleAsync(Ct);
        }

        h.Health.Healthy = true;
        await service.RunHealthCycleAsync(Ct);
        Assert.Equal([CloudMapHealthStatus.Unhealthy], h.Client.HealthPushes);
        await service.RunHealthCycleAsync(Ct);

        Assert.Equal([CloudMapHealthStatus.Unhealthy, CloudMapHealthStatus.Healthy], h.Client.HealthPushes);
        Assert.Equal(CloudMapHealthStatus.Healthy, h.State.LastPushedStatus);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task RunHealthCycleAsync_SteadyHealthy_PushesOnlyOnReassertInterval()
    {
        using var h = new ServiceHarness();
        var service = await h.RegisteredAsync();

        // One hour of 10 s cycles: the registration's init status stands; re-asserted every 15 minutes.
        for (var i = 0; i < 360; i++)
        {
            h.Time.Advance(CloudMapHealthOptions.DefaultInterval);
            await service.RunHealthCycleAsync(Ct);
        }

        Assert.Equal(4, h.Client.CallCount("UpdateInstanceCustomHealthStatus"));
        Assert.All(h.Client.HealthPushes, s => Assert.Equal(CloudMapHealthStatus.Healthy, s));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task RunHealthCycleAsync_HealthChecksThrow_CountsAsFailingAndNeverThrows()
    {
        using var h = new ServiceHarness(o => o.Health.UnhealthyThreshold = 1);
        var service = await h.RegisteredAsync();
        h.Health.ThrowOnNextRun = new InvalidOperationException("boom");

        await service.RunHealthCycleAsync(Ct);

        Assert.Equal([CloudMapHealthStatus.Unhealthy], h.Client.HealthPushes);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task RunHealthCycleAsync_PushFailsTransiently_LoggedAndRetriedNextCycle()
    {
        using var h = new ServiceHarness(o => o.Health.UnhealthyThreshold = 1);
        var service = await h.RegisteredAsync();
        h.Health.Healthy = false;
        h.Client.FailNext("UpdateInstanceCustomHealthStatus", FakeCloudMapClient.Error(CloudMapErrorCodes.ThrottlingException));

        await service.RunHealthCycleAsync(Ct);
        Assert.Equal(CloudMapHealthStatus.Healthy, h.State.LastPushedStatus);
        Assert.True(h.Logs.Collector.HasEvent("HealthCycleFailed"));
        await service.RunHealthCycleAsync(Ct);

        Assert.Equal(CloudMapHealthStatus.Unhealthy, h.State.LastPushedStatus);
        Assert.Equal(2, h.Client.CallCount("UpdateInstanceCustomHealthStatus"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task RunHealthCycleAsync_InstanceNotFoundRightAfterRegistering_RetriedWithoutRegisteringAgain()
    {
        using var h = new ServiceHarness(o => o.Health.UnhealthyThreshold = 1);
        var service = await h.RegisteredAsync();
        h.Health.Healthy = false;
        h.Client.FailNext("UpdateInstanceCustomHealthStatus", FakeCloudMapClient.Error(CloudMapErrorCodes.InstanceNotFound));

        h.Time.Advance(TimeSpan.FromSeconds(10));
        await service.RunHealthCycleAsync(Ct);
        h.Time.Advance(TimeSpan.FromSeconds(10));
        await service.RunHealthCycleAsync(Ct);

        Assert.Equal(1, h.Client.CallCount("RegisterInstance"));
        Assert.Equal([CloudMapHealthStatus.Unhealthy], h.Client.HealthPushes);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    [Trait(Guarantees.Trait, Guarantees.G6)]
    public async Task RunHealthCycleAsync_RegistrationVanishedLater_RegistersAgainWithCurrentStatus()
    {
        using var h = new ServiceHarness(o => o.Health.UnhealthyThreshold = 1);
        var service = await h.RegisteredAsync();
        h.Time.Advance(TimeSpan.FromMinutes(5));
        h.Client.RemoveInstance(Svc, "i-test");
        h.Health.Healthy = false;

        await service.RunHealthCycleAsync(Ct);

        Assert.Equal(2, h.Client.CallCount("RegisterInstance"));
        Assert.Equal("UNHEALTHY", h.Client.LastRegisterRequest!.Attributes["AWS_INIT_HEALTH_STATUS"]);
        Assert.Equal(CloudMapRegistrationPhase.Registered, h.State.Phase);
        Assert.True(h.Logs.Collector.HasEvent("RegistrationVanished"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G6)]
    public async Task RunHealthCycleAsync_ReRegistrationFails_RetriedOnNextCycle()
    {
        using var h = new ServiceHarness();
        var service = await h.RegisteredAsync();
        h.Time.Advance(TimeSpan.FromMinutes(20));
        h.Client.RemoveInstance(Svc, "i-test");
        h.Client.FailNext("RegisterInstance", FakeCloudMapClient.Error(CloudMapErrorCodes.ServiceUnavailable));

        await service.RunHealthCycleAsync(Ct);
        Assert.Null(h.Client.GetStoredInstance(Svc, "i-test"));
        await service.RunHealthCycleAsync(Ct);

        Assert.NotNull(h.Client.GetStoredInstance(Svc, "i-test"));
        Assert.Equal(3, h.Client.CallCount("RegisterInstance"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task RunHealthCycleAsync_CustomHealthNotFound_DeregistersWhileUnhealthyAndRegistersWhenHealthy()
    {
        using var h = new ServiceHarness(o => o.Health.UnhealthyThreshold = 1);
        var service = await h.RegisteredAsync();
        h.Client.FailNext("UpdateInstanceCustomHealthStatus", FakeCloudMapClient.Error(CloudMapErrorCodes.CustomHealthNotFound));
        h.Health.Healthy = false;

        await service.RunHealthCycleAsync(Ct);

        Assert.Equal(HealthReportingMode.DeregisterWhileUnhealthy, service.Mode);
        Assert.Null(h.Client.GetStoredInstance(Svc, "i-test"));
        Assert.Equal(CloudMapRegistrationPhase.DeregisteredWhileUnhealthy, h.State.Phase);
        Assert.False(service.Ledger.MayHoldInstance);

        h.Health.Healthy = true;
        await service.RunHealthCycleAsync(Ct);
        Assert.Null(h.Client.GetStoredInstance(Svc, "i-test"));
        await service.RunHealthCycleAsync(Ct);

        Assert.NotNull(h.Client.GetStoredInstance(Svc, "i-test"));
        Assert.Equal(CloudMapRegistrationPhase.Registered, h.State.Phase);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task RunHealthCycleAsync_CustomHealthNotFoundReportOnly_KeepsTheRegistration()
    {
        using var h = new ServiceHarness(o =>
        {
            o.Health.UnhealthyThreshold = 1;
            o.Health.UnmanagedMode = UnmanagedHealthMode.ReportOnly;
        });
        var service = await h.RegisteredAsync();
        h.Client.FailNext("UpdateInstanceCustomHealthStatus", FakeCloudMapClient.Error(CloudMapErrorCodes.CustomHealthNotFound));
        h.Health.Healthy = false;

        await service.RunHealthCycleAsync(Ct);
        await service.RunHealthCycleAsync(Ct);

        Assert.Equal(HealthReportingMode.ReportOnly, service.Mode);
        Assert.NotNull(h.Client.GetStoredInstance(Svc, "i-test"));
        Assert.Equal(1, h.Client.CallCount("UpdateInstanceCustomHealthStatus"));
        Assert.Equal(CloudMapHealthStatus.Unhealthy, h.State.ObservedStatus);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task RunHealthCycleAsync_NoHealthServiceUnhealthy_DeregistersOwnedRegistration()
    {
        using var h = new ServiceHarness(o =>
        {
            o.ServiceId = FakeCloudMapClient.NoHealthServiceId;
            o.Health.UnhealthyThreshold = 2;
        });
        var service = await h.RegisteredAsync();
        h.Health.Healthy = false;

        await service.RunHealthCycleAsync(Ct);
        Assert.NotNull(h.Client.GetStoredInstance(FakeCloudMapClient.NoHealthServiceId, "i-test"));
        await service.RunHealthCycleAsync(Ct);

        Assert.Null(h.Client.GetStoredInstance(FakeCloudMapClient.NoHealthServiceId, "i-test"));
        Assert.Equal(0, h.Client.CallCount("UpdateInstanceCustomHealthStatus"));
    }

    [Theory]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    [Trait(Guarantees.Trait, Guarantees.G6)]
    [InlineData(FakeCloudMapClient.NoHealthServiceId)]
    [InlineData(FakeCloudMapClient.Route53ServiceId)]
    public async Task RunHealthCycleAsync_NoPushMode_VerifiesExistenceOnReassertAndRegistersAgainWhenVanished(string serviceId)
    {
        using var h = new ServiceHarness(o => o.ServiceId = serviceId);
        var service = await h.RegisteredAsync();
        h.Client.RemoveInstance(serviceId, "i-test");

        h.Time.Advance(TimeSpan.FromMinutes(14));
        await service.RunHealthCycleAsync(Ct);
        Assert.Equal(0, h.Client.CallCount("GetInstance"));
        h.Time.Advance(TimeSpan.FromMinutes(1));
        await service.RunHealthCycleAsync(Ct);

        Assert.Equal(1, h.Client.CallCount("GetInstance"));
        Assert.NotNull(h.Client.GetStoredInstance(serviceId, "i-test"));
        Assert.Equal(2, h.Client.CallCount("RegisterInstance"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task RunHealthLoopAsync_RunsOnIntervalUntilCancelled()
    {
        using var h = new ServiceHarness(o => o.Health.UnhealthyThreshold = 1);
        await h.RegisteredAsync();
        using var stop = new CancellationTokenSource();
        var loop = h.Service.RunHealthLoopAsync(stop.Token);
        var runsBefore = h.Health.Runs;

        for (var i = 0; i < 3; i++)
        {
            await h.Time.WaitForTimersAsync(1, Ct);
            h.Time.Advance(CloudMapHealthOptions.DefaultInterval);
        }

        await h.Time.WaitForTimersAsync(1, Ct);
        Assert.Equal(runsBefore + 3, h.Health.Runs);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }
}
