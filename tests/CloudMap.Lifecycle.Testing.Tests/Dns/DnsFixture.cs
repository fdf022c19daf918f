// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text.Json.Nodes;
using DnsClient;

namespace CloudMap.Lifecycle.Testing.Tests.Dns;

/// <summary>An emulator on a fake clock with its DNS server on a free loopback port, a private DNS namespace and a DnsClient.</summary>
internal sealed class DnsFixture : IAsyncDisposable
{
    public const string Zone = "shop.local";

    private DnsFixture(CloudMapEmulator emulator, TimerCountingFakeTimeProvider clock)
    {
        Emulator = emulator;
        Clock = clock;
        Client = new AwsJsonClient(emulator.Endpoint);
        NamespaceId = emulator.CreateDnsNamespace(Zone);
        Lookup = NewLookup();
    }

    public CloudMapEmulator Emulator { get; }

    public TimerCountingFakeTimeProvider Clock { get; }

    public AwsJsonClient Client { get; }

    public string NamespaceId { get; }

    public LookupClient Lookup { get; }

    public IPEndPoint DnsEndpoint => Emulator.DnsEndpoint!;

    public static async Task<DnsFixture> StartAsync(Action<CloudMapEmulatorOptions>? configure = null)
    {
        var clock = new TimerCountingFakeTimeProvider();
        var options = new CloudMapEmulatorOptions { TimeProvider = clock, RandomSeed = 7, DnsPort = 0 };
        configure?.Invoke(options);
        var emulator = await CloudMapEmulator.StartAsync(options, TestContext.Current.CancellationToken);
        return new DnsFixture(emulator, clock);
    }

    /// <summary>A DnsClient without cache or retries; EDNS with 4096 bytes unless told otherwise.</summary>
    public LookupClient NewLookup(int ednsBufferSize = 4096, bool tcpFallback = true) => new(new LookupClientOptions(new NameServer(DnsEndpoint))
    {
        UseCache = false,
        Retries = 0,
        Timeout = TimeSpan.FromSeconds(5),
        UseTcpFallback = tcpFallback,
        ExtendedDnsBufferSize = ednsBufferSize,
        ThrowDnsErrors = false,
        ContinueOnDnsError = false,
        ContinueOnEmptyResponse = false,
    });

    /// <summary>Creates a service through the API: <c>records</c> such as <c>("A", 30), ("SRV", 60)</c>.</summary>
    public async Task<string> CreateServiceAsync(string name, string routingPolicy, string health, params (string Type, int Ttl)[] records)
    {
        var body = new JsonObject
        {
            ["Name"] = name,
            ["NamespaceId"] = NamespaceId,
            ["DnsConfig"] = new JsonObject
            {
                ["RoutingPolicy"] = routingPolicy,
                ["DnsRecords"] = new JsonArray([.. records.Select(r => (JsonNode)new JsonObject { ["Type"] = r.Type, ["TTL"] = r.Ttl })]),
            },
        };
        if (health == "custom")
        {
            body["HealthCheckCustomConfig"] = new JsonObject();
        }

        var service = await Client.OkAsync("CreateService", body);
        return service["Service"]!["Id"]!.GetValue<string>();
    }

    public void Register(string serviceId, string instanceId, params (string Key, string Value)[] attributes) =>
        Emulator.RegisterInstance(serviceId, instanceId, attributes.ToDictionary(a => a.Key, a => a.Value));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Emulator.DisposeAsync();
    }
}
