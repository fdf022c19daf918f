// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Tests.Client;

public sealed class HttpCloudMapClientErrorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> ModeledErrors =>
    [
        "InstanceNotFound", "ServiceNotFound", "NamespaceNotFound", "OperationNotFound", "CustomHealthNotFound",
        "InvalidInput", "ResourceInUse", "ResourceLimitExceeded", "AccessDeniedException",
        "InvalidSignatureException", "IncompleteSignature", "RequestExpired", "UnrecognizedClientException",
    ];

    [Theory]
    [MemberData(nameof(ModeledErrors))]
    public async Task Call_NonRetryableError_ThrowsOnceWithCodeStatusMessageAndRequestId(string code)
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.ReplyError(code, "it went wrong", HttpStatusCode.BadRequest, "req-42");

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetInstanceAsync("srv-1", "i-1", Ct));

        Assert.Equal(code, ex.ErrorCode);
        Assert.Equal("it went wrong", ex.Message);
        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Equal("req-42", ex.RequestId);
        Assert.Null(ex.DuplicateOperationId);
        Assert.Single(h.Server.Requests);
    }

    [Theory]
    [InlineData("com.amazonaws.servicediscovery#InstanceNotFound")]
    [InlineData("InstanceNotFound:http://internal.amazon.com/coral/com.amazonaws.servicediscovery/")]
    [InlineData("aws.protocoltests.restjson#InstanceNotFound:http://internal.amazon.com/coral/com.amazon.coral.validate/")]
    [InlineData("  InstanceNotFound  ")]
    public async Task Call_TypeWithNamespaceOrUrl_ReportsBareCode(string type)
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply($$"""{"__type":"{{type}}","message":"lower-case message"}""", HttpStatusCode.BadRequest);

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct));

        Assert.Equal("InstanceNotFound", ex.ErrorCode);
        Assert.Equal("lower-case message", ex.Message);
    }

    [Fact]
    public async Task Call_ErrorTypeHeaderOnly_UsesHeader()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"message":"Missing Authentication Token"}""", HttpStatusCode.Forbidden, headers: new Dictionary<string, string> { ["X-Amzn-ErrorType"] = "MissingAuthenticationTokenException:http://internal.amazon.com/" });

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct));

        Assert.Equal("MissingAuthenticationTokenException", ex.ErrorCode);
        Assert.Equal("Missing Authentication Token", ex.Message);
        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
    }

    [Fact]
    public async Task Call_BodyCodeMember_UsesCode()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"code":"ServiceNotFound","Message":"no such service"}""", HttpStatusCode.BadRequest);

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct));

        Assert.Equal("ServiceNotFound", ex.ErrorCode);
        Assert.Equal("no such service", ex.Message);
    }

    [Fact]
    public async Task Call_JsonErrorWithoutCode_ReportsUnknownWithStatus()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"unexpected":true}""", HttpStatusCode.Conflict);

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct));

        Assert.Equal(CloudMapErrorCodes.Unknown, ex.ErrorCode);
        Assert.Equal(HttpStatusCode.Conflict, ex.StatusCode);
        Assert.Contains("409", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterInstanceAsync_DuplicateRequest_SurfacesDuplicateOperationIdWithoutRetry()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"__type":"DuplicateRequest","Message":"in progress","DuplicateOperationId":"op-already"}""", HttpStatusCode.BadRequest);

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.RegisterInstanceAsync(new CloudMapInstanceRegistration("srv-1", "i-1", new Dictionary<string, string>()), Ct));

        Assert.Equal(CloudMapErrorCodes.DuplicateRequest, ex.ErrorCode);
        Assert.Equal("op-already", ex.DuplicateOperationId);
        Assert.Single(h.Server.Requests);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, "<html>hello</html>")]
    [InlineData(HttpStatusCode.OK, """{"OperationId":""")]
    [InlineData(HttpStatusCode.OK, "[1,2,3]")]
    [InlineData(HttpStatusCode.OK, "null")]
    [InlineData(HttpStatusCode.OK, """{"OperationId":42}""")]
    [InlineData(HttpStatusCode.OK, "{}")]
    [InlineData(HttpStatusCode.BadRequest, "<html>Bad Request</html>")]
    [InlineData(HttpStatusCode.Forbidden, "")]
    [InlineData(HttpStatusCode.Found, "")]
    public async Task RegisterInstanceAsync_MalformedAnswer_ThrowsMalformedResponseWithStatus(HttpStatusCode status, string body)
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply(body, status, contentType: "text/html");

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.RegisterInstanceAsync(new CloudMapInstanceRegistration("srv-1", "i-1", new Dictionary<string, string>()), Ct));

        Assert.Equal(CloudMapErrorCodes.MalformedResponse, ex.ErrorCode);
        Assert.Equal(status, ex.StatusCode);
        Assert.Single(h.Server.Requests);
    }

    [Theory]
    [InlineData("""{"Operation":{"Id":"op-1","Status":"WEIRD"}}""")]
    [InlineData("""{"Operation":{"Status":"SUCCESS"}}""")]
    [InlineData("""{"Operation":{"Id":"op-1","Status":"SUCCESS","CreateDate":"yesterday"}}""")]
    [InlineData("""{"NotOperation":{}}""")]
    public async Task GetOperationAsync_WrongShape_ThrowsMalformedResponse(string body)
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply(body);

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetOperationAsync("op-1", Ct));

        Assert.Equal(CloudMapErrorCodes.MalformedResponse, ex.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, ex.StatusCode);
    }

    [Fact]
    public async Task DiscoverInstancesRevisionAsync_MissingRevision_ThrowsMalformedResponse()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("{}");

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.DiscoverInstancesRevisionAsync("ns", "svc", Ct));

        Assert.Equal(CloudMapErrorCodes.MalformedResponse, ex.ErrorCode);
    }

    [Fact]
    public async Task Call_ServiceUnavailableHtmlAfterRetries_ThrowsMalformedResponseWith503()
    {
        await using var h = await ClientHarness.StartAsync(o => o.MaxAttempts = 2);
        h.Server.Reply("<html>503</html>", HttpStatusCode.ServiceUnavailable, contentType: "text/html").Reply("<html>503</html>", HttpStatusCode.ServiceUnavailable, contentType: "text/html");

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct));

        Assert.Equal(CloudMapErrorCodes.MalformedResponse, ex.ErrorCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.StatusCode);
        Assert.Equal(2, h.Server.Requests.Count);
    }

    [Fact]
    public async Task Call_ConnectionRefused_ThrowsRequestFailedWithInnerException()
    {
        int closedPort;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var h = await ClientHarness.StartAsync(o => o.ServiceUrl = new Uri($"http://127.0.0.1:{closedPort}/"));

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct));

        Assert.Equal(CloudMapErrorCodes.RequestFailed, ex.ErrorCode);
        Assert.Null(ex.StatusCode);
        Assert.IsType<HttpRequestException>(ex.InnerException);
        Assert.Contains("4 attempt", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, h.Measurements.Count(m => m.Instrument == CloudMapTelemetry.ClientRetriesInstrument));
    }

    [Fact]
    public async Task Call_ConnectionDroppedEveryTime_RetriesThenThrowsRequestFailed()
    {
        await using var h = await ClientHarness.StartAsync(o => o.MaxAttempts = 3);
        h.Server.Abort().Abort().Abort();

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct));

        Assert.Equal(CloudMapErrorCodes.RequestFailed, ex.ErrorCode);
        Assert.Equal(3, h.Server.Requests.Count);
    }
}
