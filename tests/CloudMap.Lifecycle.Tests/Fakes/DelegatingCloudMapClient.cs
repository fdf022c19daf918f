// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Tests.Fakes;

/// <summary>An <see cref="ICloudMapClient"/> that passes every call to <paramref name="inner"/>; a test overrides what it changes.</summary>
internal abstract class DelegatingCloudMapClient(ICloudMapClient inner) : ICloudMapClient
{
    public virtual bool HasBeenThrottled => inner.HasBeenThrottled;

    public virtual bool ThrottledWithin(TimeSpan window) => inner.ThrottledWithin(window);

    public virtual Task<string> RegisterInstanceAsync(CloudMapInstanceRegistration request, CancellationToken cancellationToken) => inner.RegisterInstanceAsync(request, cancellationToken);

    public virtual Task<string> DeregisterInstanceAsync(string serviceId, string instanceId, CancellationToken cancellationToken) => inner.DeregisterInstanceAsync(serviceId, instanceId, cancellationToken);

    public virtual Task UpdateInstanceCustomHealthStatusAsync(string serviceId, string instanceId, CloudMapHealthStatus status, CancellationToken cancellationToken) =>
        inner.UpdateInstanceCustomHealthStatusAsync(serviceId, instanceId, status, cancellationToken);

    public virtual Task<CloudMapOperation> GetOperationAsync(string operationId, CancellationToken cancellationToken) => inner.GetOperationAsync(operationId, cancellationToken);

    public virtual Task<CloudMapService> GetServiceAsync(string serviceIdOrArn, CancellationToken cancellationToken) => inner.GetServiceAsync(serviceIdOrArn, cancellationToken);

    public virtual Task<CloudMapInstance> GetInstanceAsync(string serviceId, string instanceId, CancellationToken cancellationToken) => inner.GetInstanceAsync(serviceId, instanceId, cancellationToken);

    public virtual Task<IReadOnlyList<CloudMapNamespaceSummary>> ListNamespacesAsync(CancellationToken cancellationToken) => inner.ListNamespacesAsync(cancellationToken);

    public virtual Task<IReadOnlyList<CloudMapServiceSummary>> ListServicesAsync(string? namespaceId, CancellationToken cancellationToken) => inner.ListServicesAsync(namespaceId, cancellationToken);
}
