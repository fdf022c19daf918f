// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Scenarios.Load;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>
/// The standalone emulator process (the shared <see cref="StandaloneEmulator"/> launcher), seeded with the namespace and
/// service the sample expects, observed through its admin API (/_emulator/state, /_emulator/calls, /_emulator/reset),
/// plus a discovering client. The process counterpart of <see cref="EmulatorLane"/>.
/// </summary>
internal sealed class StandaloneEmulatorLane : IAsyncDisposable
{
    public const string ServiceId = "srv-scenarios000000";
    private static readonly string[] DataPlane = ["DiscoverInstances", "DiscoverInstancesRevision"];
    private readonly StandaloneEmulator emulator;
    private readonly ServiceProvider clientServices;
    private readonly HttpClient admin;
    private readonly string seedFile;

    private StandaloneEmulatorLane(StandaloneEmulator emulator, string seedFile)
    {
        this.emulator = emulator;
        this.seedFile = seedFile;
        admin = new HttpClient { BaseAddress = emulator.Endpoint, Timeout = TimeSpan.FromSeconds(5) };
        clientServices = ClientFactory.Create(emulator.Endpoint);
        Client = clientServices.GetRequiredService<ICloudMapClient>();
        Discovery = new CloudMapInstanceDiscovery(clientServices.GetRequiredService<ICloudMapDiscoveryClient>(), EmulatorLane.NamespaceName, EmulatorLane.ServiceName);
    }

    public Uri Endpoint => emulator.Endpoint;

    public ICloudMapClient Client { get; }

    public IInstanceDiscovery Discovery { get; }

    public static async Task<StandaloneEmulatorLane> StartAsync(TimeSpan healthDelay, int seed, CancellationToken cancellationToken)
    {
        var seedFile = Path.Combine(Path.GetTempPath(), Format.Invariant($"cloudmap-scenarios-seed-{Environment.ProcessId}-{Guid.NewGuid():N}.json"));
        await File.WriteAllTextAsync(
            seedFile,
            $$"""
            { "namespaces": [ { "name": "{{EmulatorLane.NamespaceName}}", "type": "HTTP", "id": "ns-scenarios0000000",
              "services": [ { "name": "{{EmulatorLane.ServiceName}}", "id": "{{ServiceId}}", "healthCheck": "custom" } ] } ] }
            """,
            cancellationToken).ConfigureAwait(false);
        try
        {
            var emulator = await StandaloneEmulator.StartAsync(
                [
                    "--seed", seedFile,
                    "--health-delay", Format.Invariant($"{healthDelay.TotalSeconds}s"),
                    "--random-seed", seed.ToString(CultureInfo.InvariantCulture),
                ],
                cancellationToken,
                env =>
                {
                    env["DOTNET_gcServer"] = "0";
                    env["Logging__LogLevel__Default"] = "Warning";
                }).ConfigureAwait(false);
            return new StandaloneEmulatorLane(emulator, seedFile);
        }
        catch
        {
            File.Delete(seedFile);
            throw;
        }
    }

    /// <summary>The instance ids DiscoverInstances (HEALTHY) returns right now, as a client sees them.</summary>
    public async Task<HashSet<string>> DiscoverIdsAsync(CancellationToken cancellationToken)
    {
        var (endpoints, _) = await Discovery.DiscoverAsync(cancellationToken).ConfigureAwait(false);
        return [.. endpoints.Select(e => e.InstanceId)];
    }

    /// <summary>Instances registered in the service, whatever their health (GET /_emulator/state).</summary>
    public async Task<int> RegisteredCountAsync(CancellationToken cancellationToken)
    {
        var state = await admin.GetFromJsonAsync<JsonObject>("_emulator/state", cancellationToken).ConfigureAwait(false);
        var services = state?["namespaces"]?.AsArray().SelectMany(n => n!["services"]!.AsArray()) ?? [];
        return services.Where(s => (string?)s!["id"] == ServiceId).Sum(s => s!["instances"]!.AsArray().Count);
    }

    /// <summary>Control-plane calls counted since the last reset (GET /_emulator/calls, data-plane operations excluded).</summary>
    public async Task<long> ControlPlaneCallsAsync(CancellationToken cancellationToken)
    {
        var calls = await admin.GetFromJsonAsync<JsonObject>("_emulator/calls", cancellationToken).ConfigureAwait(false);
        var total = (long?)calls?["total"] ?? 0;
        var operations = calls?["operations"]?.AsObject();
        var data = DataPlane.Sum(op => (long?)operations?[op]?["calls"] ?? 0);
        return total - data;
    }

    public async Task ResetCountersAsync(CancellationToken cancellationToken)
    {
        using var response = await admin.PostAsync(new Uri("_emulator/reset", UriKind.Relative), null, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        admin.Dispose();
        await clientServices.DisposeAsync().ConfigureAwait(false);
        await emulator.DisposeAsync().ConfigureAwait(false);
        File.Delete(seedFile);
    }
}
