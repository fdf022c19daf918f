// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Internal.Platform;

/// <summary>
/// What a process running as one of the emulated tasks or instances reads about itself: ECS task metadata v4 (the
/// container and task documents, PascalCase as the ECS agent writes them) and EC2 instance metadata (IMDSv2 only: a
/// session token from <c>PUT /latest/api/token</c>, bound to the instance and expiring on the emulator's clock).
/// </summary>
/// <remarks>
/// A task is described while ECS would still describe it (its status included: a stopped task's document says
/// <c>STOPPED</c>); an instance while it is not terminated (a terminated instance runs nothing that could ask).
/// Tokens are random (not from the seeded generator, so asking for one never shifts the ids a seed produces).
/// </remarks>
internal sealed partial class PlatformState
{
    /// <summary>The longest IMDSv2 token lifetime (6 hours), as EC2 allows.</summary>
    public const int MaxTokenTtlSeconds = 21600;

    /// <summary>The container name the emulated task runs (one essential container per task).</summary>
    public const string ContainerName = "app";

    private readonly Dictionary<string, (string InstanceId, DateTimeOffset ExpiresAt)> _imdsTokens = new(StringComparer.Ordinal);

    /// <summary>The ECS metadata v4 container document of a task's container, or <see langword="null"/> when ECS no longer knows the task.</summary>
    public JsonObject? EcsContainerMetadata(string taskId) => Locked(() =>
    {
        var now = _time.GetUtcNow();
        return TaskForMetadata(taskId, now) is { } task ? ContainerDocument(task, now) : null;
    });

    /// <summary>The ECS metadata v4 task document (<c>${ECS_CONTAINER_METADATA_URI_V4}/task</c>), or <see langword="null"/>.</summary>
    public JsonObject? EcsTaskMetadata(string taskId) => Locked(() =>
    {
        var now = _time.GetUtcNow();
        if (TaskForMetadata(taskId, now) is not { } task)
        {
            return null;
        }

        var document = new JsonObject
        {
            ["Cluster"] = task.ClusterArn,
            ["TaskARN"] = task.TaskArn,
            ["Family"] = FamilyOf(task),
            ["Revision"] = "1",
            ["DesiredStatus"] = task.DesiredStatus,
            ["KnownStatus"] = task.LastStatus(now),
            ["Limits"] = new JsonObject { ["CPU"] = 0.25, ["Memory"] = 512 },
            ["PullStartedAt"] = Timestamp(task.StartedAt),
            ["PullStoppedAt"] = Timestamp(task.StartedAt),
            ["AvailabilityZone"] = task.AvailabilityZone,
            ["LaunchType"] = "FARGATE",
            ["Containers"] = new JsonArray(ContainerDocument(task, now)),
            ["ClockDrift"] = new JsonObject { ["ClockErrorBound"] = 0.5, ["ReferenceTimestamp"] = Timestamp(now), ["ClockSynchronizationStatus"] = "SYNCHRONIZED" },
        };
        if (task.ServiceName is { } service)
        {
            document["ServiceName"] = service;
        }

        if (task.StoppedAt(now) is { } stopped)
        {
            document["ExecutionStoppedAt"] = Timestamp(stopped);
        }

        return document;
    });

    /// <summary>
    /// Issues an IMDSv2 session token for <paramref name="instanceId"/>, valid for <paramref name="ttlSeconds"/> on the
    /// emulator's clock; <see langword="null"/> when the instance runs no more (unknown or terminated).
    /// </summary>
    public string? IssueImdsToken(string instanceId, int ttlSeconds) => Locked(() =>
    {
        var now = _time.GetUtcNow();
        if (InstanceForMetadata(instanceId, now) is null)
        {
            return null;
        }

        foreach (var expired in _imdsTokens.Where(t => t.Value.ExpiresAt <= now).Select(t => t.Key).ToList())
        {
            _imdsTokens.Remove(expired);
        }

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(42)).Replace('+', '-').Replace('/', '_');
        _imdsTokens[token] = (instanceId, now.AddSeconds(ttlSeconds));
        return token;
    });

    /// <summary>Whether a token was issued for this instance and has not expired.</summary>
    public bool IsValidImdsToken(string instanceId, string token) => Locked(() =>
        _imdsTokens.TryGetValue(token, out var issued) && issued.InstanceId == instanceId && issued.ExpiresAt > _time.GetUtcNow());

    /// <summary>
    /// One instance metadata value under <c>/latest/</c> (<c>meta-data/instance-id</c>, <c>meta-data/local-ipv4</c>, …;
    /// a directory lists its entries one a line, as IMDS does), or <see langword="null"/> for a path IMDS would answer 404.
    /// </summary>
    public string? Ec2Metadata(string instanceId, string path) => Locked(() =>
    {
        var now = _time.GetUtcNow();
        if (InstanceForMetadata(instanceId, now) is not { } instance)
        {
            return null;
        }

        var ip = instance.PrivateIp ?? string.Empty;
        var hostname = "ip-" + ip.Replace('.', '-') + "." + Region + ".compute.internal";
        return path.TrimEnd('/') switch
        {
            "meta-data" => "ami-id\nhostname\ninstance-id\ninstance-type\nlocal-hostname\nlocal-ipv4\nplacement/",
            "meta-data/ami-id" => "ami-0123456789abcdef0",
            "meta-data/instance-id" => instance.InstanceId,
            "meta-data/instance-type" => "t3.micro",
            "meta-data/hostname" or "meta-data/local-hostname" => hostname,
            "meta-data/local-ipv4" => ip,
            "meta-data/placement" => "availability-zone\nregion",
            "meta-data/placement/availability-zone" => instance.AvailabilityZone,
            "meta-data/placement/region" => Region,
            "dynamic/instance-identity/document" => new JsonObject
            {
                ["accountId"] = EmulatorState.AccountId,
                ["architecture"] = "x86_64",
                ["availabilityZone"] = instance.AvailabilityZone,
                ["imageId"] = "ami-0123456789abcdef0",
                ["instanceId"] = instance.InstanceId,
                ["instanceType"] = "t3.micro",
                ["pendingTime"] = instance.LaunchTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["privateIp"] = ip,
                ["region"] = Region,
                ["version"] = "2017-09-30",
            }.ToJsonString(),
            _ => null,
        };
    });

    private TaskRecord? TaskForMetadata(string taskId, DateTimeOffset now) =>
        _tasks.FirstOrDefault(t => t.TaskId == taskId && t.IsRetained(now));

    private Ec2InstanceRecord? InstanceForMetadata(string instanceId, DateTimeOffset now) =>
        _instances.FirstOrDefault(i => i.InstanceId == instanceId && !i.IsTerminated(now));

    private static string FamilyOf(TaskRecord task) => task.ServiceName ?? task.Cluster;

    private JsonObject ContainerDocument(TaskRecord task, DateTimeOffset now)
    {
        var known = task.LastStatus(now);
        var document = new JsonObject
        {
            ["DockerId"] = task.TaskId + "-0000000000",
            ["Name"] = ContainerName,
            ["DockerName"] = ContainerName,
            ["Image"] = "public.ecr.aws/emulator/" + FamilyOf(task) + ":latest",
            ["Labels"] = new JsonObject
            {
                ["com.amazonaws.ecs.cluster"] = task.ClusterArn,
                ["com.amazonaws.ecs.container-name"] = ContainerName,
                ["com.amazonaws.ecs.task-arn"] = task.TaskArn,
                ["com.amazonaws.ecs.task-definition-family"] = FamilyOf(task),
                ["com.amazonaws.ecs.task-definition-version"] = "1",
            },
            ["DesiredStatus"] = task.DesiredStatus,
            ["KnownStatus"] = known,
            ["Limits"] = new JsonObject { ["CPU"] = 256, ["Memory"] = 512 },
            ["CreatedAt"] = Timestamp(task.StartedAt),
            ["StartedAt"] = Timestamp(task.StartedAt),
            ["Type"] = "NORMAL",
            ["ContainerARN"] = $"arn:aws:ecs:{Region}:{EmulatorState.AccountId}:container/{task.Cluster}/{task.TaskId}/{task.AttachmentId}",
            ["Health"] = new JsonObject { ["status"] = task.HealthStatus, ["statusSince"] = Timestamp(task.StartedAt) },
            ["Networks"] = new JsonArray(new JsonObject
            {
                ["NetworkMode"] = "awsvpc",
                ["IPv4Addresses"] = new JsonArray(task.PrivateIp),
                ["AttachmentIndex"] = 0,
                ["MACAddress"] = "0a:00:00:00:00:01",
                ["IPv4SubnetCIDRBlock"] = "10.0.0.0/16",
                ["PrivateDNSName"] = "ip-" + task.PrivateIp.Replace('.', '-') + "." + Region + ".compute.internal",
                ["SubnetGatewayIpv4Address"] = "10.0.0.1/16",
            }),
        };
        if (task.StoppedAt(now) is { } stopped)
        {
            document["FinishedAt"] = Timestamp(stopped);
            document["ExitCode"] = task.StopCode == "EssentialContainerExited" ? 137 : 0;
        }

        return document;
    }

    private static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
