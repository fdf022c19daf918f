// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Tests;

public sealed class ProtocolTests
{
    [Fact]
    public async Task AnyOperation_Success_AnswersJson11WithRequestId()
    {
        await using var f = await EmulatorFixture.StartAsync();

        var response = await f.Client.CallAsync("GetService", new JsonObject { ["Id"] = f.CustomServiceId });

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("application/x-amz-json-1.1", response.ContentType);
        Assert.False(string.IsNullOrEmpty(response.Headers.GetValues("x-amzn-RequestId").Single()));
        Assert.Equal(f.CustomServiceId, response.Body["Service"]!["Id"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnyOperation_Error_Answers400WithTypeMessageAndRequestId()
    {
        await using var f = await EmulatorFixture.StartAsync();

        var response = await f.Client.CallAsync("GetService", new JsonObject { ["Id"] = "srv-doesnotexist0000" });

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("ServiceNotFound", response.Body["__type"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(response.Body["Message"]!.GetValue<string>()));
        Assert.Single(response.Headers.GetValues("x-amzn-RequestId"));
    }

    [Theory]
    [InlineData("data-127.0.0.1:4566")]
    [InlineData("servicediscovery.us-east-1.amazonaws.com")]
    [InlineData("data-servicediscovery.us-east-1.amazonaws.com")]
    public async Task DiscoverInstances_AnyHostHeader_Answers(string host)
    {
        await using var f = await EmulatorFixture.StartAsync();

        var response = await f.Client.CallAsync("DiscoverInstancesRevision", new JsonObject { ["NamespaceName"] = "example", ["ServiceName"] = "custom" }, host);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.True(response.Body["InstancesRevision"]!.GetValue<long>() > 0);
    }

    [Fact]
    public async Task Request_AbsoluteFormTarget_AnswersAsProxy()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var body = "{\"OperationId\":\"nope\"}";
        var raw = $"POST http://data-127.0.0.1:{f.Emulator.Endpoint.Port}/ HTTP/1.1\r\nHost: data-127.0.0.1:{f.Emulator.Endpoint.Port}\r\n" +
            $"X-Amz-Target: Route53AutoNaming_v20170314.GetOperation\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, f.Emulator.Endpoint.Port, TestContext.Current.CancellationToken);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(raw), TestContext.Current.CancellationToken);

        using var reader = new StreamReader(stream, Encoding.UTF8);
        var answer = await reader.ReadToEndAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.StartsWith("HTTP/1.1 400", answer, StringComparison.Ordinal);
        Assert.Contains("OperationNotFound", answer, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Route53AutoNaming_v20170314.TagResourceX")]
    [InlineData("Route53AutoNaming_v20170314.state")]
    [InlineData("SomethingElse.GetService")]
    public async Task Dispatcher_UnknownTarget_UnknownOperationException(string target)
    {
        await using var f = await EmulatorFixture.StartAsync();
        using var request = AwsJsonClient.BuildRequest("x", []);
        request.Headers.Remove("X-Amz-Target");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);

        var response = await f.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("UnknownOperationException", response.Body["__type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Dispatcher_MalformedJson_SerializationException()
    {
        await using var f = await EmulatorFixture.StartAsync();
        using var request = AwsJsonClient.BuildRequest("GetService", []);
        request.Content = new StringContent("{not json", Encoding.UTF8);

        var response = await f.Client.SendAsync(request);

        Assert.Equal("SerializationException", response.Body["__type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Dispatcher_WrongMemberType_SerializationException()
    {
        await using var f = await EmulatorFixture.StartAsync();

        await f.Client.ErrorAsync("GetService", new JsonObject { ["Id"] = 12 }, "SerializationException");
    }

    [Fact]
    public async Task Dispatcher_MissingRequiredMember_InvalidInputNamingTheMember()
    {
        await using var f = await EmulatorFixture.StartAsync();

        var body = await f.Client.ErrorAsync("RegisterInstance", new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "i-1" }, "InvalidInput");

        Assert.Contains("'attributes'", body["Message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOperation_Timestamps_AreEpochSecondNumbers()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var op = await f.Client.RegisterAsync(f.CustomServiceId, "i-1");

        var result = await f.Client.OkAsync("GetOperation", new JsonObject { ["OperationId"] = op });

        Assert.Equal(new TimerCountingFakeTimeProvider().Start.ToUnixTimeSeconds(), result["Operation"]!["CreateDate"]!.GetValue<double>());
    }

    [Fact]
    public async Task AdminPath_WithAwsTarget_IsNotDispatchedToAws()
    {
        await using var f = await EmulatorFixture.StartAsync();
        using var request = AwsJsonClient.BuildRequest("GetService", new JsonObject { ["Id"] = f.CustomServiceId });
        request.RequestUri = new Uri("/_emulator/state", UriKind.Relative);

        using var response = await f.Client.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, f.Emulator.GetCallCount("GetService"));
    }
}
