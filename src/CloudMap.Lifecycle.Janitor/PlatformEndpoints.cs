// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Platform;

namespace CloudMap.Lifecycle.Janitor;

/// <summary>
/// The library's platform client with the endpoints of <c>--endpoint-url</c>, <c>--ecs-endpoint-url</c> and
/// <c>--ec2-endpoint-url</c> given per call (the library's evidence judge asks with none, which makes the client read
/// <c>AWS_ENDPOINT_URL_ECS</c>/<c>_EC2</c>, then <c>AWS_ENDPOINT_URL</c>).
/// </summary>
internal sealed class PlatformEndpoints(IPlatformClient inner, Uri? ecs, Uri? ec2) : IPlatformClient
{
    /// <inheritdoc />
    public Task<EcsDescribeTasksResult> DescribeTasksAsync(Uri? serviceUrl, string region, string cluster, IReadOnlyList<string> tasks, CancellationToken cancellationToken) =>
        inner.DescribeTasksAsync(serviceUrl ?? ecs, region, cluster, tasks, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Ec2InstanceStatus>> DescribeInstancesAsync(Uri? serviceUrl, string region, IReadOnlyList<string> instanceIds, CancellationToken cancellationToken) =>
        inner.DescribeInstancesAsync(serviceUrl ?? ec2, region, instanceIds, cancellationToken);
}
