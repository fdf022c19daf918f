// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Platform;
using CloudMap.Lifecycle.Tests.Client;

namespace CloudMap.Lifecycle.Tests.Platform;

/// <summary>ECS DescribeTasks and EC2 DescribeInstances on the wire, against a loopback fake that answers as AWS does.</summary>
public sealed class AwsPlatformClientTests
{
    private const string Arn = "arn:aws:ecs:us-east-1:111122223333:task/prod/0123456789abcdef0123456789abcdef";

    private const string DescribeInstancesAnswer = """
        <?xml version="1.0" encoding="UTF-8"?>
        <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
          <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
          <reservationSet><item><reservationId>r-1</reservationId><instancesSet>
            <item><instanceId>i-0aaaaaaaaaaaaaaa1</instanceId><instanceState><code>16</code><name>running</name></instanceState>
              <privateIpAddress>10.0.0.11</privateIpAddress><ipAddress>54.0.0.1</ipAddress>
              <networkInterfaceSet><item><privateIpAddressesSet>
                <item><privateIpAddress>10.0.0.11</privateIpAddress><primary>true</primary></item>
                <item><privateIpAddress>10.0.0.99</privateIpAddress><primary>false</primary></item>
              </privateIpAddressesSet><ipv6AddressesSet><item><ipv6Address>2600:1f18::1</ipv6Address></item></ipv6AddressesSet></item></networkInterfaceSet>
            </item>
            <item><instanceId>i-0aaaaaaaaaaaaaaa2</instanceId><instanceState><code>48</code><name>terminated</name></instanceState></item>
          </instancesSet></item></reservationSet>
        </DescribeInstancesResponse>
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DescribeTasksAsync_SendsSignedAwsJson_ReadsTasksAndFailures()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply($$"""
            {"tasks":[{"taskArn":"{{Arn}}","lastStatus":"STOPPED","desiredStatus":"STOPPED","healthStatus":"UNKNOWN","stoppedReason":"Essential container in task exited"}],
             "failures":[{"arn":"arn:aws:ecs:us-east-1:111122223333:task/prod/ffff","reason":"MISSING"}]}
            """);

        var answer = await h.Client.DescribeTasksAsync(h.Server.Url, "us-east-1", "prod", [Arn, "arn:aws:ecs:us-east-1:111122223333:task/prod/ffff"], Ct);

        var task = Assert.Single(answer.Tasks);
        Assert.Equal(("STOPPED", "Essential container in task exited"), (task.LastStatus, task.StoppedReason));
        Assert.Equal("MISSING", Assert.Single(answer.Failures).Reason);
        var request = Assert.Single(h.Server.Requests);
        Assert.Equal("AmazonEC2ContainerServiceV20141113.DescribeTasks", request.Target);
        Assert.Equal("application/x-amz-json-1.1", request.Header("Content-Type"));
        Assert.Equal($$"""{"cluster":"prod","tasks":["{{Arn}}","arn:aws:ecs:us-east-1:111122223333:task/prod/ffff"]}""", request.Body);
        Assert.Contains("/us-east-1/ecs/aws4_request", request.Header("Authorization"), StringComparison.Ordinal);
        Assert.True(SigV4Verifier.IsValid(request, ClientHarness.Credentials.GetCredentials().SecretKey));
    }

    [Fact]
    public async Task DescribeInstancesAsync_SendsSignedQuery_ReadsStatesAndEveryAddress()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply(DescribeInstancesAnswer, contentType: "text/xml;charset=UTF-8");

        var answer = await h.Client.DescribeInstancesAsync(h.Server.Url, "eu-west-1", ["i-0aaaaaaaaaaaaaaa1", "i-0aaaaaaaaaaaaaaa2"], Ct);

        Assert.Equal(2, answer.Count);
        Assert.Equal("running", answer[0].State);
        Assert.Equal(["10.0.0.11", "54.0.0.1", "10.0.0.99", "2600:1f18::1"], answer[0].Addresses.Select(a => a.ToString()));
        Assert.Equal(("terminated", 0), (answer[1].State, answer[1].Addresses.Count));
        var request = Assert.Single(h.Server.Requests);
        Assert.Equal(string.Empty, request.Target);
        Assert.Equal("application/x-www-form-urlencoded; charset=utf-8", request.Header("Content-Type"));
        Assert.Equal("Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-id&Filter.1.Value.1=i-0aaaaaaaaaaaaaaa1&Filter.1.Value.2=i-0aaaaaaaaaaaaaaa2&MaxResults=1000", request.Body);
        Assert.Contains("/eu-west-1/ec2/aws4_request", request.Header("Authorization"), StringComparison.Ordinal);
        Assert.True(SigV4Verifier.IsValid(request, ClientHarness.Credentials.GetCredentials().SecretKey));
    }

    [Fact]
    public async Task DescribeInstancesAsync_FollowsNextToken()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""<DescribeInstancesResponse><reservationSet/><nextToken>page2</nextToken></DescribeInstancesResponse>""", contentType: "text/xml")
            .Reply(DescribeInstancesAnswer, contentType: "text/xml");

        var answer = await h.Client.DescribeInstancesAsync(h.Server.Url, "us-east-1", ["i-0aaaaaaaaaaaaaaa1"], Ct);

        Assert.Equal(2, answer.Count);
        Assert.EndsWith("&NextToken=page2", h.Server.Requests[1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeInstancesAsync_ThrottledXmlError_RetriedThroughThePipeline()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r-1</RequestID></Response>""", HttpStatusCode.ServiceUnavailable, contentType: "text/xml")
            .Reply(DescribeInstancesAnswer, contentType: "text/xml");

        var answer = await h.Client.DescribeInstancesAsync(h.Server.Url, "us-east-1", ["i-0aaaaaaaaaaaaaaa1"], Ct);

        Assert.Equal(2, answer.Count);
        Assert.Equal(2, h.Server.Requests.Count);
        var count = Assert.Single(h.Measurements, m => m.Instrument == CloudMapTelemetry.ClientRequestsInstrument);
        Assert.Equal(("EC2", "DescribeInstances"), ((string)count.Tags["rpc.service"]!, (string)count.Tags["rpc.method"]!));
    }

    [Fact]
    public async Task DescribeInstancesAsync_UnauthorizedOperation_ThrowsWithTheCode()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>r-2</RequestID></Response>""", HttpStatusCode.Forbidden, contentType: "text/xml");

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.DescribeInstancesAsync(h.Server.Url, "us-east-1", ["i-0aaaaaaaaaaaaaaa1"], Ct));

        Assert.Equal("UnauthorizedOperation", ex.ErrorCode);
        Assert.Single(h.Server.Requests);
    }

    [Theory]
    [InlineData("<html>not json</html>")]
    [InlineData("[1,2,3]")]
    [InlineData("")]
    public async Task DescribeTasksAsync_Garbage_MalformedResponse(string body)
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply(body);

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.DescribeTasksAsync(h.Server.Url, "us-east-1", "prod", [Arn], Ct));

        Assert.Equal(CloudMapErrorCodes.MalformedResponse, ex.ErrorCode);
    }

    [Theory]
    [InlineData("not xml at all")]
    [InlineData("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><DescribeInstancesResponse>&e;</DescribeInstancesResponse>")]
    public async Task DescribeInstancesAsync_GarbageOrDtd_MalformedResponse(string body)
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply(body, contentType: "text/xml");

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.DescribeInstancesAsync(h.Server.Url, "us-east-1", ["i-0aaaaaaaaaaaaaaa1"], Ct));

        Assert.Equal(CloudMapErrorCodes.MalformedResponse, ex.ErrorCode);
    }

    [Fact]
    public async Task DescribeTasksAsync_EcsJsonError_ThrowsWithTheCode()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.ReplyError("ClusterNotFoundException", "Cluster not found.");

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.DescribeTasksAsync(h.Server.Url, "us-east-1", "nope", [Arn], Ct));

        Assert.Equal("ClusterNotFoundException", ex.ErrorCode);
    }

    [Fact]
    public async Task Endpoint_FromTheServiceVariable_ThenTheGlobalOne_ThenAws()
    {
        await using var h = await ClientHarness.StartAsync();
        var variables = new Dictionary<string, string>(StringComparer.Ordinal) { ["AWS_ENDPOINT_URL_ECS"] = h.Server.Url.ToString() };
        var client = Client(h, variables);
        h.Server.Reply("""{"tasks":[],"failures":[]}""");

        await client.DescribeTasksAsync(null, "us-east-1", "prod", [Arn], Ct);

        Assert.Single(h.Server.Requests);
        variables.Clear();
        variables["AWS_ENDPOINT_URL"] = h.Server.Url.ToString();
        h.Server.Reply(DescribeInstancesAnswer, contentType: "text/xml");
        await Client(h, variables).DescribeInstancesAsync(null, "us-east-1", ["i-0aaaaaaaaaaaaaaa1"], Ct);
        Assert.Equal(2, h.Server.Requests.Count);
    }

    [Fact]
    public async Task Endpoint_CloudMapCustomAndNoPlatformEndpoint_NotAskedAtAll()
    {
        await using var h = await ClientHarness.StartAsync();

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => Client(h, []).DescribeInstancesAsync(null, "us-east-1", ["i-0aaaaaaaaaaaaaaa1"], Ct));

        Assert.Equal(AwsPlatformClient.NotConfiguredCode, ex.ErrorCode);
        Assert.Contains("AWS_ENDPOINT_URL_EC2", ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.Server.Requests);
    }

    private static AwsPlatformClient Client(ClientHarness h, Dictionary<string, string> variables) => new(
        (IHttpClientFactory)h.Provider.GetService(typeof(IHttpClientFactory))!,
        (Microsoft.Extensions.Options.IOptions<CloudMapClientOptions>)h.Provider.GetService(typeof(Microsoft.Extensions.Options.IOptions<CloudMapClientOptions>))!,
        h.Clock,
        (CloudMapCallPipeline)h.Provider.GetService(typeof(CloudMapCallPipeline))!,
        new CloudMapClientEnvironment(ClientHarness.Credentials) { GetEnvironmentVariable = n => variables.GetValueOrDefault(n), GetProfileRegion = _ => null },
        Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
}
