// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Janitor.Tests;

/// <summary>One sweep (<c>--once</c>) per platform state: what the janitor removes, keeps and leaves alone, and why it says so.</summary>
public sealed class PlatformStateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Once_LibraryRegisteredTaskStopped_RemovedAfterTheSecondAnswer_RunningTasksKept()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("orders");
        var dead = h.RegisterLibraryTask(service);
        h.RegisterLibraryTask(service);
        h.RegisterLibraryTask(service);
        h.Emulator.StopTask(dead.TaskId, "EssentialContainerExited", TimeSpan.Zero);

        var exit = await h.RunOnceAsync("--service", service);

        Assert.Equal(JanitorExitCodes.Ok, exit);
        Assert.False(h.IsRegistered(service, "orders-" + dead.TaskId[..8]));
        Assert.Equal(2, h.Emulator.GetInstances(service).Count);
        var removed = Assert.Single(h.Messages("InstanceRemoved"));
        Assert.Contains($"ECS task '{dead.TaskId}' in cluster 'prod' is STOPPED", removed, StringComparison.Ordinal);
        Assert.Contains("second answer", removed, StringComparison.Ordinal);
        Assert.Equal(2, h.Messages("InstanceKept").Count);
        Assert.Equal(2, h.Emulator.GetCallCount("DescribeTasks")); // the first answer and the confirming one
        Assert.Equal(1, h.Emulator.GetCallCount("GetInstance")); // the re-read before the removal
        Assert.Equal(1, h.Emulator.GetCallCount("DeregisterInstance"));
    }

    [Fact]
    public async Task Once_TaskUnknownToEcs_Removed()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("orders");
        var gone = h.RegisterOneStoppedOfThree(service);
        h.Clock.Advance(TimeSpan.FromHours(2)); // ECS forgets a task an hour after it stopped: MISSING

        var exit = await h.RunOnceAsync("--service", service);

        Assert.Equal(JanitorExitCodes.Ok, exit);
        Assert.False(h.IsRegistered(service, gone.TaskId));
        Assert.Contains("MISSING", Assert.Single(h.Messages("InstanceRemoved")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_EcsRegisteredTaskWithoutClusterAttribute_JudgedWithClusterOption_LeftAloneWithout()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("orders");
        var dead = h.RegisterOneStoppedOfThree(service, withClusterAttribute: false);

        var without = await h.RunOnceAsync("--service", service);

        Assert.Equal(JanitorExitCodes.Ok, without);
        Assert.True(h.IsRegistered(service, dead.TaskId));
        Assert.Equal(3, h.Messages("InstanceLeftAlone").Count(m => m.Contains("no --cluster is given", StringComparison.Ordinal)));
        Assert.Equal(0, h.Emulator.GetCallCount("DescribeTasks"));

        var with = await h.RunOnceAsync("--service", service, "--cluster", JanitorHarness.Cluster);

        Assert.Equal(JanitorExitCodes.Ok, with);
        Assert.False(h.IsRegistered(service, dead.TaskId));
    }

    [Fact]
    public async Task Once_TaskStillStopping_LeftAloneWithTheReason()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("orders");
        var stopping = h.RegisterEcsTask(service);
        h.RegisterEcsTask(service);
        h.Emulator.StopTask(stopping.TaskId, stopDuration: TimeSpan.FromSeconds(30)); // DEACTIVATING for 10 s

        var exit = await h.RunOnceAsync("--service", service);

        Assert.Equal(JanitorExitCodes.Ok, exit);
        Assert.True(h.IsRegistered(service, stopping.TaskId));
        Assert.Contains(h.Messages("InstanceLeftAlone"), m => m.Contains($"'{stopping.TaskId}'", StringComparison.Ordinal) && m.Contains("is DEACTIVATING", StringComparison.Ordinal));
        Assert.Empty(h.Messages("InstanceRemoved"));
    }

    [Fact]
    public async Task Once_Ec2ScriptInstanceTerminated_Removed_RunningOneKept()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("legacy");
        var dead = h.Emulator.LaunchInstance();
        var alive = h.Emulator.LaunchInstance();
        var third = h.Emulator.LaunchInstance();
        h.RegisterEc2(service, dead.InstanceId, dead.PrivateIpAddress!);
        h.RegisterEc2(service, alive.InstanceId, alive.PrivateIpAddress!);
        h.RegisterEc2(service, third.InstanceId, third.PrivateIpAddress!);
        h.Emulator.TerminateInstance(dead.InstanceId, TimeSpan.Zero);

        var exit = await h.RunOnceAsync("--service", service);

        Assert.Equal(JanitorExitCodes.Ok, exit);
        Assert.False(h.IsRegistered(service, dead.InstanceId));
        Assert.True(h.IsRegistered(service, alive.InstanceId));
        Assert.Contains($"EC2 instance '{dead.InstanceId}' is terminated", Assert.Single(h.Messages("InstanceRemoved")), StringComparison.Ordinal);
        Assert.Contains(h.Messages("InstanceKept"), m => m.Contains($"EC2 instance '{alive.InstanceId}' is running and holds {alive.PrivateIpAddress}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Once_RecycledIp_DeadInstancesRegistrationRemoved_NewHolderUntouched()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("legacy");
        var dead = h.Emulator.LaunchInstance("10.0.9.9");
        var other = h.Emulator.LaunchInstance();
        h.RegisterEc2(service, dead.InstanceId, "10.0.9.9");
        h.RegisterEc2(service, other.InstanceId, other.PrivateIpAddress!);
        h.Emulator.TerminateInstance(dead.InstanceId, TimeSpan.Zero);
        var successor = h.Emulator.LaunchInstance();
        h.Emulator.MovePrivateIp("10.0.9.9", successor.InstanceId);
        h.RegisterEc2(service, successor.InstanceId, "10.0.9.9"); // the address now answers, from somebody else

        var exit = await h.RunOnceAsync("--service", service);

        Assert.Equal(JanitorExitCodes.Ok, exit);
        Assert.False(h.IsRegistered(service, dead.InstanceId));
        Assert.True(h.IsRegistered(service, successor.InstanceId));
        Assert.True(h.IsRegistered(service, other.InstanceId));
        Assert.Contains(h.Messages("InstanceKept"), m => m.Contains($"'{successor.InstanceId}' is running and holds 10.0.9.9", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Once_RunningInstanceNoLongerHoldingItsAddress_Removed()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("legacy");
        var moved = h.Emulator.LaunchInstance("10.0.8.8");
        var other = h.Emulator.LaunchInstance();
        var third = h.Emulator.LaunchInstance();
        var taker = h.Emulator.LaunchInstance(); // not in the service
        h.RegisterEc2(service, moved.InstanceId, "10.0.8.8");
        h.RegisterEc2(service, other.InstanceId, other.PrivateIpAddress!);
        h.RegisterEc2(service, third.InstanceId, third.PrivateIpAddress!);
        h.Emulator.MovePrivateIp("10.0.8.8", taker.InstanceId);

        var exit = await h.RunOnceAsync("--service", service);

        Assert.Equal(JanitorExitCodes.Ok, exit);
        Assert.False(h.IsRegistered(service, moved.InstanceId));
        Assert.Contains("not holding 10.0.8.8", Assert.Single(h.Messages("InstanceRemoved")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_StoppedInstance_ProvesNothing_LeftAlone()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("legacy");
        var stopped = h.Emulator.LaunchInstance();
        var other = h.Emulator.LaunchInstance();
        h.RegisterEc2(service, stopped.InstanceId, stopped.PrivateIpAddress!);
        h.RegisterEc2(service, other.InstanceId, other.PrivateIpAddress!);
        h.Emulator.StopInstance(stopped.InstanceId, TimeSpan.Zero);

        var exit = await h.RunOnceAsync("--service", service);

        Assert.Equal(JanitorExitCodes.Ok, exit);
        Assert.True(h.IsRegistered(service, stopped.InstanceId));
        Assert.Contains(h.Messages("InstanceLeftAlone"), m => m.Contains($"'{stopped.InstanceId}' is stopped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Once_RegistrationItCannotJudge_LeftAloneSayingWhy()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("orders");
        h.Emulator.RegisterInstance(service, "orders-1", new Dictionary<string, string>(StringComparer.Ordinal) { ["AWS_INSTANCE_IPV4"] = "10.0.0.1" });
        h.Emulator.RegisterInstance(service, "i-0123456789abcdef0", new Dictionary<string, string>(StringComparer.Ordinal) { ["deployed-by"] = "script" });

        var exit = await h.RunOnceAsync("--service", service);

        Assert.Equal(JanitorExitCodes.Ok, exit);
        var lines = h.Messages("InstanceLeftAlone");
        Assert.Contains(lines, m => m.Contains("'orders-1'", StringComparison.Ordinal) && m.Contains("names no ECS task nor EC2 instance", StringComparison.Ordinal));
        Assert.Contains(lines, m => m.Contains("'i-0123456789abcdef0'", StringComparison.Ordinal) && m.Contains("registers no address", StringComparison.Ordinal));
        Assert.Equal(2, h.Emulator.GetInstances(service).Count);
        Assert.Equal(0, h.Emulator.GetCallCount("DescribeInstances"));
    }

    [Fact]
    public async Task Once_PlatformCallFails_NothingRemoved_ExitCode1()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("orders");
        var dead = h.RegisterOneStoppedOfThree(service);
        h.Emulator.Faults.Script("DescribeTasks", ScriptedFault.Error("AccessDeniedException", "not allowed: ecs:DescribeTasks"));

        var exit = await h.RunOnceAsync("--service", service);

        Assert.Equal(JanitorExitCodes.CallsFailed, exit);
        Assert.True(h.IsRegistered(service, dead.TaskId));
        Assert.Contains("AccessDeniedException", Assert.Single(h.Messages("PlatformUnavailable")), StringComparison.Ordinal);
        Assert.Equal(0, h.Emulator.GetCallCount("DeregisterInstance"));
    }

    [Fact]
    public async Task Once_Namespace_SweepsEveryServiceOfIt()
    {
        await using var h = await JanitorHarness.StartAsync();
        var orders = h.CreateService("orders");
        var payments = h.CreateService("payments");
        var other = h.Emulator.CreateService(h.Emulator.CreateHttpNamespace("elsewhere"), "orders");
        var deadOrder = h.RegisterEcsTasks(orders, 3);
        var deadPayment = h.RegisterEcsTasks(payments, 3);
        var deadElsewhere = h.RegisterEcsTasks(other, 3);
        foreach (var task in new[] { deadOrder, deadPayment, deadElsewhere })
        {
            h.Emulator.StopTask(task.TaskId, stopDuration: TimeSpan.Zero);
        }

        var exit = await h.RunOnceAsync("--namespace", "example");

        Assert.Equal(JanitorExitCodes.Ok, exit);
        Assert.False(h.IsRegistered(orders, deadOrder.TaskId));
        Assert.False(h.IsRegistered(payments, deadPayment.TaskId));
        Assert.True(h.IsRegistered(other, deadElsewhere.TaskId));
        Assert.Contains("2 services, 6 instances; removed 2", Assert.Single(h.Messages("SweepCompleted")), StringComparison.Ordinal);
    }
}
