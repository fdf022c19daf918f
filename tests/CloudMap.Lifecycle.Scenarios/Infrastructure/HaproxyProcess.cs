// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using System.Text;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>The timings of HAProxy's DNS resolution that decide how long it keeps a deregistered server.</summary>
/// <param name="Resolve">How often the SRV name is asked again (<c>timeout resolve</c>; HAProxy's default is 1 s).</param>
/// <param name="HoldValid">How long a valid answer is kept (<c>hold valid</c>).</param>
/// <param name="HoldObsolete">How long a server that left the answer is kept (<c>hold obsolete</c>).</param>
/// <param name="HoldNx">How long an NXDOMAIN keeps the servers (<c>hold nx</c>).</param>
internal sealed record HaproxyDnsTimings(TimeSpan Resolve, TimeSpan HoldValid, TimeSpan HoldObsolete, TimeSpan HoldNx)
{
    public static readonly HaproxyDnsTimings Fast = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(0), TimeSpan.FromSeconds(0));
}

/// <summary>HAProxy's own health checks of the servers the SRV name lists.</summary>
internal enum HaproxyChecks
{
    /// <summary>No check: a server is used as soon as DNS lists it and until DNS drops it.</summary>
    None,

    /// <summary>A TCP connect every second (<c>check inter 1s</c>, HAProxy's default fall 3, rise 2).</summary>
    Tcp,

    /// <summary><c>option httpchk GET /health/ready</c> every second, fall 2, rise 1: the sample's readiness endpoint.</summary>
    HttpReady,
}

/// <summary>
/// Debian's <c>haproxy</c> as a child process, balancing HTTP over the servers an SRV name lists: a <c>resolvers</c>
/// section pointed at the emulator's DNS port and a <c>server-template</c> over <c>&lt;service&gt;.&lt;namespace&gt;</c>
/// (each SRV answer gives a host and its port, so dynamic ports work), listening on a loopback port.
/// </summary>
internal sealed class HaproxyProcess : ToolProcess
{
    private HaproxyProcess(ChildProcess process, string directory, int port, string configuration)
        : base(process, directory, configuration)
    {
        Port = port;
    }

    /// <summary>Gets the loopback port HAProxy's frontend listens on.</summary>
    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>
    /// Writes the configuration. <paramref name="srvName"/> starts with <c>_</c> or HAProxy asks A instead of SRV: Cloud
    /// Map services meant for SRV clients are named like <c>_web._tcp</c>.
    /// </summary>
    public static string BuildConfiguration(IPEndPoint dns, string srvName, int slots, int frontendPort, HaproxyDnsTimings timings, int statsPort = 0, HaproxyChecks checks = HaproxyChecks.Tcp)
    {
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentNullException.ThrowIfNull(timings);
        if (!srvName.StartsWith('_'))
        {
            throw new ArgumentException($"HAProxy reads SRV records only for a name that starts with '_': '{srvName}'.", nameof(srvName));
        }

        static string Ms(TimeSpan t) => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        var text = new StringBuilder();
        text.AppendLine("global");
        text.AppendLine("    log stderr format short local0 info");
        text.AppendLine("defaults");
        text.AppendLine("    mode http");
        text.AppendLine("    log global");
        text.AppendLine("    option httplog");
        text.AppendLine("    timeout connect 1s");
        text.AppendLine("    timeout client 10s");
        text.AppendLine("    timeout server 10s");
        text.AppendLine("    retries 0");
        text.AppendLine("resolvers emulator");
        text.AppendLine(CultureInfo.InvariantCulture, $"    nameserver dns1 {dns.Address}:{dns.Port}");
        text.AppendLine("    accepted_payload_size 4096");
        text.AppendLine("    resolve_retries 3");
        text.AppendLine(CultureInfo.InvariantCulture, $"    timeout resolve {Ms(timings.Resolve)}");
        text.AppendLine("    timeout retry 500ms");
        text.AppendLine(CultureInfo.InvariantCulture, $"    hold valid {Ms(timings.HoldValid)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"    hold obsolete {Ms(timings.HoldObsolete)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"    hold nx {Ms(timings.HoldNx)}");

        // A resolver that errs or times out must not empty the backend: the servers stay for 30 s (HAProxy's default).
        text.AppendLine("    hold other 30s");
        text.AppendLine("    hold refused 30s");
        text.AppendLine("    hold timeout 30s");
        text.AppendLine("frontend web");
        text.AppendLine(CultureInfo.InvariantCulture, $"    bind 127.0.0.1:{frontendPort}");
        text.AppendLine("    default_backend instances");
        text.AppendLine("backend instances");
        text.AppendLine("    balance roundrobin");
        if (checks == HaproxyChecks.HttpReady)
        {
            text.AppendLine("    option httpchk GET /health/ready");
        }

        var check = checks switch
        {
            HaproxyChecks.Tcp => " check inter 1s",
            HaproxyChecks.HttpReady => " check inter 1s fall 2 rise 1",
            _ => string.Empty,
        };
        text.AppendLine(CultureInfo.InvariantCulture, $"    server-template instance {slots} {srvName} resolvers emulator resolve-prefer ipv4 init-addr none{check}");
        if (statsPort > 0)
        {
            text.AppendLine("frontend stats");
            text.AppendLine(CultureInfo.InvariantCulture, $"    bind 127.0.0.1:{statsPort}");
            text.AppendLine("    stats enable");
            text.AppendLine("    stats uri /stats");
        }

        return text.ToString();
    }

    /// <summary>Checks the configuration with <c>haproxy -c</c>, then runs HAProxy in the foreground (<c>-db</c>).</summary>
    /// <exception cref="InvalidOperationException">haproxy is missing, rejects the configuration, or exits at once.</exception>
    public static Task<HaproxyProcess> StartAsync(IPEndPoint dns, string srvName, int slots, HaproxyDnsTimings timings, CancellationToken cancellationToken) =>
        StartAsync(dns, srvName, slots, timings, HaproxyChecks.Tcp, cancellationToken);

    /// <summary>Checks the configuration with <c>haproxy -c</c>, then runs HAProxy in the foreground (<c>-db</c>).</summary>
    /// <exception cref="InvalidOperationException">haproxy is missing, rejects the configuration, or exits at once.</exception>
    public static async Task<HaproxyProcess> StartAsync(IPEndPoint dns, string srvName, int slots, HaproxyDnsTimings timings, HaproxyChecks checks, CancellationToken cancellationToken)
    {
        var port = FreePorts.Next();
        var configuration = BuildConfiguration(dns, srvName, slots, port, timings, checks: checks);
        var directory = Directory.CreateTempSubdirectory("cloudmap-haproxy-").FullName;
        var file = Path.Combine(directory, "haproxy.cfg");
        await File.WriteAllTextAsync(file, configuration, cancellationToken).ConfigureAwait(false);

        await using (var check = Start("haproxy-check", "haproxy", "haproxy", ["-c", "-f", file]))
        {
            var code = await check.Exited.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            if (code != 0)
            {
                throw new InvalidOperationException($"haproxy -c rejected the configuration (exit {code}):\n{check.Output}\n{configuration}");
            }
        }

        var process = Start("haproxy", "haproxy", "haproxy", ["-db", "-f", file]);
        var proxy = new HaproxyProcess(process, directory, port, configuration);
        using var client = new System.Net.Sockets.TcpClient();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false);
                return proxy;
            }
            catch (System.Net.Sockets.SocketException) when (attempt < 100 && !process.HasExited)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                var output = process.Output;
                await proxy.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"haproxy did not listen on 127.0.0.1:{port}: {e.Message}\n{output}", e);
            }
        }
    }
}
