// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Janitor.Tests;

/// <summary>The safety rules: never empty a service, not more than half at once, the cap per sweep, the dry run, the confirmation.</summary>
public sealed class SafetyTests
{
    [Fact]
    public async Task Once_OnlyInstanceDead_NeverEmptiesTheService_ExitCode3()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("orders");
        var only = h.RegisterEcsTask(service);
        h.Emulator.StopTask(only.TaskId, stopDuration: TimeSpan.Zero);

        var exit = await h.RunOnceAsync("--service", service);

        Assert.Equal(JanitorExitCodes.HeldBack, exit);
        Assert.True(h.IsRegistered(service, only.TaskId));
        Assert.Contains("would empty the service", Assert.Single(h.Messages("InstanceHeldBack")), StringComparison.Ordinal);
        Assert.Equal(0, h.Emulator.GetCallCount("DeregisterInstance"));
    }

    [Fact]
    public async Task Once_MoreThanHalfDeadAtOnce_HoldsEverything_ExitCode3()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("orders");
        var tasks = Enumerable.Range(0, 3).Select(_ => h.RegisterEcsTask(service)).ToList();
        h.Emulator.StopTask(tasks[0].TaskId, stopDuration: TimeSpan.Zero);
        h.Emulator.StopTask(tasks[1].TaskId, stopDuration: TimeSpan.Zero);

        var exit = await h.RunOnceAsync("--service", service);

        Assert.Equal(JanitorExitCodes.HeldBack, exit);
        Assert.Equal(3, h.Emulator.GetInstances(service).Count);
        var held = h.Messages("InstanceHeldBack");
        Assert.Equal(2, held.Count);
        Assert.All(held, m => Assert.Contains("2 of 3 instances look removable at once, more than half", m, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Once_MoreRemovableThanTheCap_RemovesTheCap_HoldsTheRest_ExitCode3()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("orders");
        var tasks = Enumerable.Range(0, 6).Select(_ => h.RegisterEcsTask(service)).ToList();
        foreach (var task in tasks.Take(3))
        {
            h.Emulator.StopTask(task.TaskId, stopDuration: TimeSpan.Zero);
        }

        var exit = await h.RunOnceAsync("--service", service, "--max-per-sweep", "2");

        Assert.Equal(JanitorExitCodes.HeldBack, exit);
        Assert.Equal(4, h.Emulator.GetInstances(service).Count);
        Assert.Equal(2, h.Messages("InstanceRemoved").Count);
        Assert.Contains("cap of 2 removals is reached", Assert.Single(h.Messages("InstanceHeldBack")), StringComparison.Ordinal);

        var next = await h.RunOnceAsync("--service", service, "--max-per-sweep", "2");

        Assert.Equal(JanitorExitCodes.Ok, next);
        Assert.Equal(3, h.Emulator.GetInstances(service).Count);
        Assert.All(tasks.Take(3), t => Assert.False(h.IsRegistered(service, t.TaskId)));
    }

    [Fact]
    public async Task Once_CapCountsOverEveryService()
    {
        await using var h = await JanitorHarness.StartAsync();
        var orders = h.CreateService("orders");
        var payments = h.CreateService("payments");
        foreach (var service in new[] { orders, payments })
        {
            var dead = h.RegisterOneStoppedOfThree(service);
        }

        var exit = await h.RunOnceAsync("--namespace", "example", "--max-per-sweep", "1");

        Assert.Equal(JanitorExitCodes.HeldBack, exit);
        Assert.Single(h.Messages("InstanceRemoved"));
        Assert.Single(h.Messages("InstanceHeldBack"));
        Assert.Equal(5, h.Emulator.GetInstances(orders).Count + h.Emulator.GetInstances(payments).Count);
    }

    [Fact]
    public async Task Once_DryRun_SaysWhatAndWhy_RemovesNothing()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("orders");
        var dead = h.RegisterOneStoppedOfThree(service);

        var exit = await h.RunAsync(["--once", "--dry-run", "--service", service]);

        Assert.Equal(JanitorExitCodes.Ok, exit);
        Assert.True(h.IsRegistered(service, dead.TaskId));
        var would = Assert.Single(h.Messages("InstanceWouldBeRemoved"));
        Assert.Contains($"would remove instance '{dead.TaskId}' from service 'orders'", would, StringComparison.Ordinal);
        Assert.Contains("is STOPPED", would, StringComparison.Ordinal);
        Assert.Equal(0, h.Emulator.GetCallCount("DeregisterInstance"));
        Assert.Equal(0, h.Emulator.GetCallCount("GetInstance"));
        Assert.Empty(h.Messages("InstanceRemoved"));
        Assert.Contains("(dry run)", Assert.Single(h.Messages("SweepCompleted")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_RegisteredAgainDuringTheConfirmDelay_LeftAlone()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("orders");
        var dead = h.RegisterOneStoppedOfThree(service);

        var run = h.RunAsync(["--once", "--confirm-delay", "10s", "--service", service]);
        await h.Clock.WaitForTimersAsync(1, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(1, h.Emulator.GetCallCount("DescribeTasks")); // parked on the confirm delay, after the first answer
        h.Emulator.RegisterInstance(service, dead.TaskId, new Dictionary<string, string>(StringComparer.Ordinal) { ["AWS_INSTANCE_IPV4"] = "10.0.200.1", ["ECS_CLUSTER_NAME"] = "prod" });
        h.Clock.Advance(TimeSpan.FromSeconds(10));
        var exit = await run;

        Assert.Equal(JanitorExitCodes.Ok, exit);
        Assert.True(h.IsRegistered(service, dead.TaskId));
        Assert.Contains("registered again since it was judged", Assert.Single(h.Messages("RemovalNotConfirmed")), StringComparison.Ordinal);
        Assert.Equal(0, h.Emulator.GetCallCount("DeregisterInstance"));
    }

    [Fact]
    public async Task Once_StopDuringTheConfirmDelay_RemovesNothing_ExitCode1()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("orders");
        var dead = h.RegisterOneStoppedOfThree(service);
        using var stop = new CancellationTokenSource();

        var run = h.RunStoppableAsync(["--once", "--service", service], stop.Token);
        await h.Clock.WaitForTimersAsync(1, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        var exit = await run;

        Assert.Equal(JanitorExitCodes.CallsFailed, exit);
        Assert.True(h.IsRegistered(service, dead.TaskId));
        Assert.Single(h.Messages("SweepInterrupted"));
        Assert.Equal(0, h.Emulator.GetCallCount("GetInstance"));
    }
}
