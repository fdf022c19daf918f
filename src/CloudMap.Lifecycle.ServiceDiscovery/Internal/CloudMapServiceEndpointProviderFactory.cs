// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace CloudMap.Lifecycle.ServiceDiscovery.Internal;

/// <summary>Claims the names of the configured namespaces (see <see cref="CloudMapServiceKey.TryParse"/>); leaves every other name alone.</summary>
internal sealed class CloudMapServiceEndpointProviderFactory : IServiceEndpointProviderFactory
{
    private readonly IOptions<CloudMapServiceEndpointProviderOptions> _options;
    private readonly IOptions<ServiceDiscoveryOptions> _discoveryOptions;
    private readonly CloudMapServiceWatchRegistry _registry;

    public CloudMapServiceEndpointProviderFactory(
        IOptions<CloudMapServiceEndpointProviderOptions> options,
        IOptions<ServiceDiscoveryOptions> discoveryOptions,
        CloudMapServiceWatchRegistry registry)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _discoveryOptions = discoveryOptions ?? throw new ArgumentNullException(nameof(discoveryOptions));
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
    }

    /// <inheritdoc />
    public bool TryCreateProvider(ServiceEndpointQuery query, [NotNullWhen(true)] out IServiceEndpointProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(query);
        var options = _options.Value;
        if (!CloudMapServiceKey.TryParse(query.ServiceName, options.DefaultNamespace, options.Namespaces, out var key))
        {
            provider = null;
            return false;
        }

        var schemes = _discoveryOptions.Value.ApplyAllowedSchemes(query.IncludedSchemes);
        provider = new CloudMapServiceEndpointProvider(key, query.EndpointName, schemes, _registry);
        return true;
    }
}
