// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// The Cloud Map calls the registration lifecycle does not make: the data plane (DiscoverInstances,
/// DiscoverInstancesRevision) and the instance listings (ListInstances, GetInstancesHealthStatus). Used by tests and
/// scenarios today, and by the discovery provider and crash cleanup to come. Served by the same transport and
/// <see cref="CloudMapCallPipeline"/> as <see cref="ICloudMapClient"/> (<see cref="HttpCloudMapClient"/> implements
/// both); registered only by <c>TryAddCloudMapDiscoveryClient</c>, never by the lifecycle.
/// </summary>
/// <remarks>Errors are reported as on <see cref="ICloudMapClient"/>.</remarks>
internal interface ICloudMapDiscoveryClient
{
    /// <summary>ListInstances, all pages.</summary>
    Task<IReadOnlyList<CloudMapInstance>> ListInstancesAsync(string serviceId, CancellationToken cancellationToken);

    /// <summary>GetInstancesHealthStatus, all pages; <paramref name="instanceIds"/> null means every instance.</summary>
    Task<IReadOnlyDictionary<string, string>> GetInstancesHealthStatusAsync(string serviceId, IReadOnlyList<string>? instanceIds, CancellationToken cancellationToken);

    /// <summary>DiscoverInstances (data plane, host prefix <c>data-</c> unless disabled).</summary>
    Task<CloudMapDiscoveryResult> DiscoverInstancesAsync(CloudMapDiscoveryQuery request, CancellationToken cancellationToken);

    /// <summary>DiscoverInstancesRevision (data plane, host prefix <c>data-</c> unless disabled).</summary>
    Task<long> DiscoverInstancesRevisionAsync(string namespaceName, string serviceName, CancellationToken cancellationToken);
}

/// <summary>DiscoverInstances parameters.</summary>
internal sealed record CloudMapDiscoveryQuery(
    string NamespaceName,
    string ServiceName,
    string? HealthStatus = null,
    int? MaxResults = null,
    IReadOnlyDictionary<string, string>? QueryParameters = null,
    IReadOnlyDictionary<string, string>? OptionalParameters = null);

/// <summary>One discovered instance.</summary>
internal sealed record CloudMapDiscoveredInstance(
    string InstanceId,
    string? NamespaceName,
    string? ServiceName,
    string? HealthStatus,
    IReadOnlyDictionary<string, string> Attributes);

/// <summary>DiscoverInstances result.</summary>
internal sealed record CloudMapDiscoveryResult(IReadOnlyList<CloudMapDiscoveredInstance> Instances, long? InstancesRevision);
