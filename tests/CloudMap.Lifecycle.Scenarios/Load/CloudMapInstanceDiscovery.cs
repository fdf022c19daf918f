// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Scenarios.Load;

/// <summary>The scenarios' probe through the library's own Cloud Map client (see <see cref="IInstanceDiscovery"/>).</summary>
internal sealed class CloudMapInstanceDiscovery(ICloudMapDiscoveryClient client, string namespaceName, string serviceName) : IInstanceDiscovery
{
    public async Task<(IReadOnlyList<DiscoveredEndpoint> Endpoints, long? Revision)> DiscoverAsync(CancellationToken cancellationToken)
    {
        var result = await client.DiscoverInstancesAsync(new CloudMapDiscoveryQuery(namespaceName, serviceName, HealthStatus: "HEALTHY", MaxResults: 1000), cancellationToken).ConfigureAwait(false);
        var endpoints = new List<DiscoveredEndpoint>(result.Instances.Count);
        foreach (var instance in result.Instances)
        {
            if (instance.Attributes.TryGetValue("AWS_INSTANCE_PORT", out var portText)
                && int.TryParse(portText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var port))
            {
                var host = instance.Attributes.TryGetValue("AWS_INSTANCE_IPV4", out var ip) && !string.IsNullOrEmpty(ip) ? ip : "127.0.0.1";
                endpoints.Add(new DiscoveredEndpoint(instance.InstanceId, host, port));
            }
        }

        return (endpoints, result.InstancesRevision);
    }

    public Task<long> RevisionAsync(CancellationToken cancellationToken) =>
        client.DiscoverInstancesRevisionAsync(namespaceName, serviceName, cancellationToken);
}
