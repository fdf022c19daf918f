// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Scenarios.Load;

/// <summary>
/// When the standalone emulator accepted each DeregisterInstance: the <c>CreateDate</c> of its DEREGISTER_INSTANCE
/// operations (GET /_emulator/state lists the 50 most recent operations; the emulator's clock is the machine's).
/// </summary>
internal static class EmulatorDeregistrations
{
    /// <summary>Instance id → when its latest deregistration was accepted.</summary>
    public static async Task<Dictionary<string, DateTimeOffset>> ReadAsync(Uri emulator, CancellationToken cancellationToken)
    {
        using var admin = new HttpClient { BaseAddress = emulator, Timeout = TimeSpan.FromSeconds(5) };
        var state = await admin.GetFromJsonAsync<JsonObject>("_emulator/state", cancellationToken).ConfigureAwait(false);
        var accepted = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var operation in state?["operations"]?.AsArray() ?? [])
        {
            if ((string?)operation?["type"] == "DEREGISTER_INSTANCE"
                && (string?)operation["targets"]?["INSTANCE"] is { } instanceId
                && DateTimeOffset.TryParse((string?)operation["createDate"], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
                && (!accepted.TryGetValue(instanceId, out var seen) || at > seen))
            {
                accepted[instanceId] = at;
            }
        }

        return accepted;
    }
}
