// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using static CloudMap.Lifecycle.Testing.Tests.Platform.PlatformClient;

namespace CloudMap.Lifecycle.Testing.Tests.Platform;

/// <summary>EC2 DescribeInstances (Query protocol, XML) on the emulator's port, driven by the code API and the fake clock.</summary>
public sealed class Ec2InstanceTests
{
    [Fact]
    public async Task DescribeInstances_RunningInstance_AnswersEc2XmlWithStatePlacementAndAddress()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var instance = f.Emulator.LaunchInstance("10.0.3.3", "us-east-1b");

        var (status, body, contentType) = await Ec2Async(f, ("InstanceId.1", instance.InstanceId));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith("text/xml", contentType, StringComparison.Ordinal);
        Assert.Equal(Ec2 + "DescribeInstancesResponse", body.Name);
        var reservation = body.Element(Ec2 + "reservationSet")!.Element(Ec2 + "item")!;
        Assert.StartsWith("r-", reservation.Element(Ec2 + "reservationId")!.Value, StringComparison.Ordinal);
        var item = reservation.Element(Ec2 + "instancesSet")!.Element(Ec2 + "item")!;
        Assert.Matches("^i-[0-9a-f]{17}$", item.Element(Ec2 + "instanceId")!.Value);
        Assert.Equal("16", item.Element(Ec2 + "instanceState")!.Element(Ec2 + "code")!.Value);
        Assert.Equal("running", item.Element(Ec2 + "instanceState")!.Element(Ec2 + "name")!.Value);
        Assert.Equal("10.0.3.3", item.Element(Ec2 + "privateIpAddress")!.Value);
        Assert.Equal("us-east-1b", item.Element(Ec2 + "placement")!.Element(Ec2 + "availabilityZone")!.Value);
    }

    [Fact]
    public async Task TerminateInstance_ShuttingDownForTheStatedTime_ThenTerminatedWithoutAddress_ThenNotFoundAfterAnHour()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var instance = f.Emulator.LaunchInstance("10.0.3.3");

        f.Emulator.TerminateInstance(instance.InstanceId, TimeSpan.FromSeconds(45));
        var shuttingDown = await DescribeAsync(f, ("InstanceId.1", instance.InstanceId));
        f.Clock.Advance(TimeSpan.FromSeconds(44));
        var stillShuttingDown = await DescribeAsync(f, ("InstanceId.1", instance.InstanceId));
        f.Clock.Advance(TimeSpan.FromSeconds(1));
        var terminated = await DescribeAsync(f, ("InstanceId.1", instance.InstanceId));
        f.Clock.Advance(TimeSpan.FromHours(1));
        var (code, _) = await Ec2ErrorAsync(f, HttpStatusCode.BadRequest, ("InstanceId.1", instance.InstanceId));

        Assert.Equal([(instance.InstanceId, "shutting-down", "10.0.3.3")], shuttingDown);
        Assert.Equal([(instance.InstanceId, "shutting-down", "10.0.3.3")], stillShuttingDown);
        Assert.Equal([(instance.InstanceId, "terminated", (string?)null)], terminated);
        Assert.Equal("InvalidInstanceID.NotFound", code);
        Assert.Null(f.Emulator.FindEc2Instance(instance.InstanceId));
    }

    [Fact]
    public async Task RecycledIp_TheTerminatedInstancesAddressOnANewInstance_FilterFindsOnlyTheNewOne()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var dead = f.Emulator.LaunchInstance("10.0.3.3");
        f.Emulator.TerminateInstance(dead.InstanceId, TimeSpan.Zero);

        var newcomer = f.Emulator.LaunchInstance("10.0.3.3");
        var byAddress = await DescribeAsync(f, ("Filter.1.Name", "private-ip-address"), ("Filter.1.Value.1", "10.0.3.3"));
        var both = await DescribeAsync(f, ("InstanceId.1", dead.InstanceId), ("InstanceId.2", newcomer.InstanceId));

        Assert.Equal([(newcomer.InstanceId, "running", "10.0.3.3")], byAddress);
        Assert.Equal([(dead.InstanceId, "terminated", null), (newcomer.InstanceId, "running", "10.0.3.3")], both);
    }

    [Fact]
    public async Task MovePrivateIp_TheAddressGoesToTheTarget_ThePreviousHolderIsReaddressed()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var holder = f.Emulator.LaunchInstance("10.0.3.3");
        var target = f.Emulator.LaunchInstance("10.0.3.4");

        f.Emulator.MovePrivateIp("10.0.3.3", target.InstanceId);
        var described = await DescribeAsync(f, ("InstanceId.1", holder.InstanceId), ("InstanceId.2", target.InstanceId));

        Assert.Equal((target.InstanceId, "running", "10.0.3.3"), described[1]);
        Assert.NotNull(described[0].Ip);
        Assert.NotEqual("10.0.3.3", described[0].Ip);
        Assert.NotEqual("10.0.3.4", described[0].Ip);
        Assert.Throws<InvalidOperationException>(() => f.Emulator.MovePrivateIp("10.0.3.9", f.Emulator.TerminateInstance(holder.InstanceId).InstanceId));
    }

    [Fact]
    public async Task StopAndStartInstance_StoppingStoppedPendingRunning_KeepingTheAddress()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var instance = f.Emulator.LaunchInstance("10.0.3.3");

        f.Emulator.StopInstance(instance.InstanceId, TimeSpan.FromSeconds(10));
        var stopping = (await DescribeAsync(f, ("InstanceId.1", instance.InstanceId)))[0];
        f.Clock.Advance(TimeSpan.FromSeconds(10));
        var stopped = (await DescribeAsync(f, ("InstanceId.1", instance.InstanceId)))[0];
        f.Emulator.StartInstance(instance.InstanceId, TimeSpan.FromSeconds(5));
        var pending = (await DescribeAsync(f, ("InstanceId.1", instance.InstanceId)))[0];
        f.Clock.Advance(TimeSpan.FromSeconds(5));
        var running = (await DescribeAsync(f, ("InstanceId.1", instance.InstanceId)))[0];

        Assert.Equal(["stopping", "stopped", "pending", "running"], new[] { stopping.State, stopped.State, pending.State, running.State });
        Assert.All(new[] { stopping, stopped, pending, running }, i => Assert.Equal("10.0.3.3", i.Ip));
    }

    [Fact]
    public async Task Filters_StateNameWithWildcards_AndSeveralFiltersAnd()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var running = f.Emulator.LaunchInstance();
        var shutting = f.Emulator.LaunchInstance();
        var stopped = f.Emulator.LaunchInstance(availabilityZone: "us-east-1b");
        f.Emulator.TerminateInstance(shutting.InstanceId);
        f.Emulator.StopInstance(stopped.InstanceId, TimeSpan.Zero);

        var notRunning = await DescribeAsync(f, ("Filter.1.Name", "instance-state-name"), ("Filter.1.Value.1", "shutting-*"), ("Filter.1.Value.2", "stop?ed"));
        var runningInA = await DescribeAsync(f, ("Filter.1.Name", "instance-state-code"), ("Filter.1.Value.1", "16"), ("Filter.2.Name", "availability-zone"), ("Filter.2.Value.1", "us-east-1a"));
        var byId = await DescribeAsync(f, ("Filter.1.Name", "instance-id"), ("Filter.1.Value.1", stopped.InstanceId));

        Assert.Equal([shutting.InstanceId, stopped.InstanceId], notRunning.Select(i => i.Id));
        Assert.Equal([running.InstanceId], runningInA.Select(i => i.Id));
        Assert.Equal([stopped.InstanceId], byId.Select(i => i.Id));
    }

    [Fact]
    public async Task Paging_MaxResultsAndNextToken_WalkEveryReservationOnce()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var ids = Enumerable.Range(0, 7).Select(_ => f.Emulator.LaunchInstance().InstanceId).ToList();

        var (_, page1, _) = await Ec2Async(f, ("MaxResults", "5"));
        var token = page1.Element(Ec2 + "nextToken")!.Value;
        var (_, page2, _) = await Ec2Async(f, ("MaxResults", "5"), ("NextToken", token));

        Assert.Equal(ids, Instances(page1).Concat(Instances(page2)).Select(i => i.Id));
        Assert.Equal(5, Instances(page1).Count());
        Assert.Null(page2.Element(Ec2 + "nextToken"));
    }

    [Theory]
    [InlineData("InvalidInstanceID.Malformed", "Invalid id: \"i-xyz\"", "InstanceId.1", "i-xyz")]
    [InlineData("InvalidInstanceID.NotFound", "The instance ID 'i-0123456789abcdef0' does not exist", "InstanceId.1", "i-0123456789abcdef0")]
    [InlineData("InvalidParameterValue", "The filter 'tag:Name' is invalid", "Filter.1.Name", "tag:Name")]
    [InlineData("InvalidParameterValue", "Value ( 4 ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.", "MaxResults", "4")]
    [InlineData("InvalidParameterValue", "Invalid value 'bogus' for nextToken.", "NextToken", "bogus")]
    public async Task DescribeInstances_InvalidRequests_AnswerEc2XmlErrors(string code, string message, string key, string value)
    {
        await using var f = await EmulatorFixture.StartAsync();
        f.Emulator.LaunchInstance();

        var error = await Ec2ErrorAsync(f, HttpStatusCode.BadRequest, (key, value));

        Assert.Equal((code, message), error);
    }

    [Fact]
    public async Task DescribeInstances_SeveralMissingIds_NamedTogether_AndMaxResultsWithIdsRefused()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var known = f.Emulator.LaunchInstance();

        var missing = await Ec2ErrorAsync(f, HttpStatusCode.BadRequest, ("InstanceId.1", known.InstanceId), ("InstanceId.2", "i-00000000000000001"), ("InstanceId.3", "i-00000000000000002"));
        var combination = await Ec2ErrorAsync(f, HttpStatusCode.BadRequest, ("InstanceId.1", known.InstanceId), ("MaxResults", "5"));

        Assert.Equal(("InvalidInstanceID.NotFound", "The instance IDs 'i-00000000000000001, i-00000000000000002' do not exist"), missing);
        Assert.Equal("InvalidParameterCombination", combination.Code);
    }

    [Fact]
    public async Task QueryProtocol_UnknownActionAndInjectedThrottling_AnswerEc2XmlErrors_AndAreCounted()
    {
        await using var f = await EmulatorFixture.StartAsync();
        f.Emulator.Faults.Script("DescribeInstances", ScriptedFault.Throttling());

        var throttled = await Ec2ErrorAsync(f, HttpStatusCode.BadRequest);
        await DescribeAsync(f);
        using var unknown = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new FormUrlEncodedContent([new("Action", "RunInstances"), new("Version", "2016-11-15")]) };
        using var answer = await f.Client.Http.SendAsync(unknown, TestContext.Current.CancellationToken);
        var text = await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal("RequestLimitExceeded", throttled.Code);
        Assert.Equal(2, f.Emulator.GetCallCount("DescribeInstances"));
        Assert.Equal(1, f.Emulator.GetThrottledCount("DescribeInstances"));
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("<Code>InvalidAction</Code>", text, StringComparison.Ordinal);
        Assert.Equal(1, f.Emulator.GetCallCount("RunInstances"));
    }

    [Fact]
    public async Task CloudMapApi_StillAnswers_WhenThePlatformIsServedOnTheSamePort()
    {
        await using var f = await EmulatorFixture.StartAsync();
        f.Emulator.LaunchInstance();

        var services = await f.Client.OkAsync("ListServices");

        Assert.NotEmpty(services["Services"]!.AsArray());
    }

    [Fact]
    public async Task QueryProtocol_CrossOriginFormPostFromABrowser_IsRefusedBeforeDispatch()
    {
        await using var f = await EmulatorFixture.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new FormUrlEncodedContent([new("Action", "DescribeInstances"), new("Version", "2016-11-15")]) };
        request.Headers.TryAddWithoutValidation("Origin", "http://evil.example");

        using var response = await f.Client.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0, f.Emulator.GetCallCount("DescribeInstances"));
    }
}
