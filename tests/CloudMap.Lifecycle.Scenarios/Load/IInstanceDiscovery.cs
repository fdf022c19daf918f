// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Load;

/// <summary>
/// The scenarios' probe of what is discoverable right now (the lanes' <c>DiscoverIdsAsync</c>): the two data-plane calls,
/// made directly. Not a client of the service: the load's client is <see cref="LoadGenerator"/>, through the real provider.
/// </summary>
internal interface IInstanceDiscovery
{
    /// <summary>DiscoverInstances (HEALTHY only).</summary>
    Task<(IReadOnlyList<DiscoveredEndpoint> Endpoints, long? Revision)> DiscoverAsync(CancellationToken cancellationToken);

    /// <summary>DiscoverInstancesRevision.</summary>
    Task<long> RevisionAsync(CancellationToken cancellationToken);
}
