// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Identity;

namespace CloudMap.Lifecycle.Platform;

/// <summary>
/// Who this instance is to its platform (ECS task, EC2 instance), as registration attributes: what a registration carries
/// so that peers (and the janitor) can ask the platform's control plane whether it is still alive. Every part is optional.
/// </summary>
/// <remarks>
/// The attribute names are the ones ECS service discovery itself writes (<c>ECS_CLUSTER_NAME</c>, <c>EC2_INSTANCE_ID</c>,
/// <c>AVAILABILITY_ZONE</c>, <c>REGION</c>), so registrations made by ECS and by this library read the same; ECS has no
/// attribute for the task (its instance id is the task id), so the task ARN is <c>ECS_TASK_ARN</c>. None starts with
/// <c>AWS_</c>: Cloud Map reserves that prefix (and <c>AWS_EC2_INSTANCE_ID</c> forbids every other attribute).
/// On ECS with the EC2 launch type, <c>EC2_INSTANCE_ID</c> is the container instance (the host), as ECS writes it.
/// </remarks>
/// <param name="EcsTaskArn">The ECS task ARN, or <see langword="null"/>.</param>
/// <param name="EcsClusterName">The ECS cluster name, or <see langword="null"/>.</param>
/// <param name="Ec2InstanceId">The EC2 instance id (on ECS: the container instance's), or <see langword="null"/>.</param>
/// <param name="AvailabilityZone">The availability zone, or <see langword="null"/>.</param>
/// <param name="Region">The region, or <see langword="null"/>.</param>
internal sealed record PlatformIdentity(string? EcsTaskArn, string? EcsClusterName, string? Ec2InstanceId, string? AvailabilityZone, string? Region)
{
    /// <summary>The attribute of the ECS task ARN (ours: ECS has none).</summary>
    public const string EcsTaskArnKey = "ECS_TASK_ARN";

    /// <summary>The attribute of the ECS cluster name (ECS's own).</summary>
    public const string EcsClusterNameKey = "ECS_CLUSTER_NAME";

    /// <summary>The attribute of the EC2 instance id (ECS's own; not <c>AWS_EC2_INSTANCE_ID</c>).</summary>
    public const string Ec2InstanceIdKey = "EC2_INSTANCE_ID";

    /// <summary>The attribute of the availability zone (ECS's own).</summary>
    public const string AvailabilityZoneKey = "AVAILABILITY_ZONE";

    /// <summary>The attribute of the region (ECS's own).</summary>
    public const string RegionKey = "REGION";

    private static readonly System.Buffers.SearchValues<char> LowerHexDigits = System.Buffers.SearchValues.Create("0123456789abcdef");

    // The longest value kept: an ECS task ARN is at most ~380 characters (a 255-character cluster name); anything longer
    // is not a platform id and is dropped rather than registered.
    private const int MaxValueLength = 512;

    /// <summary>Gets nothing known.</summary>
    public static PlatformIdentity None { get; } = new(null, null, null, null, null);

    /// <summary>Every attribute key, in the order they are written.</summary>
    public static IReadOnlyList<string> Keys { get; } = [EcsTaskArnKey, EcsClusterNameKey, Ec2InstanceIdKey, AvailabilityZoneKey, RegionKey];

    /// <summary>Gets a value indicating whether nothing is known.</summary>
    public bool IsEmpty => EcsTaskArn is null && EcsClusterName is null && Ec2InstanceId is null && AvailabilityZone is null && Region is null;

    /// <summary>Gets the ECS task id (the last part of <see cref="EcsTaskArn"/>), or <see langword="null"/>.</summary>
    public string? EcsTaskId => EcsTaskArn is { } arn && EcsArn.TryParseTask(arn, out _, out _, out var id) ? id : null;

    /// <summary>
    /// Gets the cluster to ask ECS about the task: <see cref="EcsClusterName"/>, else the cluster in a new-format task ARN,
    /// else <see langword="null"/> (DescribeTasks would look in the default cluster and wrongly answer MISSING).
    /// </summary>
    public string? EcsCluster => EcsClusterName ?? (EcsTaskArn is { } arn && EcsArn.TryParseTask(arn, out _, out var cluster, out _) ? cluster : null);

    /// <summary>Gets the region of the task (from its ARN) or <see cref="Region"/>.</summary>
    public string? EffectiveRegion => (EcsTaskArn is { } arn && EcsArn.TryParseTask(arn, out var region, out _, out _) ? region : null) ?? Region;

    /// <summary>Reads the platform identity a registration carries (any registration: this library's, ECS's, a script's).</summary>
    public static PlatformIdentity FromAttributes(IReadOnlyDictionary<string, string> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        return new PlatformIdentity(Get(EcsTaskArnKey), Get(EcsClusterNameKey), Get(Ec2InstanceIdKey), Get(AvailabilityZoneKey), Get(RegionKey));

        string? Get(string key) => attributes.TryGetValue(key, out var value) ? Clean(value) : null;
    }

    /// <summary>The attributes to register, in <see cref="Keys"/> order, only those known.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToAttributes()
    {
        var attributes = new List<KeyValuePair<string, string>>(5);
        Add(EcsTaskArnKey, EcsTaskArn);
        Add(EcsClusterNameKey, EcsClusterName);
        Add(Ec2InstanceIdKey, Ec2InstanceId);
        Add(AvailabilityZoneKey, AvailabilityZone);
        Add(RegionKey, Region);
        return attributes;

        void Add(string key, string? value)
        {
            if (Clean(value) is { } clean)
            {
                attributes.Add(new(key, clean));
            }
        }
    }

    /// <summary>Merges what two sources know, <paramref name="other"/> filling the gaps of this one.</summary>
    public PlatformIdentity Or(PlatformIdentity? other) => other is null ? this : new(
        EcsTaskArn ?? other.EcsTaskArn,
        EcsClusterName ?? other.EcsClusterName,
        Ec2InstanceId ?? other.Ec2InstanceId,
        AvailabilityZone ?? other.AvailabilityZone,
        Region ?? other.Region);

    /// <summary>A value fit for an attribute (trimmed, printable ASCII, not too long), or <see langword="null"/>.</summary>
    internal static string? Clean(string? value)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxValueLength)
        {
            return null;
        }

        foreach (var c in trimmed)
        {
            if (c is < '!' or > '~')
            {
                return null;
            }
        }

        return trimmed;
    }

    /// <summary>Whether <paramref name="value"/> looks like an EC2 instance id (<c>i-</c> and 8 or 17 hex digits).</summary>
    internal static bool IsEc2InstanceId(string? value) =>
        value is { Length: 10 or 19 } && value.StartsWith("i-", StringComparison.Ordinal) && !value.AsSpan(2).ContainsAnyExcept(LowerHexDigits)
        && InstanceIdRule.IsValid(value);
}
