// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// One address the server reports it listens on (<c>IServerAddressesFeature</c>), reduced to what a registration
/// needs: a specific host, if any, and the port.
/// </summary>
/// <param name="Host">The specific address bound, or <see langword="null"/> for a wildcard (<c>+</c>, <c>*</c>, <c>0.0.0.0</c>, <c>[::]</c>) or a host name.</param>
/// <param name="Port">The port; the scheme's default when the address names none.</param>
internal readonly record struct ServerBinding(IPAddress? Host, int Port)
{
    /// <summary>Gets the scheme in lower case when it is <c>http</c> or <c>https</c>; otherwise <see langword="null"/>.</summary>
    public string? Scheme { get; init; }

    /// <summary>Parses <c>scheme://host[:port][/path]</c>; returns <see langword="null"/> when it is not such an address.</summary>
    public static ServerBinding? Parse(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var schemeEnd = address.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return null;
        }

        var rest = address[(schemeEnd + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            rest = rest[..slash];
        }

        string host;
        string portText;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return null;
            }

            host = rest[1..close];
            portText = rest[(close + 1)..].TrimStart(':');
        }
        else
        {
            var colon = rest.LastIndexOf(':');
            host = colon < 0 ? rest : rest[..colon];
            portText = colon < 0 ? string.Empty : rest[(colon + 1)..];
        }

        int port;
        if (portText.Length == 0)
        {
            port = address.StartsWith("https", StringComparison.OrdinalIgnoreCase) ? 443 : 80;
        }
        else if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return null;
        }

        IPAddress? ip = null;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            ip = IPAddress.Loopback;
        }
        else if (IPAddress.TryParse(host, out var parsed) && !parsed.Equals(IPAddress.Any) && !parsed.Equals(IPAddress.IPv6Any))
        {
            ip = parsed;
        }

        var scheme = address.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? "https"
            : address.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? "http"
            : null;
        return new ServerBinding(ip, port) { Scheme = scheme };
    }

    /// <summary>
    /// The scheme of the binding a peer reaches at the registered address and port, for the proof-of-life advert:
    /// the binding the port was taken from (the first one), or, for a configured port, the binding with that port
    /// (or the one mapped to it, ECS bridge mode); and only when it listens on every address (a wildcard or a host
    /// name) or on the registered one. <see langword="null"/> otherwise: a probe would not reach this server.
    /// </summary>
    public static string? SchemeReaching(IReadOnlyList<ServerBinding> bound, int? configuredPort, int registeredPort, IPAddress address, IReadOnlyDictionary<int, int> hostPorts)
    {
        ArgumentNullException.ThrowIfNull(bound);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(hostPorts);
        var candidates = configuredPort is null
            ? bound.Take(1)
            : bound.Where(b => b.Port == registeredPort || (hostPorts.TryGetValue(b.Port, out var mapped) && mapped == registeredPort));
        return candidates.FirstOrDefault(b => b.Scheme is not null && (b.Host is null || b.Host.Equals(address))).Scheme;
    }
}
