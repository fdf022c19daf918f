// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace CloudMap.Lifecycle.ServiceDiscovery.Internal;

/// <summary>A Cloud Map service as DiscoverInstances names it: the namespace's HttpName and the service name.</summary>
internal sealed record CloudMapServiceKey(string NamespaceName, string ServiceName)
{
    /// <summary>
    /// Maps a service discovery host (<c>orders.shop.local</c>, <c>orders</c>) to a Cloud Map service: the first label is
    /// the service, the rest the namespace, which must be the default namespace or one of the listed ones. A single label
    /// is in the default namespace. IP addresses, <c>localhost</c> and hosts in other domains are not Cloud Map names.
    /// </summary>
    public static bool TryParse(string host, string? defaultNamespace, IEnumerable<string> namespaces, [NotNullWhen(true)] out CloudMapServiceKey? key)
    {
        key = null;
        host = host.TrimEnd('.');
        if (host.Length == 0 || IPAddress.TryParse(host, out _) || string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var dot = host.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            if (string.IsNullOrEmpty(defaultNamespace))
            {
                return false;
            }

            key = new CloudMapServiceKey(defaultNamespace, host);
            return true;
        }

        if (dot == 0)
        {
            return false;
        }

        var rest = host[(dot + 1)..];

        // The configured spelling is sent: a URI host is lower-cased, a namespace's HttpName need not be.
        var match = (defaultNamespace is { Length: > 0 } ? namespaces.Prepend(defaultNamespace) : namespaces)
            .FirstOrDefault(n => string.Equals(n.TrimEnd('.'), rest, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            return false;
        }

        key = new CloudMapServiceKey(match.TrimEnd('.'), host[..dot]);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => ServiceName + "." + NamespaceName;
}
