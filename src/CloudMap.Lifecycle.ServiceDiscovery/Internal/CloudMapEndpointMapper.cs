// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CloudMap.Lifecycle.Client;
using Microsoft.Extensions.ServiceDiscovery;

namespace CloudMap.Lifecycle.ServiceDiscovery.Internal;

/// <summary>
/// Turns discovered instances into service endpoints for one query: its endpoint name (<c>_grpc.orders</c>) and its
/// schemes (<c>https+http://orders</c>). The convention, symmetric with registration's custom attributes:
/// <list type="bullet">
/// <item>The address is <c>AWS_INSTANCE_IPV4</c>, else <c>AWS_INSTANCE_IPV6</c>, else <c>AWS_INSTANCE_CNAME</c>; an instance
/// with none is skipped.</item>
/// <item>The default endpoint is <c>AWS_INSTANCE_PORT</c> without a scheme (the request's scheme applies).</item>
/// <item><c>CLOUDMAP_ENDPOINT_&lt;name&gt;</c> = <c>&lt;port&gt;</c> or <c>&lt;scheme&gt;:&lt;port&gt;</c> declares a named
/// endpoint. A query with an endpoint name uses only instances that declare it (and whose scheme, if given, is one the
/// query allows). A query without one takes, per instance, the first of its schemes the instance declares as an endpoint
/// name (<c>CLOUDMAP_ENDPOINT_https</c>), with that scheme, else the default endpoint.</item>
/// </list>
/// </summary>
internal static class CloudMapEndpointMapper
{
    private const string Ipv4 = "AWS_INSTANCE_IPV4";
    private const string Ipv6 = "AWS_INSTANCE_IPV6";
    private const string Cname = "AWS_INSTANCE_CNAME";
    private const string Port = "AWS_INSTANCE_PORT";

    /// <summary>Maps <paramref name="instances"/>; <paramref name="skipped"/> counts instances with no usable endpoint for the query.</summary>
    public static List<ServiceEndpoint> Map(IReadOnlyList<CloudMapDiscoveredInstance> instances, string? endpointName, IReadOnlyList<string> schemes, out int skipped)
    {
        skipped = 0;
        var endpoints = new List<ServiceEndpoint>(instances.Count);
        foreach (var instance in instances)
        {
            if (TryMap(instance, endpointName, schemes) is { } endpoint)
            {
                endpoints.Add(endpoint);
            }
            else
            {
                skipped++;
            }
        }

        return endpoints;
    }

    /// <summary>Parses an endpoint attribute value: <c>8081</c> or <c>https:8081</c>.</summary>
    internal static bool TryParseEndpointValue(string value, out string? scheme, out int port)
    {
        scheme = null;
        var colon = value.LastIndexOf(':');
        var portText = colon < 0 ? value : value[(colon + 1)..];
        if (colon >= 0)
        {
            scheme = value[..colon].Trim();
            if (scheme.Length == 0 || !char.IsAsciiLetter(scheme[0]) || !scheme.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
            {
                port = 0;
                return false;
            }
        }

        return int.TryParse(portText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= IPEndPoint.MaxPort;
    }

    private static ServiceEndpoint? TryMap(CloudMapDiscoveredInstance instance, string? endpointName, IReadOnlyList<string> schemes)
    {
        var attributes = instance.Attributes;
        if (!TryAddress(attributes, out var ip, out var host))
        {
            return null;
        }

        if (!string.IsNullOrEmpty(endpointName))
        {
            if (!TryGetEndpoint(attributes, endpointName, out var value)
                || !TryParseEndpointValue(value, out var scheme, out var port))
            {
                return null;
            }

            if (scheme is not null && schemes.Count > 0 && !schemes.Contains(scheme, StringComparer.OrdinalIgnoreCase))
            {
                return null;
            }

            return Create(ip, host, port, scheme);
        }

        foreach (var scheme in schemes)
        {
            if (TryGetEndpoint(attributes, scheme, out var value)
                && TryParseEndpointValue(value, out var declared, out var port)
                && (declared is null || string.Equals(declared, scheme, StringComparison.OrdinalIgnoreCase)))
            {
                return Create(ip, host, port, scheme);
            }
        }

        var defaultPort = 0;
        if (attributes.TryGetValue(Port, out var portText)
            && !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out defaultPort))
        {
            return null;
        }

        return Create(ip, host, defaultPort, scheme: null);
    }

    /// <summary>The endpoint attribute of <paramref name="name"/>: exact key first, else ignoring case (URI hosts are lower-cased).</summary>
    private static bool TryGetEndpoint(IReadOnlyDictionary<string, string> attributes, string name, [NotNullWhen(true)] out string? value)
    {
        var key = CloudMapServiceEndpointProviderOptions.EndpointAttributePrefix + name;
        if (attributes.TryGetValue(key, out value))
        {
            return true;
        }

        foreach (var (k, v) in attributes)
        {
            if (string.Equals(k, key, StringComparison.OrdinalIgnoreCase))
            {
                value = v;
                return true;
            }
        }

        value = null;
        return false;
    }

    private static bool TryAddress(IReadOnlyDictionary<string, string> attributes, out IPAddress? ip, out string? host)
    {
        host = null;
        if ((attributes.TryGetValue(Ipv4, out var v4) && IPAddress.TryParse(v4, out ip) && ip.AddressFamily == AddressFamily.InterNetwork)
            || (attributes.TryGetValue(Ipv6, out var v6) && IPAddress.TryParse(v6, out ip) && ip.AddressFamily == AddressFamily.InterNetworkV6))
        {
            return true;
        }

        ip = null;
        if (attributes.TryGetValue(Cname, out var cname) && Uri.CheckHostName(cname) == UriHostNameType.Dns)
        {
            host = cname;
            return true;
        }

        return false;
    }

    private static ServiceEndpoint Create(IPAddress? ip, string? host, int port, string? scheme)
    {
        if (scheme is null)
        {
            return ServiceEndpoint.Create(ip is not null ? new IPEndPoint(ip, port) : new DnsEndPoint(host!, port));
        }

        var authority = ip is null ? host! : ip.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + ip + "]" : ip.ToString();
        return ServiceEndpoint.Create(new UriEndPoint(new Uri(string.Create(CultureInfo.InvariantCulture, $"{scheme}://{authority}:{port}"))));
    }
}
