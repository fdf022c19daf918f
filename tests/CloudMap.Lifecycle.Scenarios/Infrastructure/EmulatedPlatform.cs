// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>
/// The platform a standalone emulator plays, scripted through its admin API (<c>/_emulator/ecs/*</c>,
/// <c>/_emulator/ec2/*</c>), and the environment that makes a sample process run as one of its tasks or instances
/// (its metadata endpoint under <c>/_emulator/metadata/</c>, ECS and EC2 endpoints pointing at the emulator).
/// </summary>
internal sealed class EmulatedPlatform(Uri endpoint) : IDisposable
{
    private readonly HttpClient admin = new() { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>Starts an ECS task with the given address; returns its id.</summary>
    public async Task<string> StartTaskAsync(string cluster, string service, string address, CancellationToken cancellationToken) =>
        (string)(await PostAsync("_emulator/ecs/tasks", new { cluster, serviceName = service, privateIPv4Address = address }, cancellationToken).ConfigureAwait(false))["taskId"]!;

    /// <summary>Stops a task: ECS walks it through DEACTIVATING, STOPPING, DEPROVISIONING to STOPPED in <paramref name="stopDuration"/>.</summary>
    public Task StopTaskAsync(string taskId, string stopCode, TimeSpan stopDuration, CancellationToken cancellationToken) =>
        PostAsync("_emulator/ecs/tasks/stop", new { task = taskId, stopCode, stopSeconds = stopDuration.TotalSeconds }, cancellationToken);

    /// <summary>Launches an EC2 instance (at <paramref name="address"/>, or the next free VPC address); returns its id.</summary>
    public async Task<string> LaunchInstanceAsync(string? address, CancellationToken cancellationToken) =>
        (string)(await PostAsync("_emulator/ec2/instances", new { privateIpAddress = address }, cancellationToken).ConfigureAwait(false))["instanceId"]!;

    /// <summary>Terminates an instance: <c>shutting-down</c> for <paramref name="shutdown"/>, then <c>terminated</c>.</summary>
    public Task TerminateInstanceAsync(string instanceId, TimeSpan shutdown, CancellationToken cancellationToken) =>
        PostAsync("_emulator/ec2/instances/terminate", new { instanceId, seconds = shutdown.TotalSeconds }, cancellationToken);

    /// <summary>Gives <paramref name="address"/> to <paramref name="instanceId"/> (its holder gets another one).</summary>
    public Task MoveIpAsync(string address, string instanceId, CancellationToken cancellationToken) =>
        PostAsync("_emulator/ec2/instances/move-ip", new { privateIpAddress = address, instanceId }, cancellationToken);

    /// <summary>Asks the task's (or instance's, IMDSv2) metadata once, so the emulator's first answers are warm when a sample asks.</summary>
    public async Task WarmUpMetadataAsync(bool ecs, string id, CancellationToken cancellationToken)
    {
        if (ecs)
        {
            using var task = await admin.GetAsync(new Uri("_emulator/metadata/ecs/" + id + "/task", UriKind.Relative), cancellationToken).ConfigureAwait(false);
            task.EnsureSuccessStatusCode();
            return;
        }

        using var tokenRequest = new HttpRequestMessage(HttpMethod.Put, "_emulator/metadata/ec2/" + id + "/latest/api/token");
        tokenRequest.Headers.Add("X-aws-ec2-metadata-token-ttl-seconds", "60");
        using var token = await admin.SendAsync(tokenRequest, cancellationToken).ConfigureAwait(false);
        token.EnsureSuccessStatusCode();
        using var idRequest = new HttpRequestMessage(HttpMethod.Get, "_emulator/metadata/ec2/" + id + "/latest/meta-data/instance-id");
        idRequest.Headers.Add("X-aws-ec2-metadata-token", await token.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        using var answer = await admin.SendAsync(idRequest, cancellationToken).ConfigureAwait(false);
        answer.EnsureSuccessStatusCode();
    }

    /// <summary>The environment of a sample that runs as ECS task <paramref name="taskId"/> (ECS task metadata v4, no EC2 metadata).</summary>
    public Dictionary<string, string> TaskEnvironment(string taskId) => new(StringComparer.Ordinal)
    {
        ["ECS_CONTAINER_METADATA_URI_V4"] = new Uri(endpoint, "_emulator/metadata/ecs/" + taskId).AbsoluteUri,
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["AWS_ENDPOINT_URL_ECS"] = endpoint.AbsoluteUri.TrimEnd('/'),
        ["AWS_ENDPOINT_URL_EC2"] = endpoint.AbsoluteUri.TrimEnd('/'),
    };

    /// <summary>The environment of a sample that runs as EC2 instance <paramref name="instanceId"/> (IMDSv2 at the emulator).</summary>
    public Dictionary<string, string> InstanceEnvironment(string instanceId) => new(StringComparer.Ordinal)
    {
        ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = new Uri(endpoint, "_emulator/metadata/ec2/" + instanceId + "/").AbsoluteUri,
        ["AWS_ENDPOINT_URL_ECS"] = endpoint.AbsoluteUri.TrimEnd('/'),
        ["AWS_ENDPOINT_URL_EC2"] = endpoint.AbsoluteUri.TrimEnd('/'),
    };

    /// <summary>The attributes the emulator holds for a registration of the scenario service, or <see langword="null"/> when it holds none.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> AttributesAsync(string instanceId, CancellationToken cancellationToken)
    {
        var state = await admin.GetFromJsonAsync<JsonObject>("_emulator/state", cancellationToken).ConfigureAwait(false);
        var instance = (state?["namespaces"]?.AsArray() ?? [])
            .SelectMany(n => n!["services"]!.AsArray())
            .Where(s => (string?)s!["id"] == StandaloneEmulatorLane.ServiceId)
            .SelectMany(s => s!["instances"]!.AsArray())
            .FirstOrDefault(i => (string?)i!["id"] == instanceId);
        return instance?["attributes"]?.AsObject().ToDictionary(p => p.Key, p => (string?)p.Value ?? string.Empty, StringComparer.Ordinal);
    }

    public void Dispose() => admin.Dispose();

    private async Task<JsonObject> PostAsync(string path, object body, CancellationToken cancellationToken)
    {
        using var response = await admin.PostAsJsonAsync(path, body, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /{path} answered {(int)response.StatusCode}: {text}");
        }

        return JsonNode.Parse(text)!.AsObject();
    }
}
