// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Tests;

public sealed class AdminApiTests
{
    private static async Task<(HttpStatusCode Status, JsonNode? Body)> AdminAsync(EmulatorFixture f, HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await f.Client.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact]
    public async Task State_ListsInstancesWithEffectiveAndPendingHealth()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.RegisterCompletedAsync(f.CustomServiceId, "i-1", new JsonObject { ["AWS_INSTANCE_IPV4"] = "10.0.0.7", ["AWS_INSTANCE_PORT"] = "8080" });
        await f.Client.PushHealthAsync(f.CustomServiceId, "i-1", "UNHEALTHY");

        var (status, state) = await AdminAsync(f, HttpMethod.Get, "/_emulator/state");

        Assert.Equal(HttpStatusCode.OK, status);
        var service = state!["namespaces"]![0]!["services"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == f.CustomServiceId)!;
        var instance = service["instances"]![0]!;
        Assert.Equal("i-1", instance["id"]!.GetValue<string>());
        Assert.Equal("10.0.0.7", instance["address"]!.GetValue<string>());
        Assert.Equal("8080", instance["port"]!.GetValue<string>());
        Assert.Equal("HEALTHY", instance["health"]!.GetValue<string>());
        Assert.Equal("UNHEALTHY", instance["pendingHealth"]!.GetValue<string>());
        Assert.Equal("REGISTER_INSTANCE", state["operations"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("custom", service["healthCheck"]!.GetValue<string>());
    }

    [Fact]
    public async Task CallsAndRequests_ReportCountsAndLog()
    {
        await using var f = await EmulatorFixture.StartAsync();
        f.Emulator.Faults.Throttle(1, 0, "ListServices");
        await f.Client.OkAsync("ListServices");
        await f.Client.ErrorAsync("ListServices", null, "ThrottlingException");
        await f.Client.OkAsync("ListNamespaces");

        var (_, calls) = await AdminAsync(f, HttpMethod.Get, "/_emulator/calls");
        var (_, requests) = await AdminAsync(f, HttpMethod.Get, "/_emulator/requests?limit=2");

        Assert.Equal(3, calls!["total"]!.GetValue<long>());
        Assert.Equal(2, calls["operations"]!["ListServices"]!["calls"]!.GetValue<long>());
        Assert.Equal(1, calls["operations"]!["ListServices"]!["throttled"]!.GetValue<long>());
        var log = requests!["requests"]!.AsArray();
        Assert.Equal(2, log.Count);
        Assert.Equal("ThrottlingException", log[0]!["errorCode"]!.GetValue<string>());
        Assert.Equal(400, log[0]!["statusCode"]!.GetValue<int>());
        Assert.Equal("ListNamespaces", log[1]!["operation"]!.GetValue<string>());
    }

    [Fact]
    public async Task Faults_PostAndDelete_ApplyAndClear()
    {
        await using var f = await EmulatorFixture.StartAsync();

        var (status, _) = await AdminAsync(f, HttpMethod.Post, "/_emulator/faults", """{"type":"errorRate","rate":1,"statusCode":503,"operation":"ListServices"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        await f.Client.ErrorAsync("ListServices", null, "ServiceUnavailable", HttpStatusCode.ServiceUnavailable);
        await AdminAsync(f, HttpMethod.Delete, "/_emulator/faults");
        await f.Client.OkAsync("ListServices");

        await AdminAsync(f, HttpMethod.Post, "/_emulator/faults", """{"type":"script","operation":"ListServices","fault":"error","errorCode":"AccessDeniedException","count":1}""");
        await f.Client.ErrorAsync("ListServices", null, "AccessDeniedException");
        await AdminAsync(f, HttpMethod.Post, "/_emulator/faults", """{"type":"throttle","burst":0,"ratePerSecond":0}""");
        await f.Client.ErrorAsync("ListServices", null, "ThrottlingException");
        await AdminAsync(f, HttpMethod.Delete, "/_emulator/faults");
        await AdminAsync(f, HttpMethod.Post, "/_emulator/faults", """{"type":"failOperations","rate":1,"operation":"RegisterInstance"}""");
        var op = await f.Client.RegisterAsync(f.CustomServiceId, "i-1");
        f.Clock.Advance(f.OperationTime);
        Assert.Equal("FAIL", await f.Client.OperationStatusAsync(op));
        await AdminAsync(f, HttpMethod.Post, "/_emulator/faults", """{"type":"dropConnections","rate":1,"operation":"GetService"}""");
        await Assert.ThrowsAsync<HttpRequestException>(() => f.Client.CallAsync("GetService", new JsonObject { ["Id"] = f.CustomServiceId }));
    }

    [Theory]
    [InlineData("""{"type":"nonsense"}""")]
    [InlineData("""{"type":"errorRate","rate":2}""")]
    [InlineData("""{"rate":1}""")]
    [InlineData("not json")]
    public async Task Faults_Invalid_BadRequest(string json)
    {
        await using var f = await EmulatorFixture.StartAsync();

        var (status, body) = await AdminAsync(f, HttpMethod.Post, "/_emulator/faults", json);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(string.IsNullOrEmpty(body!["error"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Settings_Post_ChangesHealthDelayScheduleAndPropagation()
    {
        await using var f = await EmulatorFixture.StartAsync();

        var (status, settings) = await AdminAsync(f, HttpMethod.Post, "/_emulator/settings",
            """{"healthChangeDelaySeconds":2,"operationSubmittedSeconds":0,"operationPendingSeconds":0,"propagationDelaySeconds":1}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, settings!["healthChangeDelaySeconds"]!.GetValue<double>());
        Assert.Equal(TimeSpan.FromSeconds(2), f.Emulator.HealthChangeDelay);
        var op = await f.Client.RegisterAsync(f.CustomServiceId, "i-1");
        Assert.Equal("SUCCESS", await f.Client.OperationStatusAsync(op));
        await f.Client.ErrorAsync("GetInstance", new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "i-1" }, "InstanceNotFound");
        f.Clock.Advance(TimeSpan.FromSeconds(1));
        await f.Client.PushHealthAsync(f.CustomServiceId, "i-1", "UNHEALTHY");
        f.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("UNHEALTHY", (await f.Client.HealthAsync(f.CustomServiceId))["i-1"]);
    }

    [Fact]
    public async Task Reset_ClearsCountersAndLog()
    {
        await using var f = await EmulatorFixture.StartAsync();
        await f.Client.OkAsync("ListServices");

        await AdminAsync(f, HttpMethod.Post, "/_emulator/reset");

        Assert.Equal(0, f.Emulator.TotalCallCount);
        Assert.Empty(f.Emulator.GetRequestLog());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/_emulator/dashboard")]
    public async Task Dashboard_Get_ServesSelfContainedHtml(string path)
    {
        await using var f = await EmulatorFixture.StartAsync();

        using var response = await f.Client.Http.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("/_emulator/state", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script src", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownAdminRoute_NotFound()
    {
        await using var f = await EmulatorFixture.StartAsync();

        var (status, _) = await AdminAsync(f, HttpMethod.Get, "/_emulator/nothing");

        Assert.Equal(HttpStatusCode.NotFound, status);
    }
}
