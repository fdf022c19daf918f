// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// Keeps web pages out of the emulator. Any page a developer opens can make the browser send requests to
/// <c>http://127.0.0.1:4566</c>: a cross-origin <c>text/plain</c> POST needs no preflight, and a DNS-rebinding page
/// (a name of the attacker's that now resolves to 127.0.0.1) is even same-origin and may read the answers.
/// </summary>
/// <remarks>
/// <para>Admin API, dashboard and every other non-AWS route: the <c>Host</c> must be <c>localhost</c>, an IP address
/// (a rebinding page always uses a name: an address literal cannot be rebound) or a name in
/// <see cref="CloudMapEmulatorOptions.AllowedHosts"/>, with any port; a request a browser marks as cross-origin
/// (<c>Origin</c> other than the request's own, <c>Sec-Fetch-Site</c> other than <c>same-origin</c>/<c>none</c>) is
/// refused; an admin POST with a body must say <c>application/json</c> (<see cref="RequireJsonBody"/>), which a page can send cross-origin only after a
/// preflight the emulator never grants (it writes no CORS headers).</para>
/// <para>AWS route (<c>POST /</c> with <c>X-Amz-Target</c>): SDKs, the AWS CLI and scripts send neither <c>Origin</c>
/// nor <c>Sec-Fetch-*</c>, and reach the emulator under any name (<c>data-127.0.0.1</c>, a container name, the real
/// endpoint's name through a proxy), so their Host is not checked. A browser sends <c>Origin</c> with every POST, so
/// a request that carries one (or <c>Sec-Fetch-Site</c>) gets the Host and origin checks of the admin API.</para>
/// </remarks>
internal sealed partial class EmulatorServer
{
    /// <summary>The <see cref="CloudMapEmulatorOptions.AllowedHosts"/> entry that turns the Host check off.</summary>
    public const string AnyHost = "*";

    /// <summary>Checks and normalizes <see cref="CloudMapEmulatorOptions.AllowedHosts"/>: host names without scheme, port or path, or <see cref="AnyHost"/>.</summary>
    /// <exception cref="ArgumentException">An entry is not a host name.</exception>
    public static HashSet<string> ReadAllowedHosts(IEnumerable<string>? entries)
    {
        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in entries ?? [])
        {
            var name = entry?.Trim().TrimEnd('.') ?? string.Empty;
            if (name != AnyHost && Uri.CheckHostName(name) is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6))
            {
                throw new ArgumentException(
                    $"CloudMapEmulatorOptions.AllowedHosts: '{entry}' is not a host name. Give a name without scheme, port or path (for example 'emulator' or 'host.docker.internal'), or '*' to accept any Host.",
                    nameof(entries));
            }

            hosts.Add(name);
        }

        return hosts;
    }

    /// <summary>Refuses what a web page could send (see the type's remarks); <see langword="null"/> when the request may go on.</summary>
    private (int Status, string Message)? Refusal(HttpRequest request, bool awsRoute)
    {
        var origin = request.Headers.Origin.ToString();
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        var fromBrowser = origin.Length > 0 || fetchSite.Length > 0;
        if (awsRoute && !fromBrowser)
        {
            return null;
        }

        var host = request.Host;
        if (!IsAllowedHost(host))
        {
            return (403, $"The Host '{host.Value}' is not allowed: the emulator answers browsers and its admin API only as localhost, an IP address or a name in AllowedHosts (--allowed-host), against DNS rebinding.");
        }

        if (origin.Length > 0 && !string.Equals(origin, "http://" + host.Value, StringComparison.OrdinalIgnoreCase))
        {
            return (403, $"Cross-origin requests are refused (Origin '{origin}'): only the emulator's own dashboard may call it from a browser.");
        }

        if (fetchSite.Length > 0 && fetchSite is not ("same-origin" or "none"))
        {
            return (403, $"Cross-origin requests are refused (Sec-Fetch-Site '{fetchSite}'): only the emulator's own dashboard may call it from a browser.");
        }

        return null;
    }

    /// <summary>
    /// An admin POST with a body must be JSON: <c>text/plain</c>, form and multipart bodies are what a page can send
    /// cross-origin without a preflight. Checked once the route is known, so an unknown route stays a 404.
    /// </summary>
    private static void RequireJsonBody(HttpRequest request)
    {
        if (HasBody(request) && !IsJson(request.ContentType))
        {
            throw new AdminException(415, $"An admin POST with a body must have Content-Type application/json, not '{request.ContentType}'.");
        }
    }

    private static bool HasBody(HttpRequest request)
        => request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    private static bool IsJson(string? contentType)
        => MediaTypeHeaderValue.TryParse(contentType, out var parsed)
            && string.Equals(parsed.MediaType.Value, "application/json", StringComparison.OrdinalIgnoreCase);

    private bool IsAllowedHost(HostString host)
    {
        if (_allowedHosts.Contains(AnyHost))
        {
            return true;
        }

        var name = host.HasValue ? host.Host.Trim('[', ']').TrimEnd('.') : string.Empty;
        return name.Length > 0
            && (string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase)
                || IPAddress.TryParse(name, out _)
                || _allowedHosts.Contains(name));
    }
}
