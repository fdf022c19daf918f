// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing.Internal;

namespace CloudMap.Lifecycle.Testing.Tests;

/// <summary>Effective health is computed from stored timestamps: reads never write it back.</summary>
public sealed class HealthModelTests
{
    private static readonly DateTimeOffset Pushed = new TimerCountingFakeTimeProvider().Start;
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(30);

    private static InstanceRecord PendingUnhealthy() => new()
    {
        Id = "i-1",
        Attributes = new Dictionary<string, string>(StringComparer.Ordinal),
        Health = HealthStatuses.Healthy,
        PendingHealth = HealthStatuses.Unhealthy,
        PendingSince = Pushed,
    };

    [Fact]
    public void HealthAt_BeforeDelay_OldStatusAndPendingWithItsTime()
    {
        var instance = PendingUnhealthy();

        var health = instance.HealthAt(EmulatedHealthCheck.Custom, Pushed + Delay - TimeSpan.FromTicks(1), Delay);

        Assert.Equal(new HealthView(HealthStatuses.Healthy, HealthStatuses.Unhealthy, Pushed + Delay), health);
    }

    [Fact]
    public void HealthAt_AfterDelay_NewStatusWithoutChangingTheRecord()
    {
        var instance = PendingUnhealthy();

        var health = instance.HealthAt(EmulatedHealthCheck.Custom, Pushed + Delay, Delay);

        Assert.Equal(new HealthView(HealthStatuses.Unhealthy, null, null), health);
        Assert.Equal(HealthStatuses.Healthy, instance.Health);
        Assert.Equal(HealthStatuses.Unhealthy, instance.PendingHealth);
    }

    [Fact]
    public void HealthAt_NoHealthCheck_Unknown()
    {
        var instance = PendingUnhealthy();

        Assert.Equal(HealthStatuses.Unknown, instance.HealthAt(EmulatedHealthCheck.None, Pushed, Delay).Status);
    }

    [Fact]
    public void Settle_AfterDelay_MakesThePendingStatusTheStatusInEffect()
    {
        var instance = PendingUnhealthy();

        instance.Settle(Pushed + TimeSpan.FromSeconds(29), Delay);
        var before = (instance.Health, instance.PendingHealth);
        instance.Settle(Pushed + Delay, Delay);

        Assert.Equal((HealthStatuses.Healthy, (string?)HealthStatuses.Unhealthy), before);
        Assert.Equal((HealthStatuses.Unhealthy, (string?)null), (instance.Health, instance.PendingHealth));
    }

    [Fact]
    public async Task HealthChangeDelay_Changed_AChangeInEffectStaysAndAPendingOneWaitsForTheNewDelay()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1");
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-2");
        await f.Client.PushHealthAsync(f.CustomServiceId, "i-1", "UNHEALTHY");
        f.Clock.Advance(TimeSpan.FromSeconds(30));
        await f.Client.PushHealthAsync(f.CustomServiceId, "i-2", "UNHEALTHY");

        f.Emulator.HealthChangeDelay = TimeSpan.FromMinutes(5);
        f.Clock.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(new Dictionary<string, string> { ["i-1"] = "UNHEALTHY", ["i-2"] = "HEALTHY" }, await f.Client.HealthAsync(f.CustomServiceId, "i-1", "i-2"));
        Assert.Equal(new TimerCountingFakeTimeProvider().Start + f.OperationTime * 2 + TimeSpan.FromSeconds(30) + TimeSpan.FromMinutes(5), f.Emulator.FindInstance(f.CustomServiceId, "i-2")!.PendingHealthEffectiveAt);
    }
}
