// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Platform;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// The transport is also the platform client of crash cleanup (ECS DescribeTasks, EC2 DescribeInstances): the same
/// credentials, signer, HttpClient and call pipeline, so nothing else needs registering and a test fake of
/// <see cref="ICloudMapClient"/> simply has no platform evidence.
/// </summary>
internal sealed partial class HttpCloudMapClient : IPlatformClient
{
    private AwsPlatformClient? _platform;

    /// <inheritdoc />
    public Task<EcsDescribeTasksResult> DescribeTasksAsync(Uri? serviceUrl, string region, string cluster, IReadOnlyList<string> tasks, CancellationToken cancellationToken)
        => Platform.DescribeTasksAsync(serviceUrl, region, cluster, tasks, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Ec2InstanceStatus>> DescribeInstancesAsync(Uri? serviceUrl, string region, IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
        => Platform.DescribeInstancesAsync(serviceUrl, region, instanceIds, cancellationToken);

    private AwsPlatformClient Platform => LazyInitializer.EnsureInitialized(
        ref _platform,
        () => new AwsPlatformClient(_httpClientFactory, _options, _timeProvider, _pipeline, _environment, _logger));
}
