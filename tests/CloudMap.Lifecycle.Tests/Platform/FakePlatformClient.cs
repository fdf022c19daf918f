// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Platform;

namespace CloudMap.Lifecycle.Tests.Platform;

/// <summary>A scripted platform: tasks by ARN and instances by id; every call recorded; optionally failing.</summary>
internal sealed class FakePlatformClient : IPlatformClient
{
    public Dictionary<string, string> TaskStatus { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, (string State, IPAddress[] Addresses)> Instances { get; } = new(StringComparer.Ordinal);

    public List<string> Calls { get; } = [];

    public Exception? Failure { get; set; }

    public Task<EcsDescribeTasksResult> DescribeTasksAsync(Uri? serviceUrl, string region, string cluster, IReadOnlyList<string> tasks, CancellationToken cancellationToken)
    {
        Calls.Add($"DescribeTasks {region} {cluster} {tasks.Count}");
        if (Failure is { } failure)
        {
            return Task.FromException<EcsDescribeTasksResult>(failure);
        }

        var found = tasks.Where(TaskStatus.ContainsKey).Select(t => new EcsTaskStatus(t, TaskStatus[t], null, TaskStatus[t] == "STOPPED" ? "Essential container in task exited" : null)).ToList();
        var missing = tasks.Where(t => !TaskStatus.ContainsKey(t)).Select(t => new EcsTaskFailure(t, "MISSING", null)).ToList();
        return Task.FromResult(new EcsDescribeTasksResult(found, missing));
    }

    public Task<IReadOnlyList<Ec2InstanceStatus>> DescribeInstancesAsync(Uri? serviceUrl, string region, IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        Calls.Add($"DescribeInstances {region} {instanceIds.Count}");
        if (Failure is { } failure)
        {
            return Task.FromException<IReadOnlyList<Ec2InstanceStatus>>(failure);
        }

        IReadOnlyList<Ec2InstanceStatus> found = instanceIds.Where(Instances.ContainsKey).Select(i => new Ec2InstanceStatus(i, Instances[i].State, Instances[i].Addresses)).ToList();
        return Task.FromResult(found);
    }

    public static string TaskArn(string taskId, string cluster = "prod", string region = "us-east-1") => $"arn:aws:ecs:{region}:111122223333:task/{cluster}/{taskId}";
}
