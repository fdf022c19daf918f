// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>
/// Debian's <c>unbound</c> as a child process: a caching resolver on a loopback port that forwards one zone (the
/// emulator's namespace) to the emulator's DNS port and keeps each answer for its TTL, as a VPC's resolver does
/// between a DNS client and Route 53. Positive answers are cached for the record TTL (no prefetch, no serving of
/// expired answers), negative ones for the SOA's (RFC 2308); DNSSEC validation is off (the zone is not signed).
/// </summary>
internal sealed class UnboundProcess : ToolProcess
{
    private UnboundProcess(ChildProcess process, string directory, IPEndPoint endpoint, string configuration)
        : base(process, directory, configuration)
    {
        Endpoint = endpoint;
    }

    /// <summary>Gets the loopback endpoint it answers on (UDP and TCP).</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>Writes the configuration: <paramref name="zone"/> forwarded to <paramref name="upstream"/>, answered on <paramref name="port"/>.</summary>
    public static string BuildConfiguration(string zone, IPEndPoint upstream, int port, string directory)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        var name = zone.TrimEnd('.') + ".";
        var upstreamAddress = upstream.Address.ToString();
        var upstreamPort = upstream.Port.ToString(CultureInfo.InvariantCulture);
        var listen = port.ToString(CultureInfo.InvariantCulture);

        // A plain cache in front of one authoritative server (no DNSSEC, no root, the emulator on loopback allowed);
        // the record's TTL and nothing else decides how long an answer is served from the cache.
        return $"""
            server:
                interface: 127.0.0.1@{listen}
                port: {listen}
                do-daemonize: no
                use-syslog: no
                logfile: ""
                username: ""
                chroot: ""
                directory: "{directory}"
                pidfile: ""
                verbosity: 1
                num-threads: 1
                do-ip6: no
                so-reuseport: no
                access-control: 127.0.0.0/8 allow
                module-config: "iterator"
                do-not-query-localhost: no
                domain-insecure: "{name}"
                local-zone: "{name}" nodefault
                qname-minimisation: no
                cache-min-ttl: 0
                prefetch: no
                serve-expired: no
            forward-zone:
                name: "{name}"
                forward-addr: {upstreamAddress}@{upstreamPort}

            """;
    }

    /// <summary>Checks the configuration with <c>unbound-checkconf</c>, then runs unbound in the foreground (<c>-d</c>).</summary>
    /// <exception cref="InvalidOperationException">unbound is missing, rejects the configuration, or does not start.</exception>
    public static async Task<UnboundProcess> StartAsync(string zone, IPEndPoint upstream, CancellationToken cancellationToken)
    {
        var port = FreePorts.Next();
        var directory = Directory.CreateTempSubdirectory("cloudmap-unbound-").FullName;
        var configuration = BuildConfiguration(zone, upstream, port, directory);
        var file = Path.Combine(directory, "unbound.conf");
        await File.WriteAllTextAsync(file, configuration, cancellationToken).ConfigureAwait(false);

        await using (var check = Start("unbound-checkconf", "unbound-checkconf", "unbound", [file]))
        {
            var code = await check.Exited.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            if (code != 0)
            {
                throw new InvalidOperationException($"unbound-checkconf rejected the configuration (exit {code}):\n{check.Output}\n{configuration}");
            }
        }

        var process = Start("unbound", "unbound", "unbound", ["-d", "-c", file]);
        var resolver = new UnboundProcess(process, directory, new IPEndPoint(IPAddress.Loopback, port), configuration);
        try
        {
            await process.WaitForLineAsync(l => l.Contains("start of service", StringComparison.Ordinal))
                .WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            return resolver;
        }
        catch (TimeoutException e)
        {
            var output = process.Output;
            await resolver.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"unbound did not start on 127.0.0.1:{port}:\n{output}", e);
        }
    }
}
