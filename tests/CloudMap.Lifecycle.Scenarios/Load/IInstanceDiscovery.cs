// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Load;

/// <summary>How the load generator finds instances: the two data-plane calls a Cloud Map client makes.</summary>
internal interface IInstanceDiscovery
{
    /// <summary>DiscoverInstances (HEALTHY only).</summary>
    Task<(IReadOnlyList<DiscoveredEndpoint> Endpoints, long? Revision)> DiscoverAsync(CancellationToken cancellationToken);

    /// <summary>DiscoverInstancesRevision.</summary>
    Task<long> RevisionAsync(CancellationToken cancellationToken);
}
