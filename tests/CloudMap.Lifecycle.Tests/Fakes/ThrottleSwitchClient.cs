// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Tests.Fakes;

/// <summary>The real client, saying what the test says about recent throttling (the window logic has its own tests).</summary>
internal sealed class ThrottleSwitchClient(ICloudMapClient inner) : ICloudMapClient
{
    public bool ThrottledRecently { get; set; }

    public TimeSpan? AskedWindow { get; private set; }

    public bool HasBeenThrottled => inner.HasBeenThrottled;

    public bool ThrottledWithin(TimeSpan window)
    {
        AskedWindow = window;
        return ThrottledRecently;
    }

    public Task<string> RegisterInstanceAsync(CloudMapInstanceRegistration request, CancellationToken cancellationToken) => inner.RegisterInstanceAsync(request, cancellationToken);

    public Task<string> DeregisterInstanceAsync(string serviceId, string instanceId, CancellationToken cancellationToken) => inner.DeregisterInstanceAsync(serviceId, instanceId, cancellationToken);

    public Task UpdateInstanceCustomHealthStatusAsync(string serviceId, string instanceId, CloudMapHealthStatus status, CancellationToken cancellationToken) =>
        inner.UpdateInstanceCustomHealthStatusAsync(serviceId, instanceId, status, cancellationToken);

    public Task<CloudMapOperation> GetOperationAsync(string operationId, CancellationToken cancellationToken) => inner.GetOperationAsync(operationId, cancellationToken);

    public Task<CloudMapService> GetServiceAsync(string serviceIdOrArn, CancellationToken cancellationToken) => inner.GetServiceAsync(serviceIdOrArn, cancellationToken);

    public Task<CloudMapInstance> GetInstanceAsync(string serviceId, string instanceId, CancellationToken cancellationToken) => inner.GetInstanceAsync(serviceId, instanceId, cancellationToken);

    public Task<IReadOnlyList<CloudMapNamespaceSummary>> ListNamespacesAsync(CancellationToken cancellationToken) => inner.ListNamespacesAsync(cancellationToken);

    public Task<IReadOnlyList<CloudMapServiceSummary>> ListServicesAsync(string? namespaceId, CancellationToken cancellationToken) => inner.ListServicesAsync(namespaceId, cancellationToken);
}
