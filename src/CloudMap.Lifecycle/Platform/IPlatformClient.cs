// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;

namespace CloudMap.Lifecycle.Platform;

/// <summary>One task in an ECS DescribeTasks answer.</summary>
/// <param name="TaskArn">The task ARN.</param>
/// <param name="LastStatus">PROVISIONING … RUNNING, DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED.</param>
/// <param name="HealthStatus">HEALTHY, UNHEALTHY or UNKNOWN, when ECS reports one.</param>
/// <param name="StoppedReason">Why it stopped, when it did.</param>
internal sealed record EcsTaskStatus(string TaskArn, string? LastStatus, string? HealthStatus, string? StoppedReason);

/// <summary>One entry of <c>failures</c> in an ECS DescribeTasks answer (reason <c>MISSING</c>: the task is unknown to ECS).</summary>
internal sealed record EcsTaskFailure(string? Arn, string? Reason, string? Detail);

/// <summary>An ECS DescribeTasks answer.</summary>
internal sealed record EcsDescribeTasksResult(IReadOnlyList<EcsTaskStatus> Tasks, IReadOnlyList<EcsTaskFailure> Failures);

/// <summary>One instance in an EC2 DescribeInstances answer: its state and every address it holds (private, public, IPv6, all interfaces).</summary>
internal sealed record Ec2InstanceStatus(string InstanceId, string? State, IReadOnlyList<IPAddress> Addresses);

/// <summary>
/// The two platform reads crash cleanup needs, through the Cloud Map client's signing, retries and telemetry. Each call
/// is one API call (its own span, count and retries); failures throw <see cref="CloudMapException"/>.
/// </summary>
internal interface IPlatformClient
{
    /// <summary>ECS DescribeTasks of up to <see cref="AwsPlatformClient.MaxTasksPerCall"/> tasks of one cluster.</summary>
    Task<EcsDescribeTasksResult> DescribeTasksAsync(Uri? serviceUrl, string region, string cluster, IReadOnlyList<string> tasks, CancellationToken cancellationToken);

    /// <summary>EC2 DescribeInstances filtered by up to <see cref="AwsPlatformClient.MaxInstancesPerCall"/> instance ids (every page).</summary>
    Task<IReadOnlyList<Ec2InstanceStatus>> DescribeInstancesAsync(Uri? serviceUrl, string region, IReadOnlyList<string> instanceIds, CancellationToken cancellationToken);
}
