// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Tests;

public sealed class FaultTests
{
    private static JsonObject Get(EmulatorFixture f) => new() { ["Id"] = f.CustomServiceId };

    [Fact]
    public async Task Throttle_BucketEmpty_ThrottlingExceptionUntilRefilled()
    {
        await using var f = await EmulatorFixture.StartAsync();
        f.Emulator.Faults.Throttle(burst: 2, refillPerSecond: 1, operation: "GetService");

        await f.Client.OkAsync("GetService", Get(f));
        await f.Client.OkAsync("GetService", Get(f));
        await f.Client.ErrorAsync("GetService", Get(f), "ThrottlingException");
        await f.Client.OkAsync("ListServices");
        f.Clock.Advance(TimeSpan.FromSeconds(1));
        await f.Client.OkAsync("GetService", Get(f));

        Assert.Equal(4, f.Emulator.GetCallCount("GetService"));
        Assert.Equal(1, f.Emulator.GetThrottledCount("GetService"));
    }

    [Fact]
    public async Task ThrottleGroup_SharesOneBucketAndSparesTheRest()
    {
        await using var f = await EmulatorFixture.StartAsync();
        f.Emulator.Faults.ThrottleGroup(burst: 2, refillPerSecond: 1, operations: ["GetService", "ListServices"]);

        await f.Client.OkAsync("GetService", Get(f));
        await f.Client.OkAsync("ListServices");
        await f.Client.ErrorAsync("ListServices", new JsonObject(), "ThrottlingException");
        await f.Client.ErrorAsync("GetService", Get(f), "ThrottlingException");
        await f.Client.OkAsync("ListNamespaces");
        await f.Client.OkAsync("ListNamespaces");
        await f.Client.OkAsync("ListNamespaces");
        f.Clock.Advance(TimeSpan.FromSeconds(1));
        await f.Client.OkAsync("ListServices");

        Assert.Equal(1, f.Emulator.GetThrottledCount("GetService"));
        Assert.Equal(1, f.Emulator.GetThrottledCount("ListServices"));
        Assert.Equal(0, f.Emulator.GetThrottledCount("ListNamespaces"));
    }

    [Fact]
    public async Task Throttle_ControlPlane_OneBucketForTheControlPlane_DataPlaneSpared()
    {
        await using var f = await EmulatorFixture.StartAsync();
        f.Emulator.Faults.Throttle(burst: 2, refillPerSecond: 1, EmulatorFaults.ControlPlane);
        var discover = new JsonObject { ["NamespaceName"] = "example", ["ServiceName"] = "custom" };

        await f.Client.OkAsync("GetService", Get(f));
        await f.Client.OkAsync("ListServices");
        await f.Client.ErrorAsync("ListNamespaces", new JsonObject(), "ThrottlingException");
        await f.Client.OkAsync("DiscoverInstances", discover);
        await f.Client.OkAsync("DiscoverInstances", discover);
        await f.Client.OkAsync("DiscoverInstances", discover);
        f.Clock.Advance(TimeSpan.FromSeconds(1));
        await f.Client.OkAsync("ListNamespaces");

        Assert.Equal(1, f.Emulator.GetThrottledCount("ListNamespaces"));
        Assert.Equal(0, f.Emulator.GetThrottledCount("DiscoverInstances"));
    }

    [Fact]
    public async Task ThrottleGroup_Empty_Throws()
    {
        await using var f = await EmulatorFixture.StartAsync();

        var error = Assert.Throws<ArgumentException>(() => f.Emulator.Faults.ThrottleGroup(1, 1, operations: Array.Empty<string>()));

        Assert.Equal("operations", error.ParamName);
    }

    [Fact]
    public async Task Throttle_Discovery_RequestLimitExceeded()
    {
        await using var f = await EmulatorFixture.StartAsync();
        f.Emulator.Faults.Throttle(0, 0);

        await f.Client.ErrorAsync("DiscoverInstances", new JsonObject { ["NamespaceName"] = "example", ["ServiceName"] = "custom" }, "RequestLimitExceeded");
        await f.Client.ErrorAsync("RegisterInstance", new JsonObject(), "ThrottlingException");
    }

    [Theory]
    [InlineData(500, "InternalFailure", HttpStatusCode.InternalServerError)]
    [InlineData(503, "ServiceUnavailable", HttpStatusCode.ServiceUnavailable)]
    public async Task ErrorRate_One_AnswersServerError(int status, string code, HttpStatusCode expected)
    {
        await using var f = await EmulatorFixture.StartAsync();
        f.Emulator.Faults.ErrorRate(1.0, status, "GetService");

        await f.Client.ErrorAsync("GetService", Get(f), code, expected);
        await f.Client.OkAsync("ListServices");
    }

    [Fact]
    public async Task ErrorRate_Half_FailsSomeNotAll()
    {
        await using var f = await EmulatorFixture.StartAsync();
        f.Emulator.Faults.ErrorRate(0.5);

        var results = new List<HttpStatusCode>();
        for (var i = 0; i < 40; i++)
        {
            results.Add((await f.Client.CallAsync("GetService", Get(f))).Status);
        }

        Assert.Contains(HttpStatusCode.OK, results);
        Assert.Contains(HttpStatusCode.InternalServerError, results);
    }

    [Fact]
    public async Task Latency_OnFakeClock_AnswersOnlyAfterClockAdvances()
    {
        await using var f = await EmulatorFixture.StartAsync();
        f.Emulator.Faults.Latency(TimeSpan.FromSeconds(2), "GetService");

        var call = f.Client.CallAsync("GetService", Get(f));
        await f.Clock.WaitForTimersAsync(1, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.False(call.IsCompleted);
        f.Clock.Advance(TimeSpan.FromSeconds(2));
        var response = await call.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(TimeSpan.FromSeconds(2), f.Emulator.GetRequestLog().Single().Latency);
    }

    [Fact]
    public async Task DropConnections_One_ClientSeesConnectionError()
    {
        await using var f = await EmulatorFixture.StartAsync();
        f.Emulator.Faults.DropConnections(1.0, "GetService");

        await Assert.ThrowsAsync<HttpRequestException>(() => f.Client.CallAsync("GetService", Get(f)));

        var entry = f.Emulator.GetRequestLog().Single();
        Assert.Equal(0, entry.StatusCode);
        Assert.True(entry.Injected);
    }

    [Fact]
    public async Task FailOperations_Register_OperationFailsAndNothingRegistered()
    {
        await using var f = await EmulatorFixture.StartAsync();
        f.Emulator.Faults.FailOperations(1.0, operation: "RegisterInstance");

        var op = await f.Client.RegisterAsync(f.CustomServiceId, "i-1");
        Assert.Equal("SUBMITTED", await f.Client.OperationStatusAsync(op));
        f.Clock.Advance(f.OperationTime);

        var operation = (await f.Client.OkAsync("GetOperation", new JsonObject { ["OperationId"] = op }))["Operation"]!;
        Assert.Equal("FAIL", operation["Status"]!.GetValue<string>());
        Assert.Equal("INTERNAL_FAILURE", operation["ErrorCode"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(operation["ErrorMessage"]!.GetValue<string>()));
        Assert.Null(f.Emulator.FindInstance(f.CustomServiceId, "i-1"));
    }

    [Fact]
    public async Task FailOperations_Deregister_InstanceStays()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1");
        f.Emulator.Faults.FailOperations(1.0, "THROTTLED_REQUEST");

        var op = (await f.Client.OkAsync("DeregisterInstance", new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "i-1" }))["OperationId"]!.GetValue<string>();
        f.Clock.Advance(f.OperationTime);

        Assert.Equal("FAIL", await f.Client.OperationStatusAsync(op));
        Assert.NotNull(f.Emulator.FindInstance(f.CustomServiceId, "i-1"));
    }

    [Fact]
    public async Task Script_OneOff_HitsNextCallOnly()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1");
        f.Emulator.Faults.Script("UpdateInstanceCustomHealthStatus", ScriptedFault.Error("InstanceNotFound"));
        f.Emulator.Faults.Script("GetService", ScriptedFault.Throttling(), times: 2);
        var push = new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "i-1", ["Status"] = "HEALTHY" };

        await f.Client.ErrorAsync("UpdateInstanceCustomHealthStatus", push, "InstanceNotFound");
        await f.Client.OkAsync("UpdateInstanceCustomHealthStatus", (JsonObject)push.DeepClone());
        await f.Client.ErrorAsync("GetService", Get(f), "ThrottlingException");
        await f.Client.ErrorAsync("GetService", Get(f), "ThrottlingException");
        await f.Client.OkAsync("GetService", Get(f));
    }

    [Fact]
    public async Task Script_ServerErrorsDropAndFailOperation_Apply()
    {
        await using var f = await EmulatorFixture.StartAsync();
        f.Emulator.Faults
            .Script("GetService", ScriptedFault.InternalFailure())
            .Script("GetService", ScriptedFault.ServiceUnavailable())
            .Script("GetService", ScriptedFault.DropConnection())
            .Script("RegisterInstance", ScriptedFault.FailOperation("ACCESS_DENIED"));

        await f.Client.ErrorAsync("GetService", Get(f), "InternalFailure", HttpStatusCode.InternalServerError);
        await f.Client.ErrorAsync("GetService", Get(f), "ServiceUnavailable", HttpStatusCode.ServiceUnavailable);
        await Assert.ThrowsAsync<HttpRequestException>(() => f.Client.CallAsync("GetService", Get(f)));
        var op = await f.Client.RegisterAsync(f.CustomServiceId, "i-1");
        f.Clock.Advance(f.OperationTime);

        var operation = (await f.Client.OkAsync("GetOperation", new JsonObject { ["OperationId"] = op }))["Operation"]!;
        Assert.Equal("ACCESS_DENIED", operation["ErrorCode"]!.GetValue<string>());
    }

    [Fact]
    public async Task Clear_RemovesAllFaults()
    {
        await using var f = await EmulatorFixture.StartAsync();
        f.Emulator.Faults.ErrorRate(1.0).Script("*", ScriptedFault.DropConnection());

        f.Emulator.Faults.Clear();

        await f.Client.OkAsync("GetService", Get(f));
    }

    [Fact]
    public async Task Counters_CountEveryCallAndReset()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.Client.OkAsync("GetService", Get(f));
        await f.Client.ErrorAsync("GetService", new JsonObject { ["Id"] = "srv-0000000000000000" }, "ServiceNotFound");
        await f.Client.OkAsync("ListServices");

        Assert.Equal(2, f.Emulator.GetCallCount("GetService"));
        Assert.Equal(3, f.Emulator.TotalCallCount);
        var log = f.Emulator.GetRequestLog();
        Assert.Equal(["GetService", "GetService", "ListServices"], log.Select(r => r.Operation));
        Assert.Equal("ServiceNotFound", log[1].ErrorCode);
        Assert.Equal(400, log[1].StatusCode);
        Assert.Equal(f.Clock.GetUtcNow(), log[0].Time);

        f.Emulator.ResetCounters();

        Assert.Equal(0, f.Emulator.TotalCallCount);
        Assert.Empty(f.Emulator.GetRequestLog());
    }
}
