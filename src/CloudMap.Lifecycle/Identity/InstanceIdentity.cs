// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;

namespace CloudMap.Lifecycle.Identity;

/// <summary>What the platform (ECS task metadata, EC2 instance metadata) says about this instance; every part is optional.</summary>
/// <param name="InstanceId">The platform's id for this instance (ECS task id, EC2 instance id), or <see langword="null"/>.</param>
/// <param name="Address">An address other hosts can reach, or <see langword="null"/> (off AWS, or ECS bridge mode without IMDS).</param>
/// <param name="Source">Where the identity came from, for logs: <c>ecs</c>, <c>ec2</c>, <c>ecs+ec2</c> or <c>none</c>.</param>
internal sealed record InstanceIdentity(string? InstanceId, IPAddress? Address, string Source)
{
    /// <summary>Gets nothing known.</summary>
    public static InstanceIdentity None { get; } = new(null, null, "none");

    /// <summary>Gets the ECS bridge-mode port mappings, container port → host port (empty otherwise).</summary>
    public IReadOnlyDictionary<int, int> HostPorts { get; init; } = new Dictionary<int, int>();

    /// <summary>Gets who this instance is to its platform (task ARN, cluster, EC2 instance id, zone, region), for the registration's attributes.</summary>
    public CloudMap.Lifecycle.Platform.PlatformIdentity Platform { get; init; } = CloudMap.Lifecycle.Platform.PlatformIdentity.None;

    /// <summary>Gets the ECS task's launch type (<c>EC2</c>, <c>FARGATE</c>, <c>EXTERNAL</c>), or <see langword="null"/> off ECS.</summary>
    public string? LaunchType { get; init; }
}
