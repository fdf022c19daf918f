// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.ServiceDiscovery;

namespace CloudMap.Lifecycle.ServiceDiscovery.Internal;

/// <summary>
/// Resolves one query (a service, an optional endpoint name, schemes) from the shared watch of its Cloud Map service.
/// Cheap: nothing happens until the first resolution, which takes a lease on the watch; disposal returns it.
/// </summary>
internal sealed class CloudMapServiceEndpointProvider : IServiceEndpointProvider
{
    private readonly CloudMapServiceKey _key;
    private readonly string? _endpointName;
    private readonly IReadOnlyList<string> _schemes;
    private readonly CloudMapServiceWatchRegistry _registry;
    private readonly Lock _lock = new();
    private CloudMapServiceWatch? _watch;
    private bool _disposed;

    public CloudMapServiceEndpointProvider(CloudMapServiceKey key, string? endpointName, IReadOnlyList<string> schemes, CloudMapServiceWatchRegistry registry)
    {
        _key = key;
        _endpointName = endpointName;
        _schemes = schemes;
        _registry = registry;
    }

    /// <inheritdoc />
    public async ValueTask PopulateAsync(IServiceEndpointBuilder endpoints, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        // A provider before this one (configuration, an override) already resolved the name.
        if (endpoints.Endpoints.Count != 0)
        {
            return;
        }

        CloudMapServiceWatch watch;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            watch = _watch ??= _registry.Acquire(_key);
        }

        var (snapshot, changeToken) = await watch.GetAsync(cancellationToken).ConfigureAwait(false);
        endpoints.AddChangeToken(changeToken);
        foreach (var endpoint in CloudMapEndpointMapper.Map(snapshot.Instances, _endpointName, _schemes, out _))
        {
            endpoint.Features.Set<IServiceEndpointProvider>(this);
            endpoints.Endpoints.Add(endpoint);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        CloudMapServiceWatch? watch;
        lock (_lock)
        {
            if (_disposed)
            {
                return ValueTask.CompletedTask;
            }

            _disposed = true;
            watch = _watch;
            _watch = null;
        }

        return watch is null ? ValueTask.CompletedTask : _registry.ReleaseAsync(watch);
    }

    /// <inheritdoc />
    public override string ToString() => "Cloud Map";
}
