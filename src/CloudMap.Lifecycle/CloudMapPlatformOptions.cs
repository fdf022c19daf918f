// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle;

/// <summary>
/// Platform identity and evidence (configuration section <c>CloudMap:Platform</c>): on ECS and EC2 the registration
/// says which task or instance it is, and crash cleanup asks ECS or EC2 whether a peer is still alive.
/// </summary>
/// <remarks>
/// <para>
/// The identity comes from ECS task metadata v4 (<c>ECS_CONTAINER_METADATA_URI_V4</c>) and EC2 instance metadata
/// (IMDSv2 only; asked only where the host shows a sign of EC2, where ECS says the task runs on an EC2 container
/// instance, or where <c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c> is set; never when <c>AWS_EC2_METADATA_DISABLED</c> is
/// <c>true</c>). It is registered as the attributes ECS itself uses: <c>ECS_TASK_ARN</c>, <c>ECS_CLUSTER_NAME</c>,
/// <c>EC2_INSTANCE_ID</c>, <c>AVAILABILITY_ZONE</c>, <c>REGION</c>.
/// </para>
/// <para>
/// Platform evidence outranks the probes: a task ECS reports RUNNING, or an instance EC2 reports running with the
/// registered address, is never removed; a task STOPPED, DEPROVISIONING or unknown to ECS, or an instance
/// shutting-down, terminated or no longer holding the registered address, is removed after two such answers in a row,
/// past the startup grace, within every safety rule of crash cleanup. A failed platform call tells nothing (the probes
/// decide). Needs <c>ecs:DescribeTasks</c> and <c>ec2:DescribeInstances</c>; endpoints as the AWS SDKs read them
/// (<c>AWS_ENDPOINT_URL_ECS</c>, <c>AWS_ENDPOINT_URL_EC2</c>, <c>AWS_ENDPOINT_URL</c>).
/// </para>
/// </remarks>
public sealed class CloudMapPlatformOptions
{
    /// <summary>The default value of <see cref="Attributes"/>: <see langword="true"/>.</summary>
    public const bool DefaultAttributes = true;

    /// <summary>The default value of <see cref="Evidence"/>: <see langword="true"/>.</summary>
    public const bool DefaultEvidence = true;

    /// <summary>
    /// Gets or sets a value indicating whether the registration carries the platform identity attributes (they replace
    /// custom <c>Attributes</c> of the same names). The identity is read when the platform is asked anyway, that is when
    /// one of <c>InstanceId</c>, <c>Address</c> and <c>Port</c> is not set: a registration whose every part is set
    /// explicitly does not ask the platform and carries no platform attributes (peers then judge it by probes only).
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Attributes { get; set; } = DefaultAttributes;

    /// <summary>
    /// Gets or sets a value indicating whether crash cleanup asks ECS or EC2 about the watched peers whose registration
    /// names a task or an instance (only when their probe did not prove life: a healthy fleet makes no platform call).
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Evidence { get; set; } = DefaultEvidence;
}
