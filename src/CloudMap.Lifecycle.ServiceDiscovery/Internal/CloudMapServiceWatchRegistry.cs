// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.ServiceDiscovery.Internal;

/// <summary>
/// The watches of the container, one per Cloud Map service, shared by every provider resolving that service (any name,
/// endpoint or scheme): a watch starts with its first provider's first resolution and stops with its last provider's
/// disposal, which the service discovery resolvers do for watchers left unused. Providers therefore cost nothing.
/// </summary>
internal sealed class CloudMapServiceWatchRegistry : IAsyncDisposable, IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<CloudMapServiceKey, CloudMapServiceWatch> _watches = [];
    private readonly ICloudMapDiscoveryClient _client;
    private readonly IOptions<CloudMapServiceEndpointProviderOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private bool _disposed;

    public CloudMapServiceWatchRegistry(ICloudMapDiscoveryClient client, IOptions<CloudMapServiceEndpointProviderOptions> options, TimeProvider time, ILogger<CloudMapServiceWatch> logger)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Gets the watches running now.</summary>
    public IReadOnlyList<CloudMapServiceWatch> Watches
    {
        get
        {
            lock (_lock)
            {
                return [.. _watches.Values];
            }
        }
    }

    /// <summary>Takes a lease on the watch of <paramref name="key"/>, starting it if none runs.</summary>
    public CloudMapServiceWatch Acquire(CloudMapServiceKey key)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_watches.TryGetValue(key, out var watch))
            {
                watch = new CloudMapServiceWatch(key, _client, _options.Value, _time, _logger);
                _watches.Add(key, watch);
                watch.Start();
            }

            watch.Leases++;
            return watch;
        }
    }

    /// <summary>Returns a lease; the last one stops the watch.</summary>
    public ValueTask ReleaseAsync(CloudMapServiceWatch watch)
    {
        ArgumentNullException.ThrowIfNull(watch);
        lock (_lock)
        {
            if (--watch.Leases > 0 || !_watches.Remove(watch.Key))
            {
                return ValueTask.CompletedTask;
            }
        }

        return watch.DisposeAsync();
    }

    /// <summary>A synchronous disposal of the container: stops every watch's polling without waiting for a call in flight to end.</summary>
    public void Dispose()
    {
        CloudMapServiceWatch[] watches;
        lock (_lock)
        {
            _disposed = true;
            watches = [.. _watches.Values];
            _watches.Clear();
        }

        foreach (var watch in watches)
        {
            watch.Cancel();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        CloudMapServiceWatch[] watches;
        lock (_lock)
        {
            _disposed = true;
            watches = [.. _watches.Values];
            _watches.Clear();
        }

        foreach (var watch in watches)
        {
            await watch.DisposeAsync().ConfigureAwait(false);
        }
    }
}
