// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing.Internal;

namespace CloudMap.Lifecycle.Testing;

/// <summary>
/// The metadata endpoints that let an app under test be one of the emulated ECS tasks or EC2 instances: point
/// <c>ECS_CONTAINER_METADATA_URI_V4</c> at <see cref="GetEcsMetadataUri"/>, or <c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c>
/// at <see cref="GetEc2MetadataEndpoint"/>, and the app learns its task ARN, cluster, address and zone (ECS task metadata
/// v4), or its instance id, address, zone and region (EC2 IMDSv2 only) from the emulator, on its own port.
/// </summary>
public sealed partial class CloudMapEmulator
{
    /// <summary>
    /// Gets the task's ECS task metadata v4 URI, the value of <c>ECS_CONTAINER_METADATA_URI_V4</c> for a process that
    /// runs as this task: GET it for the container, GET <c>/task</c> for the task (cluster, ARN, zone, its address in
    /// <c>awsvpc</c> mode, <c>KnownStatus</c> following the task's status).
    /// </summary>
    /// <param name="task">The task ARN or id.</param>
    /// <returns>The URI (answers 404 once ECS no longer describes the task).</returns>
    /// <exception cref="ArgumentException">The task does not exist.</exception>
    public Uri GetEcsMetadataUri(string task)
    {
        ArgumentException.ThrowIfNullOrEmpty(task);
        var found = _platform.FindTask(task) ?? throw new ArgumentException($"No task '{task}' in the emulator.", nameof(task));
        return new Uri(Endpoint, EmulatorServer.MetadataPrefix + "ecs/" + found.TaskId);
    }

    /// <summary>
    /// Gets the instance's EC2 instance metadata endpoint, the value of <c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c> for a
    /// process that runs as this instance. IMDSv2 only: <c>PUT latest/api/token</c> (TTL 1 to 21600 s, on the emulator's
    /// clock), then GET <c>latest/meta-data/instance-id</c>, <c>local-ipv4</c>, <c>placement/availability-zone</c>,
    /// <c>placement/region</c> with the token; without one the answer is 401.
    /// </summary>
    /// <param name="instanceId">The instance id.</param>
    /// <returns>The endpoint, ending with <c>/</c> (answers 404 once the instance is terminated).</returns>
    /// <exception cref="ArgumentException">The instance does not exist.</exception>
    public Uri GetEc2MetadataEndpoint(string instanceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var found = _platform.FindInstance(instanceId) ?? throw new ArgumentException($"No instance '{instanceId}' in the emulator.", nameof(instanceId));
        return new Uri(Endpoint, EmulatorServer.MetadataPrefix + "ec2/" + found.InstanceId + "/");
    }
}
