// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static CloudMap.Lifecycle.Testing.Internal.AwsOperation;

namespace CloudMap.Lifecycle.Testing.Internal.Platform;

/// <summary>
/// ECS (AWS JSON 1.1, target prefix <c>AmazonEC2ContainerServiceV20141113.</c>, signing name <c>ecs</c>) on the
/// emulator's port: <c>DescribeTasks</c> and <c>ListTasks</c>, the two calls that tell a janitor which tasks exist and
/// whether they run. Shapes and member names are botocore's <c>ecs/2014-11-13</c> model; the answers are built as
/// JSON objects here because ECS's members are camelCase, unlike Cloud Map's.
/// </summary>
internal sealed partial class PlatformState
{
    public const string EcsTargetPrefix = "AmazonEC2ContainerServiceV20141113.";
    public const string EcsSigningName = "ecs";
    public const int MaxDescribeTasks = 100;
    public const int MaxListTasksResults = 100;

    private const string InvalidParameter = "InvalidParameterException";
    private const string ClusterNotFound = "ClusterNotFoundException";
    private const string ServiceNotFound = "ServiceNotFoundException";
    private const string DefaultCluster = "default";

    /// <summary>Gets the ECS API over this state: the operation table.</summary>
    public AwsJsonService EcsApi { get; }

    private AwsJsonService CreateEcsApi() => new(EcsTargetPrefix, EcsSigningName,
    [
        Sync("DescribeTasks", ApiPlane.Control, DescribeTasksInput.Read, DescribeTasks),
        Sync("ListTasks", ApiPlane.Control, ListTasksInput.Read, ListTasks),
    ])
    {
        // ECS's model names the error member "message" (Cloud Map's says "Message"); awsJson1_1 writes it as named.
        ErrorMessageMember = "message",
    };

    private JsonObject DescribeTasks(DescribeTasksInput input) => Locked(() =>
    {
        var now = _time.GetUtcNow();
        var cluster = ClusterFromInput(input.Cluster);
        var tasks = new JsonArray();
        var failures = new JsonArray();
        var described = new HashSet<string>(StringComparer.Ordinal);
        foreach (var requested in input.Tasks.Distinct(StringComparer.Ordinal))
        {
            var (clusterName, id) = ParseTaskReference(requested, cluster.Name);
            var record = clusterName == cluster.Name ? _tasks.FirstOrDefault(t => t.Cluster == cluster.Name && t.TaskId == id && t.IsRetained(now)) : null;
            if (record is null)
            {
                // ECS names a missing task by the ARN it would have (UNCONFIRMED for a bare id: the cluster's ARN form is used).
                var arn = requested.StartsWith("arn:", StringComparison.Ordinal) ? requested : $"arn:aws:ecs:{Region}:{EmulatorState.AccountId}:task/{cluster.Name}/{requested}";
                failures.Add(new JsonObject { ["arn"] = arn, ["reason"] = "MISSING" });
                continue;
            }

            // The same task named twice (by id and by ARN) is described once.
            if (described.Add(record.TaskId))
            {
                tasks.Add(TaskJson(record, now, input.IncludeTags));
            }
        }

        return new JsonObject { ["tasks"] = tasks, ["failures"] = failures };
    });

    private JsonObject ListTasks(ListTasksInput input) => Locked(() =>
    {
        var now = _time.GetUtcNow();
        var cluster = ClusterFromInput(input.Cluster);
        if (input.ServiceName is { } service && !cluster.Services.Contains(service))
        {
            throw new AwsErrorException(ServiceNotFound, "Service not found.");
        }

        var desired = input.DesiredStatus ?? TaskStatuses.Running;
        var matching = _tasks
            .Where(t => t.Cluster == cluster.Name && t.IsRetained(now) && t.DesiredStatus == desired)
            .Where(t => input.ServiceName is null || t.ServiceName == input.ServiceName)
            .Where(t => input.Family is null || Family(t) == input.Family)
            .Where(t => input.StartedBy is null || StartedBy(t) == input.StartedBy)
            .Where(t => input.LaunchType is null || input.LaunchType == "FARGATE")
            .OrderBy(t => t.Sequence)
            .ToList();
        var offset = input.NextToken is null ? 0 : ReadToken(input.NextToken, matching.Count);
        var page = matching.Skip(offset).Take(input.MaxResults ?? MaxListTasksResults).ToList();
        var result = new JsonObject { ["taskArns"] = new JsonArray([.. page.Select(t => (JsonNode)JsonValue.Create(t.TaskArn))]) };
        if (offset + page.Count < matching.Count)
        {
            result["nextToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("ecs-list-tasks:" + (offset + page.Count).ToString(CultureInfo.InvariantCulture)));
        }

        return result;
    });

    private static int ReadToken(string token, int count)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            if (text.StartsWith("ecs-list-tasks:", StringComparison.Ordinal)
                && int.TryParse(text["ecs-list-tasks:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
                && offset <= count)
            {
                return offset;
            }
        }
        catch (FormatException)
        {
            // Falls through to the error below.
        }

        throw new AwsErrorException(InvalidParameter, "Invalid token: the nextToken is not one this API returned.");
    }

    private ClusterRecord ClusterFromInput(string? cluster)
    {
        var name = cluster ?? DefaultCluster;
        var prefix = $"arn:aws:ecs:{Region}:{EmulatorState.AccountId}:cluster/";
        if (name.StartsWith("arn:", StringComparison.Ordinal))
        {
            name = name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : string.Empty;
        }

        return _clusters.GetValueOrDefault(name) ?? throw new AwsErrorException(ClusterNotFound, "Cluster not found.");
    }

    /// <summary>A task id, or an ARN in the new (<c>task/cluster/id</c>) or the old (<c>task/id</c>) form.</summary>
    private (string? Cluster, string Id) ParseTaskReference(string reference, string requestedCluster)
    {
        if (!reference.StartsWith("arn:", StringComparison.Ordinal))
        {
            return (requestedCluster, reference);
        }

        var prefix = $"arn:aws:ecs:{Region}:{EmulatorState.AccountId}:task/";
        if (!reference.StartsWith(prefix, StringComparison.Ordinal))
        {
            return (null, reference);
        }

        var parts = reference[prefix.Length..].Split('/');
        return parts.Length switch
        {
            1 => (requestedCluster, parts[0]),
            2 => (parts[0], parts[1]),
            _ => (null, reference),
        };
    }

    private static string Family(TaskRecord task) => task.ServiceName ?? "app";

    /// <summary>What ECS puts in <c>startedBy</c> for a service's tasks: <c>ecs-svc/</c> and 19 digits, stable per service name.</summary>
    private static string? StartedBy(TaskRecord task)
    {
        if (task.ServiceName is null)
        {
            return null;
        }

        // FNV-1a: string.GetHashCode is randomized per process, and the value must be the same on every run.
        var hash = 14695981039346656037UL;
        foreach (var c in task.ServiceName)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return "ecs-svc/" + (1_000_000_000_000_000_000UL + (hash % 8_000_000_000_000_000_000UL)).ToString(CultureInfo.InvariantCulture);
    }

    private JsonObject TaskJson(TaskRecord task, DateTimeOffset now, bool includeTags)
    {
        var lastStatus = task.LastStatus(now);
        var stoppedAt = task.StoppedAt(now);
        var containerStatus = lastStatus is TaskStatuses.Running or TaskStatuses.Deactivating or TaskStatuses.Stopping ? TaskStatuses.Running : TaskStatuses.Stopped;
        var privateDnsName = "ip-" + task.PrivateIp.Replace('.', '-') + "." + (Region == "us-east-1" ? "ec2.internal" : Region + ".compute.internal");
        var container = new JsonObject
        {
            ["containerArn"] = $"arn:aws:ecs:{Region}:{EmulatorState.AccountId}:container/{task.Cluster}/{task.TaskId}/{task.AttachmentId}",
            ["taskArn"] = task.TaskArn,
            ["name"] = "app",
            ["image"] = Family(task) + ":latest",
            ["lastStatus"] = containerStatus,
            ["networkInterfaces"] = new JsonArray(new JsonObject { ["attachmentId"] = task.AttachmentId, ["privateIpv4Address"] = task.PrivateIp }),
            ["healthStatus"] = task.HealthStatus,
            ["cpu"] = "0",
        };
        if (containerStatus == TaskStatuses.Stopped)
        {
            container["exitCode"] = task.StopCode == "EssentialContainerExited" ? 1 : 0;
        }

        var json = new JsonObject
        {
            ["attachments"] = new JsonArray(new JsonObject
            {
                ["id"] = task.AttachmentId,
                ["type"] = "ElasticNetworkInterface",
                ["status"] = lastStatus == TaskStatuses.Stopped ? "DELETED" : lastStatus == TaskStatuses.Deprovisioning ? "DETACHING" : "ATTACHED",
                ["details"] = new JsonArray(
                    Detail("subnetId", "subnet-0emulator" + task.AvailabilityZone[^1]),
                    Detail("networkInterfaceId", task.NetworkInterfaceId),
                    Detail("privateDnsName", privateDnsName),
                    Detail("privateIPv4Address", task.PrivateIp)),
            }),
            ["availabilityZone"] = task.AvailabilityZone,
            ["clusterArn"] = task.ClusterArn,
            ["connectivity"] = "CONNECTED",
            ["connectivityAt"] = EmulatorState.Epoch(task.StartedAt),
            ["containers"] = new JsonArray(container),
            ["cpu"] = "256",
            ["createdAt"] = EmulatorState.Epoch(task.StartedAt),
            ["desiredStatus"] = task.DesiredStatus,
            ["group"] = task.ServiceName is null ? "family:app" : "service:" + task.ServiceName,
            ["healthStatus"] = task.HealthStatus,
            ["lastStatus"] = lastStatus,
            ["launchType"] = "FARGATE",
            ["memory"] = "512",
            ["platformVersion"] = "1.4.0",
            ["platformFamily"] = "Linux",
            ["pullStartedAt"] = EmulatorState.Epoch(task.StartedAt),
            ["pullStoppedAt"] = EmulatorState.Epoch(task.StartedAt),
            ["startedAt"] = EmulatorState.Epoch(task.StartedAt),
            ["taskArn"] = task.TaskArn,
            ["taskDefinitionArn"] = $"arn:aws:ecs:{Region}:{EmulatorState.AccountId}:task-definition/{Family(task)}:1",
            ["version"] = task.Version + (task.StoppingAt is null ? 0 : lastStatus switch
            {
                TaskStatuses.Deactivating => 0,
                TaskStatuses.Stopping => 1,
                TaskStatuses.Deprovisioning => 2,
                _ => 3,
            }),
        };
        if (StartedBy(task) is { } startedBy)
        {
            json["startedBy"] = startedBy;
        }

        if (task.StoppingAt is { } stoppingAt)
        {
            json["stopCode"] = task.StopCode;
            json["stoppedReason"] = task.StoppedReason;
            json["stoppingAt"] = EmulatorState.Epoch(stoppingAt);
        }

        if (stoppedAt is { } stopped)
        {
            json["executionStoppedAt"] = EmulatorState.Epoch(stopped);
            json["stoppedAt"] = EmulatorState.Epoch(stopped);
        }

        if (includeTags)
        {
            json["tags"] = new JsonArray();
        }

        return json;
    }

    private static JsonObject Detail(string name, string value) => new() { ["name"] = name, ["value"] = value };

    /// <summary>DescribeTasks' request: <c>cluster</c>, <c>tasks</c> (1 to 100), <c>include</c> (<c>TAGS</c>).</summary>
    internal sealed record DescribeTasksInput(string? Cluster, IReadOnlyList<string> Tasks, bool IncludeTags)
    {
        public static DescribeTasksInput Read(JsonObject body)
        {
            var cluster = AwsInput.String(body, "cluster");
            var tasks = AwsInput.List(body, "tasks") is { } list ? AwsInput.StringList(list, "tasks") : [];
            if (tasks.Count == 0)
            {
                throw new AwsErrorException(InvalidParameter, "Tasks cannot be empty.");
            }

            if (tasks.Count > MaxDescribeTasks)
            {
                throw new AwsErrorException(InvalidParameter, $"taskIds can have at most {MaxDescribeTasks} items.");
            }

            if (tasks.Any(string.IsNullOrWhiteSpace))
            {
                throw new AwsErrorException(InvalidParameter, "Task identifiers cannot be empty.");
            }

            var include = AwsInput.List(body, "include") is { } fields ? AwsInput.StringList(fields, "include") : [];
            if (include.FirstOrDefault(f => f != "TAGS") is { } unknown)
            {
                throw new AwsErrorException(InvalidParameter, $"Invalid include field '{unknown}': the only field is TAGS.");
            }

            return new DescribeTasksInput(cluster, tasks, include.Count > 0);
        }
    }

    /// <summary>ListTasks' request (botocore <c>ListTasksRequest</c>); <c>containerInstance</c> and <c>daemonName</c> are accepted and ignored.</summary>
    internal sealed record ListTasksInput(string? Cluster, string? ServiceName, string? DesiredStatus, string? Family, string? StartedBy, string? LaunchType, string? NextToken, int? MaxResults)
    {
        private static readonly string[] DesiredStatuses = [TaskStatuses.Running, TaskStatuses.Pending, TaskStatuses.Stopped];
        private static readonly string[] LaunchTypes = ["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"];

        public static ListTasksInput Read(JsonObject body)
        {
            var desired = AwsInput.String(body, "desiredStatus");
            if (desired is not null && !DesiredStatuses.Contains(desired, StringComparer.Ordinal))
            {
                throw new AwsErrorException(InvalidParameter, $"Invalid desiredStatus '{desired}': use RUNNING, PENDING or STOPPED.");
            }

            var launchType = AwsInput.String(body, "launchType");
            if (launchType is not null && !LaunchTypes.Contains(launchType, StringComparer.Ordinal))
            {
                throw new AwsErrorException(InvalidParameter, $"Invalid launchType '{launchType}'.");
            }

            int? maxResults = null;
            if (body["maxResults"] is { } node)
            {
                if (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<int>(out var value))
                {
                    throw new AwsErrorException(CloudMapRules.ErrorCodes.SerializationException, "Member 'maxResults' must be an integer.");
                }

                maxResults = value is >= 1 and <= MaxListTasksResults
                    ? value
                    : throw new AwsErrorException(InvalidParameter, $"maxResults must be between 1 and {MaxListTasksResults}, not {value}.");
            }

            return new ListTasksInput(
                AwsInput.String(body, "cluster"),
                AwsInput.String(body, "serviceName"),
                desired,
                AwsInput.String(body, "family"),
                AwsInput.String(body, "startedBy"),
                launchType,
                AwsInput.String(body, "nextToken"),
                maxResults);
        }
    }
}
