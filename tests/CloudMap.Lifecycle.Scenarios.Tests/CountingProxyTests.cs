// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text;
using CloudMap.Lifecycle.Scenarios.Infrastructure;
using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Scenarios.Tests;

/// <summary>The relay that tells two processes' Cloud Map calls apart relays answers unchanged and counts only its own caller's calls.</summary>
public sealed class CountingProxyTests
{
    [Fact]
    public async Task Forward_TwoRelaysOnOneEmulator_RelaysAnswersAndCountsEachCallerSeparately()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var emulator = await CloudMapEmulator.StartAsync(cancellationToken: ct);
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("demo.local"), "sample");
        await using var a = await CountingProxy.StartAsync(emulator.Endpoint, ct);
        await using var b = await CountingProxy.StartAsync(emulator.Endpoint, ct);
        using var http = new HttpClient();
        var from = Clock.Now;

        using var found = await SendAsync(http, a.Endpoint, "GetService", $$"""{"Id":"{{serviceId}}"}""", ct);
        using var missing = await SendAsync(http, b.Endpoint, "GetInstance", $$"""{"ServiceId":"{{serviceId}}","InstanceId":"nobody"}""", ct);
        using var again = await SendAsync(http, b.Endpoint, "GetInstance", $$"""{"ServiceId":"{{serviceId}}","InstanceId":"nobody"}""", ct);

        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        Assert.Contains(serviceId, await found.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("InstanceNotFound", await missing.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(1, a.Calls.Count("GetService", from, Clock.Now));
        Assert.Equal(0, a.Calls.Count("GetInstance", from, Clock.Now));
        Assert.Equal(2, b.Calls.Count("GetInstance", from, Clock.Now));
        Assert.Equal(3, emulator.TotalCallCount);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, Uri endpoint, string operation, string body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1"),
        };
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Route53AutoNaming_v20170314." + operation);
        return await http.SendAsync(request, cancellationToken);
    }
}
