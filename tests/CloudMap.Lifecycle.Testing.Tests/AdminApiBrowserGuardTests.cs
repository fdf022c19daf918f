// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Tests;

/// <summary>What a web page can make a browser send to the emulator is refused; SDKs and scripts are not affected.</summary>
public sealed class AdminApiBrowserGuardTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(
        EmulatorFixture f,
        HttpMethod method,
        string path,
        string? body = null,
        string contentType = "application/json",
        string? host = null,
        string? origin = null,
        string? fetchSite = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, contentType);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (origin is not null)
        {
            request.Headers.TryAddWithoutValidation("Origin", origin);
        }

        if (fetchSite is not null)
        {
            request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", fetchSite);
        }

        using var response = await f.Client.Http.SendAsync(request, Ct);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType == "application/json" && JsonNode.Parse(text)?["error"] is { } error ? error.GetValue<string>() : text);
    }

    private static string Own(EmulatorFixture f) => "http://" + f.Emulator.Endpoint.Authority;

    [Fact]
    public async Task CrossOriginTextPlainPost_IsRefusedAndChangesNothing()
    {
        await using var f = await EmulatorFixture.StartAsync();

        var (status, body) = await SendAsync(f, HttpMethod.Post, "/_emulator/faults", """{"type":"errorRate","rate":1}""", "text/plain", origin: "https://evil.example", fetchSite: "cross-site");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("Cross-origin requests are refused (Origin 'https://evil.example')", body, StringComparison.Ordinal);
        var (_, faults) = await SendAsync(f, HttpMethod.Get, "/_emulator/faults");
        Assert.Empty(JsonNode.Parse(faults)!["rules"]!.AsArray());
        await f.Client.OkAsync("ListServices");
    }

    [Theory]
    [InlineData("POST", "/_emulator/reset", "https://evil.example", null)]
    [InlineData("POST", "/_emulator/reset", null, "cross-site")]
    [InlineData("POST", "/_emulator/reset", null, "same-site")]
    [InlineData("GET", "/_emulator/state", "null", null)]
    [InlineData("GET", "/", "http://localhost:1", null)]
    [InlineData("DELETE", "/_emulator/faults", "http://127.0.0.1:1", null)]
    public async Task CrossOriginRequest_IsRefused(string method, string path, string? origin, string? fetchSite)
    {
        await using var f = await EmulatorFixture.StartAsync();

        var (status, _) = await SendAsync(f, new HttpMethod(method), path, origin: origin, fetchSite: fetchSite);

        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task SameOriginDashboardRequests_AreAnswered()
    {
        await using var f = await EmulatorFixture.StartAsync();

        var (state, _) = await SendAsync(f, HttpMethod.Get, "/_emulator/state", fetchSite: "same-origin");
        var (reset, _) = await SendAsync(f, HttpMethod.Post, "/_emulator/reset", "{}", origin: Own(f), fetchSite: "same-origin");
        var (typed, _) = await SendAsync(f, HttpMethod.Get, "/", fetchSite: "none");

        Assert.Equal(HttpStatusCode.OK, state);
        Assert.Equal(HttpStatusCode.OK, reset);
        Assert.Equal(HttpStatusCode.OK, typed);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data")]
    public async Task AdminPostWithBody_WithoutJsonContentType_Is415(string contentType)
    {
        await using var f = await EmulatorFixture.StartAsync();

        var (status, body) = await SendAsync(f, HttpMethod.Post, "/_emulator/settings", """{"healthChangeDelaySeconds":1}""", contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("application/json", body, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(30), f.Emulator.HealthChangeDelay);
    }

    [Fact]
    public async Task AdminPostWithoutBody_NeedsNoContentType()
    {
        await using var f = await EmulatorFixture.StartAsync();
        using var response = await f.Client.Http.PostAsync(new Uri("/_emulator/reset", UriKind.Relative), null, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:4566")]
    [InlineData("127.0.0.1.nip.io:4566")]
    [InlineData("localhost.evil.example")]
    public async Task ForeignHost_AdminAndDashboard_Are403(string host)
    {
        await using var f = await EmulatorFixture.StartAsync();

        var (state, body) = await SendAsync(f, HttpMethod.Get, "/_emulator/state", host: host);
        var (dashboard, _) = await SendAsync(f, HttpMethod.Get, "/", host: host);
        var (reset, _) = await SendAsync(f, HttpMethod.Post, "/_emulator/reset", host: host);

        Assert.Equal(HttpStatusCode.Forbidden, state);
        Assert.Equal(HttpStatusCode.Forbidden, dashboard);
        Assert.Equal(HttpStatusCode.Forbidden, reset);
        Assert.Contains($"The Host '{host}' is not allowed", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:4566")]
    [InlineData("LOCALHOST")]
    [InlineData("127.0.0.1:80")]
    [InlineData("[::1]:4566")]
    [InlineData("10.1.2.3:4566")]
    public async Task LoopbackNamesAndAddresses_AnyPort_AreAnswered(string host)
    {
        await using var f = await EmulatorFixture.StartAsync();

        var (status, _) = await SendAsync(f, HttpMethod.Get, "/_emulator/state", host: host);

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task AllowedHosts_AddsNames()
    {
        await using var f = await EmulatorFixture.StartAsync(o => o.AllowedHosts.Add("cloudmap-emulator"));

        var (allowed, _) = await SendAsync(f, HttpMethod.Get, "/_emulator/state", host: "Cloudmap-Emulator:4566");
        var (other, _) = await SendAsync(f, HttpMethod.Get, "/_emulator/state", host: "other:4566");

        Assert.Equal(HttpStatusCode.OK, allowed);
        Assert.Equal(HttpStatusCode.Forbidden, other);
    }

    [Fact]
    public async Task AllowedHosts_Star_AcceptsAnyHostButStillRefusesCrossOrigin()
    {
        await using var f = await EmulatorFixture.StartAsync(o => o.AllowedHosts.Add("*"));

        var (any, _) = await SendAsync(f, HttpMethod.Get, "/_emulator/state", host: "whatever.example");
        var (crossOrigin, _) = await SendAsync(f, HttpMethod.Post, "/_emulator/reset", host: "whatever.example", origin: "http://elsewhere.example");

        Assert.Equal(HttpStatusCode.OK, any);
        Assert.Equal(HttpStatusCode.Forbidden, crossOrigin);
    }

    [Theory]
    [InlineData("http://emulator")]
    [InlineData("emulator:4566")]
    [InlineData("emulator/x")]
    [InlineData("")]
    public async Task AllowedHosts_NotAHostName_FailsStartNamingTheOptionAndValue(string entry)
    {
        var options = new CloudMapEmulatorOptions();
        options.AllowedHosts.Add(entry);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => CloudMapEmulator.StartAsync(options, Ct));

        Assert.Contains($"CloudMapEmulatorOptions.AllowedHosts: '{entry}' is not a host name", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("data-127.0.0.1:4566")]
    [InlineData("cloudmap-emulator:4566")]
    [InlineData("servicediscovery.us-east-1.amazonaws.com")]
    public async Task AwsRoute_SdkClientUnderAnyHost_IsAnswered(string host)
    {
        await using var f = await EmulatorFixture.StartAsync();

        var response = await f.Client.CallAsync("ListServices", [], host);

        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    [Fact]
    public async Task AwsRoute_BrowserUnderForeignHost_IsRefused()
    {
        // A DNS-rebinding page is same-origin with itself: Origin and Host both name the attacker's domain.
        await using var f = await EmulatorFixture.StartAsync();
        using var request = AwsJsonClient.BuildRequest("RegisterInstance", new JsonObject { ["ServiceId"] = f.CustomServiceId, ["InstanceId"] = "evil", ["Attributes"] = new JsonObject() }, "rebind.evil.example:4566");
        request.Headers.TryAddWithoutValidation("Origin", "http://rebind.evil.example:4566");

        var response = await f.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.Status);
        Assert.Empty(f.Emulator.GetInstances(f.CustomServiceId));
        Assert.Equal(0, f.Emulator.GetCallCount("RegisterInstance"));
    }

    [Fact]
    public async Task AwsRoute_CrossOriginBrowserRequest_IsRefused()
    {
        await using var f = await EmulatorFixture.StartAsync();
        using var request = AwsJsonClient.BuildRequest("ListServices", []);
        request.Headers.TryAddWithoutValidation("Origin", "https://evil.example");

        var response = await f.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.Status);
    }
}
