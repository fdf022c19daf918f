// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using static CloudMap.Lifecycle.Testing.Tests.Platform.PlatformClient;

namespace CloudMap.Lifecycle.Testing.Tests.Platform;

/// <summary>The platform's admin routes (<c>/_emulator/ecs/…</c>, <c>/_emulator/ec2/…</c>) and the seed's <c>ecs</c>/<c>ec2</c> sections.</summary>
public sealed class PlatformAdminAndSeedTests
{
    private static async Task<(HttpStatusCode Status, JsonNode? Body)> AdminAsync(EmulatorFixture f, HttpMethod method, string path, string? json = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, contentType);
        }

        using var response = await f.Client.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact]
    public async Task AdminEcs_StartStopHealthReplace_AreWhatDescribeTasksReports()
    {
        await using var f = await EmulatorFixture.StartAsync();

        var (startStatus, started) = await AdminAsync(f, HttpMethod.Post, "/_emulator/ecs/tasks", """{"cluster":"prod","serviceName":"orders","privateIPv4Address":"10.0.8.8"}""");
        var arn = started!["taskArn"]!.GetValue<string>();
        var (healthStatus, _) = await AdminAsync(f, HttpMethod.Post, "/_emulator/ecs/tasks/health", $$"""{"task":"{{arn}}","healthStatus":"UNHEALTHY"}""");
        var (replaceStatus, replaced) = await AdminAsync(f, HttpMethod.Post, "/_emulator/ecs/tasks/replace", $$"""{"task":"{{arn}}","stopSeconds":60}""");
        var (_, listed) = await AdminAsync(f, HttpMethod.Get, "/_emulator/ecs/tasks");
        var described = await EcsOkAsync(f, "DescribeTasks", new JsonObject { ["cluster"] = "prod", ["tasks"] = Strings(arn) });

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], new[] { startStatus, healthStatus, replaceStatus });
        Assert.Equal("10.0.8.8", started["privateIPv4Address"]!.GetValue<string>());
        Assert.Equal("DEACTIVATING", replaced!["stopped"]!["lastStatus"]!.GetValue<string>());
        Assert.Equal("RUNNING", replaced["started"]!["lastStatus"]!.GetValue<string>());
        Assert.Equal(2, listed!.AsArray().Count);
        var task = described["tasks"]![0]!;
        Assert.Equal(("UNHEALTHY", "DEACTIVATING", "ServiceSchedulerInitiated"), (task["healthStatus"]!.GetValue<string>(), task["lastStatus"]!.GetValue<string>(), task["stopCode"]!.GetValue<string>()));
    }

    [Fact]
    public async Task AdminEc2_LaunchTerminateMoveIp_AreWhatDescribeInstancesReports()
    {
        await using var f = await EmulatorFixture.StartAsync();

        var (_, first) = await AdminAsync(f, HttpMethod.Post, "/_emulator/ec2/instances", """{"privateIpAddress":"10.0.4.4"}""");
        var (_, second) = await AdminAsync(f, HttpMethod.Post, "/_emulator/ec2/instances", "{}");
        var firstId = first!["instanceId"]!.GetValue<string>();
        var secondId = second!["instanceId"]!.GetValue<string>();
        var (terminateStatus, terminating) = await AdminAsync(f, HttpMethod.Post, "/_emulator/ec2/instances/terminate", $$"""{"instanceId":"{{firstId}}","seconds":20}""");
        var (moveStatus, moved) = await AdminAsync(f, HttpMethod.Post, "/_emulator/ec2/instances/move-ip", $$"""{"instanceId":"{{secondId}}","privateIpAddress":"10.0.4.4"}""");
        var described = await DescribeAsync(f, ("InstanceId.1", firstId), ("InstanceId.2", secondId));

        Assert.Equal(HttpStatusCode.OK, terminateStatus);
        Assert.Equal("shutting-down", terminating!["state"]!.GetValue<string>());
        Assert.NotNull(terminating["stateChangesAt"]);
        Assert.Equal(HttpStatusCode.OK, moveStatus);
        Assert.Equal("10.0.4.4", moved!["privateIpAddress"]!.GetValue<string>());
        Assert.Equal("shutting-down", described[0].State);
        Assert.NotEqual("10.0.4.4", described[0].Ip);
        Assert.Equal((secondId, "running", "10.0.4.4"), described[1]);
    }

    [Theory]
    [InlineData("/_emulator/ecs/tasks", """{"serviceName":"x"}""", 400, "'cluster' is required.")]
    [InlineData("/_emulator/ecs/tasks", """{"cluster":"has space"}""", 400, "'has space' is not a valid ECS name")]
    [InlineData("/_emulator/ecs/tasks/stop", """{"task":"0123456789abcdef0123456789abcdef"}""", 400, "No task '0123456789abcdef0123456789abcdef'")]
    [InlineData("/_emulator/ecs/tasks/health", """{"task":"x","healthStatus":"SICK"}""", 400, "'healthStatus' must be HEALTHY, UNHEALTHY or UNKNOWN, not 'SICK'.")]
    [InlineData("/_emulator/ec2/instances", """{"privateIpAddress":"10.0.0"}""", 400, "'10.0.0' is not an IPv4 address")]
    [InlineData("/_emulator/ec2/instances/terminate", """{"instanceId":"i-0123456789abcdef0"}""", 400, "No instance 'i-0123456789abcdef0'")]
    [InlineData("/_emulator/ec2/instances/terminate", """{"instanceId":"i-0123456789abcdef0","seconds":-1}""", 400, "The duration must be from 0 to 1 day, not -00:00:01.")]
    [InlineData("/_emulator/ecs/tasks/stop", """{"task":"x","stopSeconds":90000}""", 400, "The duration must be from 0 to 1 day, not 1.01:00:00.")]
    [InlineData("/_emulator/ec2/nothing", "{}", 404, "No admin route for POST /_emulator/ec2/nothing.")]
    public async Task Admin_BadRequests_AnswerWithTheValue(string path, string body, int status, string message)
    {
        await using var f = await EmulatorFixture.StartAsync();

        var (code, answer) = await AdminAsync(f, HttpMethod.Post, path, body);

        Assert.Equal(status, (int)code);
        Assert.Contains(message, answer!["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_TransitionTheStateForbids_Is409_AndAFormBodyIs415()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var instance = f.Emulator.LaunchInstance();
        f.Emulator.TerminateInstance(instance.InstanceId);

        var (again, _) = await AdminAsync(f, HttpMethod.Post, "/_emulator/ec2/instances/terminate", $$"""{"instanceId":"{{instance.InstanceId}}"}""");
        var (form, _) = await AdminAsync(f, HttpMethod.Post, "/_emulator/ec2/instances", "privateIpAddress=10.0.0.9", "application/x-www-form-urlencoded");

        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form);
        Assert.Single(f.Emulator.GetEc2Instances());
    }

    [Fact]
    public async Task Seed_EcsAndEc2Sections_CreateTasksAndInstancesInTheirStates()
    {
        await using var f = await EmulatorFixture.StartAsync(o => o.SeedJson = """
            {
              "ecs": {"clusters": [{"name": "prod", "tasks": [
                {"id": "0123456789abcdef0123456789abcdef", "serviceName": "orders", "privateIPv4Address": "10.0.2.2"},
                {"serviceName": "orders", "lastStatus": "STOPPED", "stopCode": "SpotInterruption"},
                {"serviceName": "web", "healthStatus": "UNHEALTHY", "availabilityZone": "us-east-1b"}]},
                {"name": "empty"}]},
              "ec2": {"instances": [
                {"id": "i-0123456789abcdef0", "privateIpAddress": "10.0.2.3"},
                {"state": "stopped"},
                {"state": "terminated"}]}
            }
            """);

        var tasks = f.Emulator.GetTasks();
        var instances = f.Emulator.GetEc2Instances();
        var emptyCluster = await EcsOkAsync(f, "ListTasks", new JsonObject { ["cluster"] = "empty" });

        Assert.Equal(
            [("0123456789abcdef0123456789abcdef", "RUNNING", "HEALTHY", "10.0.2.2"), (tasks[1].TaskId, "STOPPED", "HEALTHY", tasks[1].PrivateIPv4Address), (tasks[2].TaskId, "RUNNING", "UNHEALTHY", tasks[2].PrivateIPv4Address)],
            tasks.Select(t => (t.TaskId, t.LastStatus, t.HealthStatus, t.PrivateIPv4Address)));
        Assert.Equal("SpotInterruption", tasks[1].StopCode);
        Assert.Equal("us-east-1b", tasks[2].AvailabilityZone);
        Assert.Equal([("i-0123456789abcdef0", "running", "10.0.2.3"), (instances[1].InstanceId, "stopped", instances[1].PrivateIpAddress), (instances[2].InstanceId, "terminated", null)], instances.Select(i => (i.InstanceId, i.State, i.PrivateIpAddress)));
        Assert.Empty(emptyCluster["taskArns"]!.AsArray());
    }

    public static TheoryData<string, string> RefusedSeeds => new()
    {
        { """{"ecs":{"cluster":[]}}""", "ecs.cluster: Unknown member 'cluster'" },
        { """{"ecs":{"clusters":[{"tasks":[]}]}}""", "ecs.clusters[0].name: Missing; it is required." },
        { """{"ecs":{"clusters":[{"name":"p","tasks":[{"lastStatus":"STOPPING"}]}]}}""", "ecs.clusters[0].tasks[0].lastStatus: 'STOPPING' is not a seedable status" },
        { """{"ecs":{"clusters":[{"name":"p","tasks":[{"id":"short"}]}]}}""", "ecs.clusters[0].tasks[0]: 'short' is not a task id" },
        { """{"ecs":{"clusters":[{"name":"p","tasks":[{"stopCode":"UserInitiated"}]}]}}""", "ecs.clusters[0].tasks[0].stopCode: A stop code needs" },
        { """{"ecs":{"clusters":[{"name":"p","tasks":[{"lastStatus":"STOPPED","stopCode":"Oops"}]}]}}""", "ecs.clusters[0].tasks[0].stopCode: 'Oops' is not an ECS stop code" },
        { """{"ec2":{"instances":[{"id":"i-xyz"}]}}""", "ec2.instances[0]: 'i-xyz' is not an EC2 instance id" },
        { """{"ec2":{"instances":[{"state":"pending"}]}}""", "ec2.instances[0].state: 'pending' is not a seedable state" },
        { """{"ec2":{"instances":[{"privateIpAddress":"10.0.2.2"},{"privateIpAddress":"10.0.2.2"}]}}""", "ec2.instances[1]: The address 10.0.2.2 is held by instance" },
        { """{"ec2":{"instances":{}}}""", "ec2.instances: Must be a JSON array." },
    };

    [Theory]
    [MemberData(nameof(RefusedSeeds))]
    public async Task Seed_InvalidPlatformSection_FailsStartNamingThePath(string seed, string expected)
    {
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { SeedJson = seed }, TestContext.Current.CancellationToken));

        Assert.Contains("The seed JSON is invalid at " + expected, error.Message, StringComparison.Ordinal);
    }
}
