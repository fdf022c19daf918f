// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text.Json.Nodes;
using static CloudMap.Lifecycle.Testing.Tests.Platform.PlatformClient;

namespace CloudMap.Lifecycle.Testing.Tests.Platform;

/// <summary>ECS DescribeTasks and ListTasks on the emulator's port, driven by the code API and the fake clock.</summary>
public sealed class EcsTaskTests
{
    private static async Task<JsonObject> DescribeOneAsync(EmulatorFixture f, string cluster, string task)
    {
        var answer = await EcsOkAsync(f, "DescribeTasks", new JsonObject { ["cluster"] = cluster, ["tasks"] = Strings(task) });
        return (JsonObject)answer["tasks"]!.AsArray().Single()!;
    }

    [Fact]
    public async Task DescribeTasks_RunningTask_ReportsStatusHealthAddressAndZone()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var task = f.Emulator.StartTask("prod", "orders", "10.0.7.7", "us-east-1c");

        var described = await DescribeOneAsync(f, "prod", task.TaskArn);

        Assert.Equal(task.TaskArn, described["taskArn"]!.GetValue<string>());
        Assert.Matches("^arn:aws:ecs:us-east-1:123456789012:task/prod/[0-9a-f]{32}$", task.TaskArn);
        Assert.Equal("arn:aws:ecs:us-east-1:123456789012:cluster/prod", described["clusterArn"]!.GetValue<string>());
        Assert.Equal("RUNNING", described["lastStatus"]!.GetValue<string>());
        Assert.Equal("RUNNING", described["desiredStatus"]!.GetValue<string>());
        Assert.Equal("HEALTHY", described["healthStatus"]!.GetValue<string>());
        Assert.Equal("HEALTHY", described["containers"]![0]!["healthStatus"]!.GetValue<string>());
        Assert.Equal("us-east-1c", described["availabilityZone"]!.GetValue<string>());
        Assert.Equal("service:orders", described["group"]!.GetValue<string>());
        var details = described["attachments"]![0]!["details"]!.AsArray();
        Assert.Equal("10.0.7.7", details.Single(d => d!["name"]!.GetValue<string>() == "privateIPv4Address")!["value"]!.GetValue<string>());
        Assert.Equal(f.Clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0, described["startedAt"]!.GetValue<double>());
        Assert.Null(described["stopCode"]);
        Assert.Null(described["stoppedAt"]);
    }

    [Fact]
    public async Task StopTask_GoesThroughDeactivatingStoppingDeprovisioning_ToStoppedOnTheClock()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var task = f.Emulator.StartTask("prod", "orders");
        var stopAt = f.Clock.GetUtcNow();

        f.Emulator.StopTask(task.TaskId, "EssentialContainerExited", TimeSpan.FromSeconds(30));
        var seen = new List<(string Last, string Desired)>();
        for (var i = 0; i < 4; i++)
        {
            var described = await DescribeOneAsync(f, "prod", task.TaskArn);
            seen.Add((described["lastStatus"]!.GetValue<string>(), described["desiredStatus"]!.GetValue<string>()));
            f.Clock.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal([("DEACTIVATING", "STOPPED"), ("STOPPING", "STOPPED"), ("DEPROVISIONING", "STOPPED"), ("STOPPED", "STOPPED")], seen);
        var stopped = await DescribeOneAsync(f, "prod", task.TaskArn);
        Assert.Equal("EssentialContainerExited", stopped["stopCode"]!.GetValue<string>());
        Assert.Equal((stopAt + TimeSpan.FromSeconds(30)).ToUnixTimeMilliseconds() / 1000.0, stopped["stoppedAt"]!.GetValue<double>());
        Assert.Equal("STOPPED", stopped["containers"]![0]!["lastStatus"]!.GetValue<string>());
        Assert.Equal(stopAt + TimeSpan.FromSeconds(30), f.Emulator.FindTask(task.TaskArn)!.StoppedAt);
    }

    [Fact]
    public async Task DescribeTasks_StoppedMoreThanAnHourAgo_IsMissing()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var task = f.Emulator.StartTask("prod");
        f.Emulator.StopTask(task.TaskArn, stopDuration: TimeSpan.Zero);

        f.Clock.Advance(TimeSpan.FromMinutes(59));
        var before = await EcsOkAsync(f, "DescribeTasks", new JsonObject { ["cluster"] = "prod", ["tasks"] = Strings(task.TaskArn) });
        f.Clock.Advance(TimeSpan.FromMinutes(1));
        var after = await EcsOkAsync(f, "DescribeTasks", new JsonObject { ["cluster"] = "prod", ["tasks"] = Strings(task.TaskArn) });

        Assert.Single(before["tasks"]!.AsArray());
        Assert.Empty(after["tasks"]!.AsArray());
        Assert.Equal(task.TaskArn, after["failures"]![0]!["arn"]!.GetValue<string>());
        Assert.Equal("MISSING", after["failures"]![0]!["reason"]!.GetValue<string>());
        Assert.Null(f.Emulator.FindTask(task.TaskArn));
    }

    [Fact]
    public async Task DescribeTasks_UnknownIdsAndTasksOfAnotherCluster_AreMissingFailures()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var here = f.Emulator.StartTask("prod");
        var elsewhere = f.Emulator.StartTask("staging");
        var unknown = new string('a', 32);

        var answer = await EcsOkAsync(f, "DescribeTasks", new JsonObject { ["cluster"] = "prod", ["tasks"] = Strings(here.TaskId, elsewhere.TaskArn, unknown, here.TaskArn) });

        Assert.Equal([here.TaskArn], answer["tasks"]!.AsArray().Select(t => t!["taskArn"]!.GetValue<string>()));
        Assert.Equal(
            [(elsewhere.TaskArn, "MISSING"), ($"arn:aws:ecs:us-east-1:123456789012:task/prod/{unknown}", "MISSING")],
            answer["failures"]!.AsArray().Select(x => (x!["arn"]!.GetValue<string>(), x["reason"]!.GetValue<string>())));
    }

    [Fact]
    public async Task DescribeTasks_InvalidRequests_AnswerEcsErrors()
    {
        await using var f = await EmulatorFixture.StartAsync();
        f.Emulator.StartTask("prod");

        Assert.Equal("Cluster not found.", await EcsErrorAsync(f, "DescribeTasks", new JsonObject { ["cluster"] = "nope", ["tasks"] = Strings("x") }, "ClusterNotFoundException"));
        Assert.Equal("Cluster not found.", await EcsErrorAsync(f, "DescribeTasks", new JsonObject { ["tasks"] = Strings("x") }, "ClusterNotFoundException"));
        Assert.Equal("Tasks cannot be empty.", await EcsErrorAsync(f, "DescribeTasks", new JsonObject { ["cluster"] = "prod", ["tasks"] = new JsonArray() }, "InvalidParameterException"));
        Assert.Equal("Tasks cannot be empty.", await EcsErrorAsync(f, "DescribeTasks", new JsonObject { ["cluster"] = "prod" }, "InvalidParameterException"));
        var tooMany = Strings([.. Enumerable.Range(0, 101).Select(i => i.ToString("x32", System.Globalization.CultureInfo.InvariantCulture))]);
        Assert.Equal("taskIds can have at most 100 items.", await EcsErrorAsync(f, "DescribeTasks", new JsonObject { ["cluster"] = "prod", ["tasks"] = tooMany }, "InvalidParameterException"));
        await EcsErrorAsync(f, "DescribeTasks", new JsonObject { ["cluster"] = "prod", ["tasks"] = Strings("x"), ["include"] = Strings("NOPE") }, "InvalidParameterException");
    }

    [Fact]
    public async Task ListTasks_ListsRunningByDefault_FiltersByServiceAndDesiredStatus_AndPages()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var a = f.Emulator.StartTask("prod", "orders");
        var b = f.Emulator.StartTask("prod", "orders");
        var c = f.Emulator.StartTask("prod", "billing");
        var stopping = f.Emulator.StartTask("prod", "orders");
        f.Emulator.StopTask(stopping.TaskArn);

        async Task<List<string>> ListAsync(JsonObject body) =>
            [.. (await EcsOkAsync(f, "ListTasks", body))["taskArns"]!.AsArray().Select(t => t!.GetValue<string>())];

        Assert.Equal([a.TaskArn, b.TaskArn, c.TaskArn], await ListAsync(new JsonObject { ["cluster"] = "prod" }));
        Assert.Equal([a.TaskArn, b.TaskArn], await ListAsync(new JsonObject { ["cluster"] = "prod", ["serviceName"] = "orders" }));
        Assert.Equal([stopping.TaskArn], await ListAsync(new JsonObject { ["cluster"] = "prod", ["desiredStatus"] = "STOPPED" }));
        var page1 = await EcsOkAsync(f, "ListTasks", new JsonObject { ["cluster"] = "prod", ["maxResults"] = 2 });
        var page2 = await EcsOkAsync(f, "ListTasks", new JsonObject { ["cluster"] = "prod", ["maxResults"] = 2, ["nextToken"] = page1["nextToken"]!.GetValue<string>() });
        Assert.Equal(2, page1["taskArns"]!.AsArray().Count);
        Assert.Equal([c.TaskArn], page2["taskArns"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Null(page2["nextToken"]);
        await EcsErrorAsync(f, "ListTasks", new JsonObject { ["cluster"] = "prod", ["serviceName"] = "nope" }, "ServiceNotFoundException");
        await EcsErrorAsync(f, "ListTasks", new JsonObject { ["cluster"] = "prod", ["maxResults"] = 101 }, "InvalidParameterException");
        await EcsErrorAsync(f, "ListTasks", new JsonObject { ["cluster"] = "prod", ["nextToken"] = "bogus" }, "InvalidParameterException");
        await EcsErrorAsync(f, "ListTasks", new JsonObject { ["cluster"] = "prod", ["desiredStatus"] = "GONE" }, "InvalidParameterException");
    }

    [Fact]
    public async Task SetTaskHealth_Unhealthy_ShowsOnTaskAndContainer()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var task = f.Emulator.StartTask("prod", "web");

        f.Emulator.SetTaskHealth(task.TaskArn, healthy: false);
        var described = await DescribeOneAsync(f, "prod", task.TaskArn);

        Assert.Equal("UNHEALTHY", described["healthStatus"]!.GetValue<string>());
        Assert.Equal("UNHEALTHY", described["containers"]![0]!["healthStatus"]!.GetValue<string>());
        Assert.Equal("RUNNING", described["lastStatus"]!.GetValue<string>());
    }

    [Fact]
    public async Task ReplaceTask_StopsTheOldAsTheSchedulerDoes_AndStartsANewOneInTheSameServiceAndZone()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var old = f.Emulator.StartTask("prod", "orders", availabilityZone: "us-east-1b");

        var replacement = f.Emulator.ReplaceTask(old.TaskArn, TimeSpan.Zero);
        var stopped = await DescribeOneAsync(f, "prod", old.TaskArn);

        Assert.Equal("STOPPED", stopped["lastStatus"]!.GetValue<string>());
        Assert.Equal("ServiceSchedulerInitiated", stopped["stopCode"]!.GetValue<string>());
        Assert.Equal(("orders", "us-east-1b", "RUNNING"), (replacement.ServiceName, replacement.AvailabilityZone, replacement.LastStatus));
        Assert.NotEqual(old.PrivateIPv4Address, replacement.PrivateIPv4Address);
        Assert.NotEqual(old.TaskId, replacement.TaskId);
    }

    [Fact]
    public async Task StartTask_AddressHeldByALiveTask_IsRefusedUntilThatTaskIsStopped()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var first = f.Emulator.StartTask("prod", privateIPv4Address: "10.0.5.5");
        f.Emulator.StopTask(first.TaskArn, stopDuration: TimeSpan.FromSeconds(30));

        var refused = Assert.Throws<ArgumentException>(() => f.Emulator.StartTask("prod", privateIPv4Address: "10.0.5.5"));
        f.Clock.Advance(TimeSpan.FromSeconds(30));
        var second = f.Emulator.StartTask("prod", privateIPv4Address: "10.0.5.5");

        Assert.Equal("privateIPv4Address", refused.ParamName);
        Assert.Contains("10.0.5.5", refused.Message, StringComparison.Ordinal);
        Assert.Equal("10.0.5.5", second.PrivateIPv4Address);
        Assert.Equal("10.0.5.5", (await DescribeOneAsync(f, "prod", first.TaskArn))["attachments"]![0]!["details"]![3]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task CodeApi_InvalidArguments_NameTheParameterAndValue()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var task = f.Emulator.StartTask("prod");

        Assert.Equal("cluster", Assert.Throws<ArgumentException>(() => f.Emulator.StartTask("bad name")).ParamName);
        Assert.Equal("privateIPv4Address", Assert.Throws<ArgumentException>(() => f.Emulator.StartTask("prod", privateIPv4Address: "::1")).ParamName);
        Assert.Equal("availabilityZone", Assert.Throws<ArgumentException>(() => f.Emulator.StartTask("prod", availabilityZone: "eu-west-1a")).ParamName);
        var badCode = Assert.Throws<ArgumentException>(() => f.Emulator.StopTask(task.TaskArn, "Crashed"));
        Assert.Equal("stopCode", badCode.ParamName);
        Assert.Contains("'Crashed'", badCode.Message, StringComparison.Ordinal);
        Assert.Equal("task", Assert.Throws<ArgumentException>(() => f.Emulator.StopTask(new string('b', 32))).ParamName);
        f.Emulator.StopTask(task.TaskArn);
        Assert.Throws<InvalidOperationException>(() => f.Emulator.StopTask(task.TaskArn));
    }

    [Fact]
    public async Task DescribeTasks_CountedAndSubjectToInjectedFaults()
    {
        await using var f = await EmulatorFixture.StartAsync();
        f.Emulator.StartTask("prod");
        f.Emulator.Faults.Script("DescribeTasks", ScriptedFault.Throttling());

        var (status, body) = await EcsAsync(f, "DescribeTasks", new JsonObject { ["cluster"] = "prod", ["tasks"] = Strings("x") });
        await EcsOkAsync(f, "DescribeTasks", new JsonObject { ["cluster"] = "prod", ["tasks"] = Strings("x") });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ThrottlingException", body["__type"]!.GetValue<string>());
        Assert.Equal(2, f.Emulator.GetCallCount("DescribeTasks"));
        Assert.Equal(1, f.Emulator.GetThrottledCount("DescribeTasks"));
    }
}
