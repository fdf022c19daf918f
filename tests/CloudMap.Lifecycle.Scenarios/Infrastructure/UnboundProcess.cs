// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using System.Text;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>
/// Debian's <c>unbound</c> as a child process: a caching resolver on a loopback port that forwards one zone (the
/// emulator's namespace) to the emulator's DNS port and keeps each answer for its TTL, as a VPC's resolver does
/// between a DNS client and Route 53. Positive answers are cached for the record TTL (no prefetch, no serving of
/// expired answers), negative ones for the SOA's (RFC 2308); DNSSEC validation is off (the zone is not signed).
/// </summary>
internal sealed class UnboundProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _directory;

    private UnboundProcess(ChildProcess process, string directory, IPEndPoint endpoint, string configuration)
    {
        _process = process;
        _directory = directory;
        Endpoint = endpoint;
        Configuration = configuration;
    }

    /// <summary>Gets the loopback endpoint it answers on (UDP and TCP).</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>Gets the configuration it runs with.</summary>
    public string Configuration { get; }

    /// <summary>Gets unbound's output (its log goes to stderr).</summary>
    public string Output => _process.Output;

    /// <summary>Writes the configuration: <paramref name="zone"/> forwarded to <paramref name="upstream"/>, answered on <paramref name="port"/>.</summary>
    public static string BuildConfiguration(string zone, IPEndPoint upstream, int port, string directory)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        var name = zone.TrimEnd('.') + ".";
        var text = new StringBuilder();
        text.AppendLine("server:");
        text.AppendLine(CultureInfo.InvariantCulture, $"    interface: 127.0.0.1@{port}");
        text.AppendLine(CultureInfo.InvariantCulture, $"    port: {port}");
        text.AppendLine("    do-daemonize: no");
        text.AppendLine("    use-syslog: no");
        text.AppendLine("    logfile: \"\"");
        text.AppendLine("    username: \"\"");
        text.AppendLine("    chroot: \"\"");
        text.AppendLine(CultureInfo.InvariantCulture, $"    directory: \"{directory}\"");
        text.AppendLine("    pidfile: \"\"");
        text.AppendLine("    verbosity: 1");
        text.AppendLine("    num-threads: 1");
        text.AppendLine("    do-ip6: no");
        text.AppendLine("    so-reuseport: no");
        text.AppendLine("    access-control: 127.0.0.0/8 allow");

        // A plain cache in front of one authoritative server: no DNSSEC, no root, the emulator on loopback allowed.
        text.AppendLine("    module-config: \"iterator\"");
        text.AppendLine("    do-not-query-localhost: no");
        text.AppendLine(CultureInfo.InvariantCulture, $"    domain-insecure: \"{name}\"");
        text.AppendLine(CultureInfo.InvariantCulture, $"    local-zone: \"{name}\" nodefault");
        text.AppendLine("    qname-minimisation: no");

        // The record's TTL and nothing else decides how long an answer is served from the cache.
        text.AppendLine("    cache-min-ttl: 0");
        text.AppendLine("    prefetch: no");
        text.AppendLine("    serve-expired: no");
        text.AppendLine("forward-zone:");
        text.AppendLine(CultureInfo.InvariantCulture, $"    name: \"{name}\"");
        text.AppendLine(CultureInfo.InvariantCulture, $"    forward-addr: {upstream.Address}@{upstream.Port}");
        return text.ToString();
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

        await using (var check = ToolProcess.Start("unbound-checkconf", "unbound-checkconf", "unbound", [file]))
        {
            var code = await check.Exited.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            if (code != 0)
            {
                throw new InvalidOperationException($"unbound-checkconf rejected the configuration (exit {code}):\n{check.Output}\n{configuration}");
            }
        }

        var process = ToolProcess.Start("unbound", "unbound", "unbound", ["-d", "-c", file]);
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

    public ValueTask DisposeAsync() => ToolProcess.StopAsync(_process, _directory);
}
