// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Tests.Platform;

/// <summary>ECS task metadata v4 and EC2 IMDSv2 as the emulator serves them for its tasks and instances (fake clock).</summary>
public sealed class MetadataEndpointTests
{
    private const string TtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
    private const string TokenHeader = "X-aws-ec2-metadata-token";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EcsTaskMetadata_RunningTask_AnswersTaskArnClusterZoneAndAwsvpcAddress()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var task = f.Emulator.StartTask("prod", "orders", "10.0.7.7", "us-east-1c");
        var uri = f.Emulator.GetEcsMetadataUri(task.TaskId);

        var (status, body) = await GetJsonAsync(f, new Uri(uri.AbsoluteUri + "/task"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(task.TaskArn, (string?)body["TaskARN"]);
        Assert.Equal("arn:aws:ecs:us-east-1:123456789012:cluster/prod", (string?)body["Cluster"]);
        Assert.Equal("us-east-1c", (string?)body["AvailabilityZone"]);
        Assert.Equal("RUNNING", (string?)body["KnownStatus"]);
        Assert.Equal("orders", (string?)body["ServiceName"]);
        Assert.Equal("FARGATE", (string?)body["LaunchType"]);
        var container = body["Containers"]!.AsArray().Single()!;
        Assert.Equal("NORMAL", (string?)container["Type"]);
        var network = container["Networks"]!.AsArray().Single()!;
        Assert.Equal("awsvpc", (string?)network["NetworkMode"]);
        Assert.Equal(["10.0.7.7"], network["IPv4Addresses"]!.AsArray().Select(a => (string?)a));
    }

    [Fact]
    public async Task EcsContainerMetadata_TheUriItself_AnswersTheContainerWithTaskLabels()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var task = f.Emulator.StartTask("prod");

        var (status, body) = await GetJsonAsync(f, f.Emulator.GetEcsMetadataUri(task.TaskArn));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(task.TaskArn, (string?)body["Labels"]!["com.amazonaws.ecs.task-arn"]);
        Assert.Equal("RUNNING", (string?)body["KnownStatus"]);
        Assert.Equal(task.PrivateIPv4Address, (string?)body["Networks"]![0]!["IPv4Addresses"]![0]);
    }

    [Fact]
    public async Task EcsTaskMetadata_StoppedTask_KnownStatusFollowsTheStopThenNotFoundAfterAnHour()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var task = f.Emulator.StartTask("prod");
        var uri = new Uri(f.Emulator.GetEcsMetadataUri(task.TaskId).AbsoluteUri + "/task");
        f.Emulator.StopTask(task.TaskId, "EssentialContainerExited", TimeSpan.FromSeconds(30));

        var (_, stopping) = await GetJsonAsync(f, uri);
        f.Clock.Advance(TimeSpan.FromSeconds(30));
        var (_, stopped) = await GetJsonAsync(f, uri);
        f.Clock.Advance(TimeSpan.FromHours(1));
        using var gone = await f.Client.Http.GetAsync(uri, Ct);

        Assert.Equal("DEACTIVATING", (string?)stopping["KnownStatus"]);
        Assert.Equal("STOPPED", (string?)stopped["DesiredStatus"]);
        Assert.Equal("STOPPED", (string?)stopped["KnownStatus"]);
        Assert.Equal(137, (int?)stopped["Containers"]![0]!["ExitCode"]);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task EcsMetadata_UnknownTaskOrPath_IsNotFound()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var task = f.Emulator.StartTask("prod");

        using var unknown = await f.Client.Http.GetAsync(new Uri("/_emulator/metadata/ecs/0123456789abcdef0123456789abcdef/task", UriKind.Relative), Ct);
        using var badPath = await f.Client.Http.GetAsync(new Uri(f.Emulator.GetEcsMetadataUri(task.TaskId).AbsoluteUri + "/nope"), Ct);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, badPath.StatusCode);
        Assert.Throws<ArgumentException>(() => f.Emulator.GetEcsMetadataUri("0123456789abcdef0123456789abcdef"));
    }

    [Fact]
    public async Task Imds_TokenThenGets_AnswersInstanceIdAddressZoneAndRegion()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var instance = f.Emulator.LaunchInstance("10.0.9.9", "us-east-1b");
        var endpoint = f.Emulator.GetEc2MetadataEndpoint(instance.InstanceId);

        var token = await TokenAsync(f, endpoint, "60");

        Assert.Equal(instance.InstanceId, await GetTextAsync(f, endpoint, "latest/meta-data/instance-id", token));
        Assert.Equal("10.0.9.9", await GetTextAsync(f, endpoint, "latest/meta-data/local-ipv4", token));
        Assert.Equal("us-east-1b", await GetTextAsync(f, endpoint, "latest/meta-data/placement/availability-zone", token));
        Assert.Equal("us-east-1", await GetTextAsync(f, endpoint, "latest/meta-data/placement/region", token));
        var document = JsonNode.Parse(await GetTextAsync(f, endpoint, "latest/dynamic/instance-identity/document", token))!;
        Assert.Equal(instance.InstanceId, (string?)document["instanceId"]);
        Assert.Equal("10.0.9.9", (string?)document["privateIp"]);
    }

    [Fact]
    public async Task Imds_V1RequestWithoutToken_IsRefusedWith401()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var instance = f.Emulator.LaunchInstance();
        var endpoint = f.Emulator.GetEc2MetadataEndpoint(instance.InstanceId);

        using var v1 = await f.Client.Http.GetAsync(new Uri(endpoint, "latest/meta-data/instance-id"), Ct);
        using var forged = await SendAsync(f, HttpMethod.Get, new Uri(endpoint, "latest/meta-data/instance-id"), (TokenHeader, "not-a-token"));

        Assert.Equal(HttpStatusCode.Unauthorized, v1.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    [Fact]
    public async Task Imds_TokenExpiresOnTheEmulatorClock_ThenGetIs401()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var instance = f.Emulator.LaunchInstance();
        var endpoint = f.Emulator.GetEc2MetadataEndpoint(instance.InstanceId);
        var token = await TokenAsync(f, endpoint, "10");

        f.Clock.Advance(TimeSpan.FromSeconds(9));
        using var valid = await SendAsync(f, HttpMethod.Get, new Uri(endpoint, "latest/meta-data/instance-id"), (TokenHeader, token));
        f.Clock.Advance(TimeSpan.FromSeconds(1));
        using var expired = await SendAsync(f, HttpMethod.Get, new Uri(endpoint, "latest/meta-data/instance-id"), (TokenHeader, token));

        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
    }

    [Fact]
    public async Task Imds_TokenOfAnotherInstance_Is401()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var first = f.Emulator.LaunchInstance();
        var second = f.Emulator.LaunchInstance();
        var token = await TokenAsync(f, f.Emulator.GetEc2MetadataEndpoint(first.InstanceId), "60");

        using var response = await SendAsync(f, HttpMethod.Get, new Uri(f.Emulator.GetEc2MetadataEndpoint(second.InstanceId), "latest/meta-data/instance-id"), (TokenHeader, token));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.BadRequest)]
    [InlineData("0", HttpStatusCode.BadRequest)]
    [InlineData("21601", HttpStatusCode.BadRequest)]
    [InlineData("abc", HttpStatusCode.BadRequest)]
    [InlineData("21600", HttpStatusCode.OK)]
    public async Task ImdsToken_Ttl_MustBeOneTo21600Seconds(string? ttl, HttpStatusCode expected)
    {
        await using var f = await EmulatorFixture.StartAsync();
        var endpoint = f.Emulator.GetEc2MetadataEndpoint(f.Emulator.LaunchInstance().InstanceId);

        using var response = ttl is null
            ? await SendAsync(f, HttpMethod.Put, new Uri(endpoint, "latest/api/token"))
            : await SendAsync(f, HttpMethod.Put, new Uri(endpoint, "latest/api/token"), (TtlHeader, ttl));

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task ImdsToken_ThroughAProxyOrByGet_IsRefused()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var endpoint = f.Emulator.GetEc2MetadataEndpoint(f.Emulator.LaunchInstance().InstanceId);

        using var proxied = await SendAsync(f, HttpMethod.Put, new Uri(endpoint, "latest/api/token"), (TtlHeader, "60"), ("X-Forwarded-For", "10.0.0.9"));
        using var get = await SendAsync(f, HttpMethod.Get, new Uri(endpoint, "latest/api/token"), (TtlHeader, "60"));

        Assert.Equal(HttpStatusCode.Forbidden, proxied.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
    }

    [Fact]
    public async Task Imds_MovedAddress_LocalIpv4FollowsIt_TerminatedInstanceIsNotFound()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var dead = f.Emulator.LaunchInstance("10.0.5.5");
        var other = f.Emulator.LaunchInstance("10.0.5.6");
        var deadEndpoint = f.Emulator.GetEc2MetadataEndpoint(dead.InstanceId);
        var otherEndpoint = f.Emulator.GetEc2MetadataEndpoint(other.InstanceId);
        var deadToken = await TokenAsync(f, deadEndpoint, "600");
        var otherToken = await TokenAsync(f, otherEndpoint, "600");

        f.Emulator.TerminateInstance(dead.InstanceId, TimeSpan.Zero);
        f.Emulator.MovePrivateIp("10.0.5.5", other.InstanceId);
        using var deadAnswer = await SendAsync(f, HttpMethod.Get, new Uri(deadEndpoint, "latest/meta-data/instance-id"), (TokenHeader, deadToken));
        using var deadToken2 = await SendAsync(f, HttpMethod.Put, new Uri(deadEndpoint, "latest/api/token"), (TtlHeader, "60"));

        Assert.Equal("10.0.5.5", await GetTextAsync(f, otherEndpoint, "latest/meta-data/local-ipv4", otherToken));
        Assert.Equal(HttpStatusCode.NotFound, deadAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deadToken2.StatusCode);
    }

    [Fact]
    public async Task Imds_UnknownPath_IsNotFound()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var endpoint = f.Emulator.GetEc2MetadataEndpoint(f.Emulator.LaunchInstance().InstanceId);
        var token = await TokenAsync(f, endpoint, "60");

        using var response = await SendAsync(f, HttpMethod.Get, new Uri(endpoint, "latest/meta-data/iam/security-credentials/"), (TokenHeader, token));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Metadata_BrowserCrossOriginRequest_IsRefusedByTheGuard()
    {
        await using var f = await EmulatorFixture.StartAsync();
        var uri = f.Emulator.GetEcsMetadataUri(f.Emulator.StartTask("prod").TaskId);

        using var response = await SendAsync(f, HttpMethod.Get, uri, ("Origin", "http://evil.example"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private static async Task<(HttpStatusCode Status, JsonObject Body)> GetJsonAsync(EmulatorFixture f, Uri uri)
    {
        using var response = await f.Client.Http.GetAsync(uri, Ct);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!);
    }

    private static async Task<string> TokenAsync(EmulatorFixture f, Uri endpoint, string ttl)
    {
        using var response = await SendAsync(f, HttpMethod.Put, new Uri(endpoint, "latest/api/token"), (TtlHeader, ttl));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ttl, response.Headers.GetValues(TtlHeader).Single());
        return await response.Content.ReadAsStringAsync(Ct);
    }

    private static async Task<string> GetTextAsync(EmulatorFixture f, Uri endpoint, string path, string token)
    {
        using var response = await SendAsync(f, HttpMethod.Get, new Uri(endpoint, path), (TokenHeader, token));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    private static async Task<HttpResponseMessage> SendAsync(EmulatorFixture f, HttpMethod method, Uri uri, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, uri);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await f.Client.Http.SendAsync(request, Ct);
    }
}
