// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Tests;

/// <summary>Numbers no conversion can hold are a 400 naming the member, never a 500.</summary>
public sealed class AdminApiNumberTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(HttpStatusCode Status, string Body)> PostAsync(EmulatorFixture f, string path, string json)
    {
        using var response = await f.Client.Http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"), Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("""{"type":"throttle","burst":1e300}""", "burst")]
    [InlineData("""{"type":"throttle","burst":2.5}""", "burst")]
    [InlineData("""{"type":"throttle","burst":1,"ratePerSecond":1e400}""", "ratePerSecond")]
    [InlineData("""{"type":"errorRate","rate":1,"statusCode":1e300}""", "statusCode")]
    [InlineData("""{"type":"latency","milliseconds":1e300}""", "milliseconds")]
    [InlineData("""{"type":"latency","milliseconds":-1e300}""", "latency")]
    [InlineData("""{"type":"script","fault":"delay","milliseconds":1e300}""", "milliseconds")]
    [InlineData("""{"type":"script","fault":"error","errorCode":"X","statusCode":-1e300}""", "statusCode")]
    [InlineData("""{"type":"script","fault":"throttle","count":1e300}""", "count")]
    [InlineData("""{"type":"dropConnections","rate":1e300}""", "rate")]
    public async Task Faults_OutOfRangeNumber_Is400NamingTheMember(string json, string member)
    {
        await using var f = await EmulatorFixture.StartAsync();

        var (status, body) = await PostAsync(f, "/_emulator/faults", json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(member, JsonNode.Parse(body)!["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("healthChangeDelaySeconds")]
    [InlineData("operationSubmittedSeconds")]
    [InlineData("operationPendingSeconds")]
    [InlineData("propagationDelaySeconds")]
    public async Task Settings_HugeSeconds_Is400AndChangesNothing(string member)
    {
        await using var f = await EmulatorFixture.StartAsync();

        var (status, body) = await PostAsync(f, "/_emulator/settings", $$"""{"{{member}}":1e300}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal($"'{member}' must be at most 31536000 (365 days), not 1E+300.", JsonNode.Parse(body)!["error"]!.GetValue<string>());
        Assert.Equal(TimeSpan.FromSeconds(30), f.Emulator.HealthChangeDelay);
    }

    [Fact]
    public async Task Settings_LargestAllowedSeconds_IsAccepted()
    {
        await using var f = await EmulatorFixture.StartAsync();

        var (status, _) = await PostAsync(f, "/_emulator/settings", """{"healthChangeDelaySeconds":31536000}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(TimeSpan.FromDays(365), f.Emulator.HealthChangeDelay);
    }

    [Fact]
    public async Task AwsApi_HugeNumber_IsSerializationError400()
    {
        await using var f = await EmulatorFixture.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent("""{"MaxResults":1e300}""", Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Route53AutoNaming_v20170314.ListServices");

        var response = await f.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("SerializationException", response.Body["__type"]!.GetValue<string>());
    }
}
