// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>
/// What the crash scenario reads from a standalone emulator beyond <see cref="StandaloneEmulatorLane"/>: every
/// registered instance id (visible or not: GET /_emulator/state), calls by operation (GET /_emulator/calls), run-time
/// settings (POST /_emulator/settings), and DiscoverInstances (HealthStatus=ALL) through its own client, whose calls
/// it counts so they can be taken out of the cost figures. The admin API is not counted by the emulator.
/// </summary>
internal sealed class EmulatorAdmin : IAsyncDisposable
{
    private readonly HttpClient admin;
    private readonly ServiceProvider clientServices;
    private readonly ICloudMapDiscoveryClient discovery;
    private long discoverCalls;

    public EmulatorAdmin(Uri endpoint)
    {
        admin = new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(5) };

        // One attempt per poll: the count of our own DiscoverInstances calls stays exact (a failed poll is skipped).
        clientServices = ClientFactory.Create(endpoint, maxAttempts: 1);
        discovery = clientServices.GetRequiredService<ICloudMapDiscoveryClient>();
    }

    /// <summary>Gets how many DiscoverInstances calls this helper sent (to subtract from the emulator's counts).</summary>
    public long DiscoverCalls => Interlocked.Read(ref discoverCalls);

    /// <summary>The instance ids DiscoverInstances (HealthStatus=ALL, MaxResults=1000) lists right now.</summary>
    public async Task<HashSet<string>> DiscoverAllAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref discoverCalls);
        var result = await discovery.DiscoverInstancesAsync(new CloudMapDiscoveryQuery(EmulatorLane.NamespaceName, EmulatorLane.ServiceName, HealthStatus: "ALL", MaxResults: 1000), cancellationToken).ConfigureAwait(false);
        return [.. result.Instances.Select(i => i.InstanceId)];
    }

    /// <summary>Every instance id the emulator holds for the service, listed yet or not (a registration whose operation is still pending is not).</summary>
    public async Task<HashSet<string>> StoredIdsAsync(CancellationToken cancellationToken)
    {
        var state = await admin.GetFromJsonAsync<JsonObject>("_emulator/state", cancellationToken).ConfigureAwait(false);
        var services = state?["namespaces"]?.AsArray().SelectMany(n => n!["services"]!.AsArray()) ?? [];
        return [.. services.Where(s => (string?)s!["id"] == StandaloneEmulatorLane.ServiceId).SelectMany(s => s!["instances"]!.AsArray()).Select(i => (string)i!["id"]!)];
    }

    /// <summary>Calls by operation since the last reset (GET /_emulator/calls).</summary>
    public async Task<Dictionary<string, long>> CallsByOperationAsync(CancellationToken cancellationToken)
    {
        var calls = await admin.GetFromJsonAsync<JsonObject>("_emulator/calls", cancellationToken).ConfigureAwait(false);
        var operations = calls?["operations"]?.AsObject() ?? [];
        return operations.ToDictionary(p => p.Key, p => (long?)p.Value?["calls"] ?? 0, StringComparer.Ordinal);
    }

    /// <summary>How long the emulator keeps new operations PENDING (POST /_emulator/settings).</summary>
    public async Task SetOperationPendingAsync(TimeSpan pending, CancellationToken cancellationToken)
    {
        using var response = await admin.PostAsJsonAsync("_emulator/settings", new { operationPendingSeconds = pending.TotalSeconds }, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Clears the emulator's counters and request log, and this helper's own count.</summary>
    public async Task ResetCountersAsync(CancellationToken cancellationToken)
    {
        using var response = await admin.PostAsync(new Uri("_emulator/reset", UriKind.Relative), null, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        Interlocked.Exchange(ref discoverCalls, 0);
    }

    public async ValueTask DisposeAsync()
    {
        admin.Dispose();
        await clientServices.DisposeAsync().ConfigureAwait(false);
    }
}
