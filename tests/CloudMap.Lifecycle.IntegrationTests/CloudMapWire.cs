// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.IntegrationTests;

/// <summary>
/// Calls the emulator over HTTP with the AWS JSON 1.1 protocol, the way a discovering client would, so the tests
/// assert on what DiscoverInstances answers rather than on the emulator's internals.
/// </summary>
internal sealed class CloudMapWire(Uri endpoint) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = endpoint };

    /// <summary>DiscoverInstances; returns instance id → health status.</summary>
    public async Task<IReadOnlyDictionary<string, string>> DiscoverAsync(string namespaceName, string serviceName, string healthStatus = "HEALTHY")
    {
        var response = await CallAsync("DiscoverInstances", new JsonObject
        {
            ["NamespaceName"] = namespaceName,
            ["ServiceName"] = serviceName,
            ["HealthStatus"] = healthStatus,
        }).ConfigureAwait(false);
        return response["Instances"]!.AsArray().ToDictionary(i => (string)i!["InstanceId"]!, i => (string)i!["HealthStatus"]!);
    }

    public void Dispose() => _http.Dispose();

    private async Task<JsonNode> CallAsync(string operation, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.Add("X-Amz-Target", "Route53AutoNaming_v20170314." + operation);
        request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken).ConfigureAwait(false);
        Assert.True(response.IsSuccessStatusCode, $"{operation} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text) ?? throw new JsonException($"{operation} answered an empty body.");
    }
}
