// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Testing;

/// <summary>A snapshot of one ECS task the emulator plays, as <c>DescribeTasks</c> reports it at the time it was taken.</summary>
public sealed class EmulatedTask
{
    internal EmulatedTask(
        string taskArn,
        string taskId,
        string cluster,
        string? serviceName,
        string lastStatus,
        string desiredStatus,
        string healthStatus,
        string privateIPv4Address,
        string availabilityZone,
        DateTimeOffset startedAt,
        DateTimeOffset? stoppingAt,
        DateTimeOffset? stoppedAt,
        string? stopCode,
        string? stoppedReason)
    {
        TaskArn = taskArn;
        TaskId = taskId;
        Cluster = cluster;
        ServiceName = serviceName;
        LastStatus = lastStatus;
        DesiredStatus = desiredStatus;
        HealthStatus = healthStatus;
        PrivateIPv4Address = privateIPv4Address;
        AvailabilityZone = availabilityZone;
        StartedAt = startedAt;
        StoppingAt = stoppingAt;
        StoppedAt = stoppedAt;
        StopCode = stopCode;
        StoppedReason = stoppedReason;
    }

    /// <summary>Gets the task ARN, <c>arn:aws:ecs:&lt;region&gt;:123456789012:task/&lt;cluster&gt;/&lt;id&gt;</c>.</summary>
    public string TaskArn { get; }

    /// <summary>Gets the task id (32 hexadecimal digits), the instance id ECS service discovery registers.</summary>
    public string TaskId { get; }

    /// <summary>Gets the cluster name.</summary>
    public string Cluster { get; }

    /// <summary>Gets the ECS service that started the task (its <c>group</c> is <c>service:&lt;name&gt;</c>), or <see langword="null"/>.</summary>
    public string? ServiceName { get; }

    /// <summary>Gets <c>lastStatus</c>: <c>RUNNING</c>, then <c>DEACTIVATING</c>, <c>STOPPING</c>, <c>DEPROVISIONING</c>, <c>STOPPED</c> once stopped.</summary>
    public string LastStatus { get; }

    /// <summary>Gets <c>desiredStatus</c>: <c>RUNNING</c>, or <c>STOPPED</c> from the moment a stop is asked for.</summary>
    public string DesiredStatus { get; }

    /// <summary>Gets <c>healthStatus</c> (task and container): <c>HEALTHY</c>, <c>UNHEALTHY</c> or <c>UNKNOWN</c>.</summary>
    public string HealthStatus { get; }

    /// <summary>Gets the private IPv4 address of the task's ENI (released for reuse once the task is <c>STOPPED</c>).</summary>
    public string PrivateIPv4Address { get; }

    /// <summary>Gets the availability zone.</summary>
    public string AvailabilityZone { get; }

    /// <summary>Gets when the task started (emulator clock).</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Gets when the stop was asked for, or <see langword="null"/>.</summary>
    public DateTimeOffset? StoppingAt { get; }

    /// <summary>Gets when the task reached <c>STOPPED</c>, or <see langword="null"/> while it has not.</summary>
    public DateTimeOffset? StoppedAt { get; }

    /// <summary>Gets the stop code (<c>UserInitiated</c>, <c>ServiceSchedulerInitiated</c>, <c>EssentialContainerExited</c>, …), or <see langword="null"/>.</summary>
    public string? StopCode { get; }

    /// <summary>Gets the stopped reason, or <see langword="null"/>.</summary>
    public string? StoppedReason { get; }
}
