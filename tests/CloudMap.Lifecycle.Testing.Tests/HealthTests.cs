// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Tests;

public sealed class HealthTests
{
    private static readonly TimeSpan Delay = CloudMapEmulatorOptions.DefaultHealthChangeDelay;

    [Fact]
    public async Task Register_WithoutInitStatus_StartsHealthy()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1");

        Assert.Equal("HEALTHY", (await f.Client.HealthAsync(f.CustomServiceId, "i-1"))["i-1"]);
    }

    [Fact]
    public async Task Register_InitStatusUnhealthy_StartsUnhealthy()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1", new JsonObject { ["AWS_INIT_HEALTH_STATUS"] = "UNHEALTHY" });

        Assert.Equal("UNHEALTHY", (await f.Client.HealthAsync(f.CustomServiceId, "i-1"))["i-1"]);
    }

    [Fact]
    public async Task UpdateStatus_Changed_TakesEffectAfterDelay()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1", new JsonObject { ["AWS_INIT_HEALTH_STATUS"] = "UNHEALTHY" });

        await f.Client.PushHealthAsync(f.CustomServiceId, "i-1", "HEALTHY");

        var pending = f.Emulator.FindInstance(f.CustomServiceId, "i-1")!;
        Assert.Equal("UNHEALTHY", pending.HealthStatus);
        Assert.Equal("HEALTHY", pending.PendingHealthStatus);
        Assert.Equal(f.Clock.GetUtcNow() + Delay, pending.PendingHealthEffectiveAt);
        f.Clock.Advance(Delay - TimeSpan.FromMilliseconds(1));
        Assert.Equal("UNHEALTHY", (await f.Client.HealthAsync(f.CustomServiceId))["i-1"]);
        f.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("HEALTHY", (await f.Client.HealthAsync(f.CustomServiceId))["i-1"]);
        Assert.Null(f.Emulator.FindInstance(f.CustomServiceId, "i-1")!.PendingHealthStatus);
    }

    [Fact]
    public async Task UpdateStatus_RepeatedInsideWindow_ClockStartsAtFirstRequest()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1");

        await f.Client.PushHealthAsync(f.CustomServiceId, "i-1", "UNHEALTHY");
        f.Clock.Advance(TimeSpan.FromSeconds(20));
        await f.Client.PushHealthAsync(f.CustomServiceId, "i-1", "UNHEALTHY");
        f.Clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal("UNHEALTHY", (await f.Client.HealthAsync(f.CustomServiceId, "i-1"))["i-1"]);
    }

    [Fact]
    public async Task UpdateStatus_FlippedBackInsideWindow_CancelsChange()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1");

        await f.Client.PushHealthAsync(f.CustomServiceId, "i-1", "UNHEALTHY");
        f.Clock.Advance(TimeSpan.FromSeconds(10));
        await f.Client.PushHealthAsync(f.CustomServiceId, "i-1", "HEALTHY");
        f.Clock.Advance(TimeSpan.FromSeconds(60));

        Assert.Equal("HEALTHY", (await f.Client.HealthAsync(f.CustomServiceId, "i-1"))["i-1"]);
        Assert.Null(f.Emulator.FindInstance(f.CustomServiceId, "i-1")!.PendingHealthStatus);
    }

    [Fact]
    public async Task UpdateStatus_ConfiguredDelay_IsHonoured()
    {
        await using var f = await EmulatorFixture.StartAsync(o => o.HealthChangeDelay = TimeSpan.FromSeconds(5));
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1");

        await f.Client.PushHealthAsync(f.CustomServiceId, "i-1", "UNHEALTHY");
        f.Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("UNHEALTHY", (await f.Client.HealthAsync(f.CustomServiceId, "i-1"))["i-1"]);
    }

    [Fact]
    public async Task UpdateStatus_ZeroDelay_TakesEffectAtOnce()
    {
        await using var f = await EmulatorFixture.StartAsync(o => o.HealthChangeDelay = TimeSpan.Zero);
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1");

        await f.Client.PushHealthAsync(f.CustomServiceId, "i-1", "UNHEALTHY");

        Assert.Equal("UNHEALTHY", (await f.Client.HealthAsync(f.CustomServiceId, "i-1"))["i-1"]);
    }

    [Fact]
    public async Task UpdateStatus_ServiceWithoutCustomConfig_CustomHealthNotFound()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.NoHealthServiceId, "i-1");
        await f.RegisterCompletedAsync(f.Route53ServiceId, "i-1");

        await f.Client.ErrorAsync("UpdateInstanceCustomHealthStatus", new JsonObject { ["ServiceId"] = f.NoHealthServiceId, ["InstanceId"] = "i-1", ["Status"] = "HEALTHY" }, "CustomHealthNotFound");
        await f.Client.ErrorAsync("UpdateInstanceCustomHealthStatus", new JsonObject { ["ServiceId"] = f.Route53ServiceId, ["InstanceId"] = "i-1", ["Status"] = "HEALTHY" }, "CustomHealthNotFound");
    }

    [Fact]
    public async Task UpdateStatus_InvalidOrMissing_Errors()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1");

        await f.Client.ErrorAsync("UpdateInstanceCustomHealthStatus", new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "i-1", ["Status"] = "UNKNOWN" }, "InvalidInput");
        await f.Client.ErrorAsync("UpdateInstanceCustomHealthStatus", new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "i-2", ["Status"] = "HEALTHY" }, "InstanceNotFound");
        await f.Client.ErrorAsync("UpdateInstanceCustomHealthStatus", new JsonObject { ["ServiceId"] = "srv-0000000000000000", ["InstanceId"] = "i-1", ["Status"] = "HEALTHY" }, "ServiceNotFound");
    }

    [Fact]
    public async Task GetInstancesHealthStatus_ServiceWithoutHealthCheck_Unknown()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.NoHealthServiceId, "i-1", new JsonObject { ["AWS_INIT_HEALTH_STATUS"] = "UNHEALTHY" });

        Assert.Equal("UNKNOWN", (await f.Client.HealthAsync(f.NoHealthServiceId))["i-1"]);
    }

    [Fact]
    public async Task GetInstancesHealthStatus_Route53Service_HealthyUntilSetByTest()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.Route53ServiceId, "i-1");
        Assert.Equal("HEALTHY", (await f.Client.HealthAsync(f.Route53ServiceId))["i-1"]);

        f.Emulator.SetHealthStatus(f.Route53ServiceId, "i-1", healthy: false);

        Assert.Equal("UNHEALTHY", (await f.Client.HealthAsync(f.Route53ServiceId))["i-1"]);
    }

    [Fact]
    public async Task GetInstancesHealthStatus_UnknownInstanceOrService_Errors()
    {
        await using var f = await EmulatorFixture.StartAsync();

        await f.Client.ErrorAsync("GetInstancesHealthStatus", new JsonObject { ["ServiceId"] = f.CustomServiceId, ["Instances"] = new JsonArray("i-404") }, "InstanceNotFound");
        await f.Client.ErrorAsync("GetInstancesHealthStatus", new JsonObject { ["ServiceId"] = "srv-0000000000000000" }, "ServiceNotFound");
        await f.Client.ErrorAsync("GetInstancesHealthStatus", new JsonObject { ["ServiceId"] = f.CustomServiceId, ["Instances"] = new JsonArray() }, "InvalidInput");
    }

    [Fact]
    public async Task ReRegister_ExistingInstance_HealthRestartsFromInitialStatus()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1");
        await f.Client.PushHealthAsync(f.CustomServiceId, "i-1", "UNHEALTHY");

        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1", new JsonObject { ["AWS_INIT_HEALTH_STATUS"] = "UNHEALTHY" });

        var instance = f.Emulator.FindInstance(f.CustomServiceId, "i-1")!;
        Assert.Equal("UNHEALTHY", instance.HealthStatus);
        Assert.Null(instance.PendingHealthStatus);
    }
}
