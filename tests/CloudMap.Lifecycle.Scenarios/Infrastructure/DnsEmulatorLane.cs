// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>
/// The standalone emulator process serving DNS (<c>--dns-port 0</c>), seeded with a private DNS namespace and one
/// service whose <c>DnsConfig</c> holds SRV and A records (MULTIVALUE, custom health): what ECS service discovery
/// creates, and what HAProxy's <c>server-template</c> reads. Observed through the admin API (<c>/_emulator/state</c>,
/// not counted as calls).
/// </summary>
internal sealed partial class DnsEmulatorLane : IAsyncDisposable
{
    public const string NamespaceName = "scenarios.local";

    /// <summary>The service name: a leading <c>_</c> makes HAProxy ask SRV (host and port) instead of A.</summary>
    public const string ServiceName = "_web._tcp";

    public const string ServiceId = "srv-dnsscenarios000";

    private readonly StandaloneEmulator emulator;
    private readonly HttpClient admin;
    private readonly string seedFile;

    private DnsEmulatorLane(StandaloneEmulator emulator, IPEndPoint dns, string seedFile)
    {
        this.emulator = emulator;
        this.seedFile = seedFile;
        DnsEndpoint = dns;
        admin = new HttpClient { BaseAddress = emulator.Endpoint, Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>Gets the SRV name HAProxy resolves: <c>_web._tcp.scenarios.local</c>.</summary>
    public static string SrvName => ServiceName + "." + NamespaceName;

    public Uri Endpoint => emulator.Endpoint;

    /// <summary>Gets the emulator's DNS endpoint (UDP and TCP), as it printed it.</summary>
    public IPEndPoint DnsEndpoint { get; }

    /// <summary>Gets what the emulator printed (for failure messages).</summary>
    public string Output => emulator.Output;

    /// <summary>Starts the emulator with the DNS namespace, the given record TTL and Cloud Map's custom-health delay.</summary>
    public static async Task<DnsEmulatorLane> StartAsync(TimeSpan recordTtl, TimeSpan healthDelay, int seed, CancellationToken cancellationToken)
    {
        var seedFile = Path.Combine(Path.GetTempPath(), Format.Invariant($"cloudmap-scenarios-dns-seed-{Environment.ProcessId}-{Guid.NewGuid():N}.json"));
        var ttl = ((long)recordTtl.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(
            seedFile,
            $$"""
            { "namespaces": [ { "name": "{{NamespaceName}}", "type": "DNS_PRIVATE", "id": "ns-dnsscenarios0000",
              "services": [ { "name": "{{ServiceName}}", "id": "{{ServiceId}}", "healthCheck": "custom",
                "dnsConfig": { "RoutingPolicy": "MULTIVALUE", "DnsRecords": [ { "Type": "SRV", "TTL": {{ttl}} }, { "Type": "A", "TTL": {{ttl}} } ] } } ] } ] }
            """,
            cancellationToken).ConfigureAwait(false);
        StandaloneEmulator? emulator = null;
        try
        {
            emulator = await StandaloneEmulator.StartAsync(
                [
                    "--seed", seedFile,
                    "--dns-port", "0",
                    "--health-delay", Format.Invariant($"{healthDelay.TotalSeconds}s"),
                    "--random-seed", seed.ToString(CultureInfo.InvariantCulture),
                ],
                cancellationToken,
                env =>
                {
                    env["DOTNET_gcServer"] = "0";
                    env["Logging__LogLevel__Default"] = "Warning";
                }).ConfigureAwait(false);
            var line = await emulator.Process.WaitForLineAsync(l => l.Contains("DNS on", StringComparison.Ordinal))
                .WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            var match = DnsLine().Match(line);
            if (!match.Success || !IPEndPoint.TryParse(match.Groups["endpoint"].Value, out var dns))
            {
                throw new InvalidOperationException($"No DNS endpoint in the emulator's line '{line}'.");
            }

            return new DnsEmulatorLane(emulator, dns, seedFile);
        }
        catch
        {
            if (emulator is not null)
            {
                await emulator.DisposeAsync().ConfigureAwait(false);
            }

            File.Delete(seedFile);
            throw;
        }
    }

    /// <summary>
    /// The instance ids the service holds right now (GET /_emulator/state): the emulator answers DNS from the same state
    /// under the same lock, so an id missing here is missing from the SRV and A answers from this instant.
    /// </summary>
    public async Task<HashSet<string>> InstanceIdsAsync(CancellationToken cancellationToken)
    {
        var state = await admin.GetFromJsonAsync<JsonObject>("_emulator/state", cancellationToken).ConfigureAwait(false);
        var services = state?["namespaces"]?.AsArray().SelectMany(n => n!["services"]!.AsArray()) ?? [];
        return [.. services.Where(s => (string?)s!["id"] == ServiceId).SelectMany(s => s!["instances"]!.AsArray()).Select(i => (string)i!["id"]!)];
    }

    public async ValueTask DisposeAsync()
    {
        admin.Dispose();
        await emulator.DisposeAsync().ConfigureAwait(false);
        File.Delete(seedFile);
    }

    [GeneratedRegex(@"DNS on (?<endpoint>\S+)")]
    private static partial Regex DnsLine();
}
