// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Internal.Cleanup;
using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Tests.Ownership;

namespace CloudMap.Lifecycle.Tests.Cleanup;

/// <summary>
/// One observer (<see cref="EmulatorRegistrationHarness"/>'s process A, registered and settled) with a scripted prober,
/// over the real client and a loopback emulator; the test plays the peers through the emulator's admin methods and
/// runs one sweep per probe interval (<see cref="SweepAsync"/>), the fake clock moving between them.
/// </summary>
internal sealed class SweepHarness : IAsyncDisposable
{
    public static readonly TimeSpan Interval = CloudMapCleanupOptions.DefaultProbeInterval;

    private SweepHarness(EmulatorRegistrationHarness h, ScriptedPeerProber prober)
    {
        H = h;
        Prober = prober;
    }

    public EmulatorRegistrationHarness H { get; }

    public ScriptedPeerProber Prober { get; }

    public CloudMapEmulator Emulator => H.Emulator;

    public string ServiceId => H.ServiceId;

    public CloudMapRegistrationService Service => H.Service;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Starts the emulator, lets <paramref name="before"/> add peers, registers the observer and settles it.</summary>
    public static async Task<SweepHarness> StartAsync(
        Action<SweepHarness>? before = null, Action<CloudMapRegistrationOptions>? configure = null, Func<ICloudMapClient, ICloudMapClient>? wrapClient = null)
    {
        var h = await EmulatorRegistrationHarness.StartAsync(configure: configure, wrapClient: wrapClient);
        var harness = new SweepHarness(h, new ScriptedPeerProber());
        h.Service.PeerProber = harness.Prober;
        before?.Invoke(harness);
        await h.RegisteredAndSettledAsync();
        h.Service.ActivateCleanup();
        return harness;
    }

    /// <summary>Registers a peer as another process would: its own owner token, address and port, and (unless told) the proof-of-life advert.</summary>
    public void AddPeer(string instanceId, string address = "127.0.0.2", int port = 8080, string? owner = null, bool advertise = true)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [RegistrationAttributes.Ipv4Key] = address,
            [RegistrationAttributes.PortKey] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [RegistrationAttributes.OwnerKey] = owner ?? OwnerOf(instanceId),
        };
        if (advertise)
        {
            attributes[ProofOfLifeAdvert.AttributeKey] = "v1 http MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE" + instanceId.Replace("-", string.Empty, StringComparison.Ordinal);
        }

        Emulator.RegisterInstance(ServiceId, instanceId, attributes);
    }

    public static string OwnerOf(string instanceId) => "owner-of-" + instanceId;

    public bool IsRegistered(string instanceId) => Emulator.FindInstance(ServiceId, instanceId) is not null;

    /// <summary>One probe interval passes, then one sweep runs.</summary>
    public async Task<CleanupSweepOutcome> SweepAsync()
    {
        H.Time.Advance(Interval);
        return await Service.RunCleanupSweepAsync(Token);
    }

    /// <summary>Sweeps <paramref name="count"/> times; returns the outcomes.</summary>
    public async Task<List<CleanupSweepOutcome>> SweepAsync(int count)
    {
        var outcomes = new List<CleanupSweepOutcome>();
        for (var i = 0; i < count; i++)
        {
            outcomes.Add(await SweepAsync());
        }

        return outcomes;
    }

    public ValueTask DisposeAsync() => H.DisposeAsync();
}
