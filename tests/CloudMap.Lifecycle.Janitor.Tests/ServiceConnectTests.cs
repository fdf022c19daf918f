// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Janitor.Tests;

/// <summary>
/// Services without any health check (created by ECS Service Connect): every instance is routable whatever ECS says,
/// so <c>--deregister-unhealthy-tasks</c> also removes the tasks ECS reports UNHEALTHY or stopping, and says so.
/// </summary>
public sealed class ServiceConnectTests
{
    [Fact]
    public async Task Once_UnhealthyAndStoppingTasks_RemovedWithTheFlag_SaidSo()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("orders", EmulatedHealthCheck.None);
        var unhealthy = h.RegisterEcsTask(service);
        var stopping = h.RegisterEcsTask(service);
        var healthy = h.RegisterEcsTasks(service, 3);
        h.Emulator.SetTaskHealth(unhealthy.TaskId, healthy: false);
        h.Emulator.StopTask(stopping.TaskId, stopDuration: TimeSpan.FromMinutes(3)); // DEACTIVATING, then STOPPING

        var exit = await h.RunOnceAsync("--namespace", "example", "--deregister-unhealthy-tasks");

        Assert.Equal(JanitorExitCodes.Ok, exit);
        Assert.False(h.IsRegistered(service, unhealthy.TaskId));
        Assert.False(h.IsRegistered(service, stopping.TaskId));
        Assert.True(h.IsRegistered(service, healthy.TaskId));
        Assert.Single(h.Messages("UnhealthyTasksRuleOn"));
        var removed = h.Messages("InstanceRemoved");
        Assert.Contains(removed, m => m.Contains($"'{unhealthy.TaskId}'", StringComparison.Ordinal) && m.Contains("UNHEALTHY and the service has no health check (--deregister-unhealthy-tasks)", StringComparison.Ordinal));
        Assert.Contains(removed, m => m.Contains($"'{stopping.TaskId}'", StringComparison.Ordinal) && m.Contains("stopping and the service has no health check", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Once_UnhealthyTask_WithoutTheFlag_Kept()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("orders", EmulatedHealthCheck.None);
        var unhealthy = h.RegisterEcsTasks(service, 3);
        h.Emulator.SetTaskHealth(unhealthy.TaskId, healthy: false);

        var exit = await h.RunOnceAsync("--service", service);

        Assert.Equal(JanitorExitCodes.Ok, exit);
        Assert.True(h.IsRegistered(service, unhealthy.TaskId));
        Assert.Contains(h.Messages("InstanceKept"), m => m.Contains($"'{unhealthy.TaskId}'", StringComparison.Ordinal) && m.Contains("RUNNING and UNHEALTHY", StringComparison.Ordinal));
        Assert.Empty(h.Messages("UnhealthyTasksRuleOn"));
    }

    [Fact]
    public async Task Once_UnhealthyTask_InAServiceWithAHealthCheck_KeptEvenWithTheFlag()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("orders", EmulatedHealthCheck.Custom);
        var unhealthy = h.RegisterEcsTasks(service, 3);
        h.Emulator.SetTaskHealth(unhealthy.TaskId, healthy: false);

        var exit = await h.RunOnceAsync("--service", service, "--deregister-unhealthy-tasks");

        Assert.Equal(JanitorExitCodes.Ok, exit);
        Assert.True(h.IsRegistered(service, unhealthy.TaskId));
        Assert.Contains(h.Messages("InstanceKept"), m => m.Contains("but the service has a health check", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Once_UnhealthyTaskRecoversBeforeTheSecondAnswer_NotRemoved()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("orders", EmulatedHealthCheck.None);
        var flapping = h.RegisterEcsTasks(service, 3);
        h.Emulator.SetTaskHealth(flapping.TaskId, healthy: false);

        var run = h.RunAsync(["--once", "--confirm-delay", "5s", "--service", service, "--deregister-unhealthy-tasks"]);
        await h.Clock.WaitForTimersAsync(1, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        h.Emulator.SetTaskHealth(flapping.TaskId, healthy: true);
        h.Clock.Advance(TimeSpan.FromSeconds(5));
        var exit = await run;

        Assert.Equal(JanitorExitCodes.Ok, exit);
        Assert.True(h.IsRegistered(service, flapping.TaskId));
        Assert.Contains("the second platform answer differs", Assert.Single(h.Messages("RemovalNotConfirmed")), StringComparison.Ordinal);
    }
}
