// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Tests;

/// <summary>A hand-built AWS JSON 1.1 client (deliberately not our client library), as raw as the wire.</summary>
internal sealed class AwsJsonClient(Uri endpoint) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(30) };

    public HttpClient Http => _http;

    public static HttpRequestMessage BuildRequest(string operation, JsonObject? body, string? host = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes((body ?? []).ToJsonString())),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Route53AutoNaming_v20170314." + operation);
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        return request;
    }

    public async Task<AwsResponse> SendAsync(HttpRequestMessage request)
    {
        using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var json = text.Length == 0 ? [] : (JsonObject)JsonNode.Parse(text)!;
        return new AwsResponse(response.StatusCode, json, response.Headers, response.Content.Headers.ContentType?.ToString());
    }

    public Task<AwsResponse> CallAsync(string operation, JsonObject? body = null, string? host = null) =>
        SendAsync(BuildRequest(operation, body, host));

    /// <summary>Calls and asserts success.</summary>
    public async Task<JsonObject> OkAsync(string operation, JsonObject? body = null)
    {
        var response = await CallAsync(operation, body);
        Assert.True(response.Status == HttpStatusCode.OK, $"{operation} answered {(int)response.Status}: {response.Body.ToJsonString()}");
        return response.Body;
    }

    /// <summary>Calls and asserts an error with the given code; returns the body.</summary>
    public async Task<JsonObject> ErrorAsync(string operation, JsonObject? body, string code, HttpStatusCode status = HttpStatusCode.BadRequest)
    {
        var response = await CallAsync(operation, body);
        Assert.True(response.Body["__type"]?.GetValue<string>() == code, $"{operation} answered {(int)response.Status}: {response.Body.ToJsonString()}, expected {code}");
        Assert.Equal(status, response.Status);
        Assert.False(string.IsNullOrEmpty(response.Body["Message"]?.GetValue<string>()));
        return response.Body;
    }

    public async Task<string> RegisterAsync(string serviceId, string instanceId, JsonObject? attributes = null, string? creatorRequestId = null)
    {
        var body = new JsonObject { ["ServiceId"] = serviceId, ["InstanceId"] = instanceId, ["Attributes"] = attributes ?? new JsonObject { ["AWS_INSTANCE_IPV4"] = "10.0.0.1", ["AWS_INSTANCE_PORT"] = "8080" } };
        if (creatorRequestId is not null)
        {
            body["CreatorRequestId"] = creatorRequestId;
        }

        return (await OkAsync("RegisterInstance", body))["OperationId"]!.GetValue<string>();
    }

    public async Task<string> OperationStatusAsync(string operationId) =>
        (await OkAsync("GetOperation", new JsonObject { ["OperationId"] = operationId }))["Operation"]!["Status"]!.GetValue<string>();

    public async Task<Dictionary<string, string>> HealthAsync(string serviceId, params string[] instanceIds)
    {
        var body = new JsonObject { ["ServiceId"] = serviceId };
        if (instanceIds.Length > 0)
        {
            body["Instances"] = new JsonArray([.. instanceIds.Select(i => (JsonNode)i)]);
        }

        var status = (JsonObject)(await OkAsync("GetInstancesHealthStatus", body))["Status"]!;
        return status.ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
    }

    public Task PushHealthAsync(string serviceId, string instanceId, string status) =>
        OkAsync("UpdateInstanceCustomHealthStatus", new JsonObject { ["ServiceId"] = serviceId, ["InstanceId"] = instanceId, ["Status"] = status });

    public async Task<(List<(string Id, string Health)> Instances, long Revision)> DiscoverAsync(string ns, string service, string? healthStatus = null, JsonObject? extra = null)
    {
        var body = new JsonObject { ["NamespaceName"] = ns, ["ServiceName"] = service };
        if (healthStatus is not null)
        {
            body["HealthStatus"] = healthStatus;
        }

        foreach (var (k, v) in extra ?? [])
        {
            body[k] = v?.DeepClone();
        }

        var result = await OkAsync("DiscoverInstances", body);
        var list = ((JsonArray)result["Instances"]!).Select(i => (i!["InstanceId"]!.GetValue<string>(), i["HealthStatus"]!.GetValue<string>()))
            .OrderBy(x => x.Item1, StringComparer.Ordinal).ToList();
        return (list, result["InstancesRevision"]!.GetValue<long>());
    }

    public void Dispose() => _http.Dispose();
}

internal sealed record AwsResponse(HttpStatusCode Status, JsonObject Body, HttpResponseHeaders Headers, string? ContentType);
