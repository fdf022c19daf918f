// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;

namespace CloudMap.Lifecycle.Sample.Baseline;

/// <summary>Who the baseline registers and where: read from the same <c>CloudMap</c> keys the library binds.</summary>
/// <param name="InstanceId">The Cloud Map instance id.</param>
/// <param name="ServiceId">The service id, or <see langword="null"/> to look the service up by names.</param>
/// <param name="NamespaceName">The namespace name, used when <paramref name="ServiceId"/> is <see langword="null"/>.</param>
/// <param name="ServiceName">The service name, used when <paramref name="ServiceId"/> is <see langword="null"/>.</param>
/// <param name="Address">The IPv4 address registered.</param>
/// <param name="Port">The port registered.</param>
public sealed record BaselineRegistrationSettings(string InstanceId, string? ServiceId, string? NamespaceName, string? ServiceName, string Address, int Port)
{
    /// <summary>
    /// Reads <c>CloudMap:InstanceId</c> (default: the machine name, made a valid id), <c>CloudMap:ServiceId</c>,
    /// <c>CloudMap:NamespaceName</c>, <c>CloudMap:ServiceName</c>, <c>CloudMap:Address</c> (default 127.0.0.1) and
    /// <c>CloudMap:Port</c> (default: the port of the first of <c>urls</c>, else 5000) — configured, never observed:
    /// the baseline registers before the server listens.
    /// </summary>
    /// <param name="configuration">The app's configuration.</param>
    /// <returns>The settings.</returns>
    public static BaselineRegistrationSettings FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new BaselineRegistrationSettings(
            configuration["CloudMap:InstanceId"] ?? SanitizeInstanceId(Environment.MachineName),
            configuration["CloudMap:ServiceId"],
            configuration["CloudMap:NamespaceName"],
            configuration["CloudMap:ServiceName"],
            configuration["CloudMap:Address"] ?? "127.0.0.1",
            ResolvePort(configuration));
    }

    private static int ResolvePort(IConfiguration configuration)
    {
        if (int.TryParse(configuration["CloudMap:Port"], CultureInfo.InvariantCulture, out var configured))
        {
            return configured;
        }

        var urls = configuration["urls"]?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        foreach (var url in urls)
        {
            // "http://*:5000" and "http://+:5000" are not valid URIs; only the port matters here.
            var normalized = url.Replace("*", "localhost", StringComparison.Ordinal).Replace("+", "localhost", StringComparison.Ordinal);
            if (Uri.TryCreate(normalized, UriKind.Absolute, out var uri))
            {
                return uri.Port;
            }
        }

        return 5000;
    }

    private static string SanitizeInstanceId(string name)
    {
        var id = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || "_/:.@-".Contains(c, StringComparison.Ordinal) ? c : '-')]);
        return id.Length > 64 ? id[..64] : id;
    }
}
