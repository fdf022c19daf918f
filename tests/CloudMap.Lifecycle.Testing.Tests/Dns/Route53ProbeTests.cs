// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using DnsClient;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace CloudMap.Lifecycle.Testing.Tests.Dns;

/// <summary>
/// Route 53 health checks probed for real on loopback, on the emulator's fake clock: UNKNOWN (routable) until the first
/// result, FailureThreshold consecutive results to flip, and whoever answers on the address passes.
/// </summary>
public sealed class Route53ProbeTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<(DnsFixture Fixture, string ServiceId)> StartAsync(string type, int threshold, string? path = "/health")
    {
        var f = await DnsFixture.StartAsync(o => o.ProbeRoute53HealthChecks = true);
        var publicId = f.Emulator.CreateDnsNamespace("example.org", isPublic: true);
        var check = new JsonObject { ["Type"] = type, ["FailureThreshold"] = threshold };
        if (path is not null)
        {
            check["ResourcePath"] = path;
        }

        var service = await f.Client.OkAsync("CreateService", new JsonObject
        {
            ["Name"] = "web",
            ["NamespaceId"] = publicId,
            ["DnsConfig"] = new JsonObject { ["RoutingPolicy"] = "MULTIVALUE", ["DnsRecords"] = new JsonArray(new JsonObject { ["Type"] = "A", ["TTL"] = 10 }) },
            ["HealthCheckConfig"] = check,
        });
        return (f, service["Service"]!["Id"]!.GetValue<string>());
    }

    private static void Register(DnsFixture f, string serviceId, string instanceId, int port, string address = "127.0.0.1") =>
        f.Register(serviceId, instanceId, ("AWS_INSTANCE_IPV4", address), ("AWS_INSTANCE_PORT", port.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static async Task<string> StatusAsync(DnsFixture f, string serviceId, string instanceId) =>
        (await f.Client.HealthAsync(serviceId, instanceId))[instanceId];

    private static Task ProbeAsync(DnsFixture f) => f.Emulator.Route53Prober!.ProbeOnceAsync(Token);

    private static async Task<List<string>> DnsAsync(DnsFixture f)
    {
        var result = await f.Lookup.QueryAsync("web.example.org", QueryType.A, cancellationToken: Token);
        return [.. result.Answers.ARecords().Select(r => r.Address.ToString()).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task NewInstance_IsUnknownAndRoutable_UntilTheFirstProbe()
    {
        var (f, serviceId) = await StartAsync("HTTP", threshold: 1);
        await using var _ = f;
        await using var notReady = await HttpTarget.StartAsync(HttpStatusCode.ServiceUnavailable);
        Register(f, serviceId, "warming-up", notReady.Port);

        var before = await StatusAsync(f, serviceId, "warming-up");
        var (discovered, _) = await f.Client.DiscoverAsync("example.org", "web");
        var dnsBefore = await DnsAsync(f);
        await ProbeAsync(f);

        Assert.Equal("UNKNOWN", before);
        Assert.Equal([("warming-up", "UNKNOWN")], discovered); // routable before ready: failure mode 1
        Assert.Equal(["127.0.0.1"], dnsBefore);
        Assert.Equal("UNHEALTHY", await StatusAsync(f, serviceId, "warming-up"));
        Assert.Equal(1, notReady.Requests);
        Assert.Equal("/health", notReady.LastPath);
    }

    [Fact]
    public async Task FailureThreshold_ConsecutiveResultsFlipTheStatus_BothWays()
    {
        var (f, serviceId) = await StartAsync("HTTP", threshold: 2);
        await using var _ = f;
        await using var target = await HttpTarget.StartAsync(HttpStatusCode.OK);
        Register(f, serviceId, "i-1", target.Port);
        var statuses = new List<string>();

        await ProbeAsync(f);
        statuses.Add(await StatusAsync(f, serviceId, "i-1"));
        target.Status = HttpStatusCode.InternalServerError;
        await ProbeAsync(f);
        statuses.Add(await StatusAsync(f, serviceId, "i-1"));
        await ProbeAsync(f);
        statuses.Add(await StatusAsync(f, serviceId, "i-1"));
        target.Status = HttpStatusCode.Redirect; // 3xx passes
        await ProbeAsync(f);
        statuses.Add(await StatusAsync(f, serviceId, "i-1"));
        await ProbeAsync(f);
        statuses.Add(await StatusAsync(f, serviceId, "i-1"));

        Assert.Equal(["HEALTHY", "HEALTHY", "UNHEALTHY", "UNHEALTHY", "HEALTHY"], statuses);
    }

    [Fact]
    public async Task UnhealthyInstance_LeavesDiscoveryAndDns_WhileAHealthyOneRemains()
    {
        var (f, serviceId) = await StartAsync("HTTP", threshold: 1);
        await using var _ = f;
        await using var good = await HttpTarget.StartAsync(HttpStatusCode.OK);
        await using var bad = await HttpTarget.StartAsync(HttpStatusCode.ServiceUnavailable);
        Register(f, serviceId, "good", good.Port);
        Register(f, serviceId, "bad", bad.Port);
        var dnsBefore = await DnsAsync(f);

        await ProbeAsync(f);
        var (discovered, _) = await f.Client.DiscoverAsync("example.org", "web");

        Assert.Equal(2, dnsBefore.Count);
        Assert.Equal([("good", "HEALTHY")], discovered);
        Assert.Single(await DnsAsync(f));
    }

    [Fact]
    public async Task TcpCheck_PassesWhenAConnectionOpens()
    {
        var (f, serviceId) = await StartAsync("TCP", threshold: 1, path: null);
        await using var _ = f;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Register(f, serviceId, "i-1", port);

        await ProbeAsync(f);
        var open = await StatusAsync(f, serviceId, "i-1");
        listener.Stop();
        await ProbeAsync(f);
        var closed = await StatusAsync(f, serviceId, "i-1");

        Assert.Equal("HEALTHY", open);
        Assert.Equal("UNHEALTHY", closed);
    }

    [Fact]
    public async Task HttpsCheck_AcceptsASelfSignedCertificate_AndReadsTheStatus()
    {
        var (f, serviceId) = await StartAsync("HTTPS", threshold: 1);
        await using var _ = f;
        await using var target = await HttpTarget.StartAsync(HttpStatusCode.OK, https: true);
        Register(f, serviceId, "i-1", target.Port);

        await ProbeAsync(f);
        var passing = await StatusAsync(f, serviceId, "i-1");
        target.Status = HttpStatusCode.NotFound;
        await ProbeAsync(f);

        Assert.Equal("HEALTHY", passing);
        Assert.Equal("UNHEALTHY", await StatusAsync(f, serviceId, "i-1"));
        Assert.Equal(2, target.Requests);
    }

    [Fact]
    public async Task RecycledPort_AForeignServerPassesTheCheck_AndRevivesTheDeadEntry()
    {
        var (f, serviceId) = await StartAsync("HTTP", threshold: 1);
        await using var _ = f;
        var ours = await HttpTarget.StartAsync(HttpStatusCode.OK);
        var port = ours.Port;
        Register(f, serviceId, "crashed", port);
        await ProbeAsync(f);

        await ours.DisposeAsync(); // the instance dies without deregistering
        await ProbeAsync(f);
        var dead = await StatusAsync(f, serviceId, "crashed");
        await using var foreign = await HttpTarget.StartAsync(HttpStatusCode.OK, port); // somebody else's server on the address
        await ProbeAsync(f);

        Assert.Equal("UNHEALTHY", dead);
        Assert.Equal("HEALTHY", await StatusAsync(f, serviceId, "crashed")); // failure mode 3, reproduced
        Assert.Equal(1, foreign.Requests);
    }

    [Fact]
    public async Task Probes_RunEveryInterval_OnTheEmulatorsClock()
    {
        var (f, serviceId) = await StartAsync("HTTP", threshold: 1);
        await using var _ = f;
        await using var target = await HttpTarget.StartAsync(HttpStatusCode.OK);
        Register(f, serviceId, "i-1", target.Port);
        var prober = f.Emulator.Route53Prober!;

        await f.Clock.WaitForTimersAsync(1, Token);
        f.Clock.Advance(CloudMapEmulatorOptions.DefaultRoute53CheckInterval - TimeSpan.FromSeconds(1));
        var early = await StatusAsync(f, serviceId, "i-1");
        f.Clock.Advance(TimeSpan.FromSeconds(1));
        await f.Emulator.WaitUntilAsync(() => prober.Rounds == 1, cancellationToken: Token);

        Assert.Equal("UNKNOWN", early);
        Assert.Equal(0, prober.Rounds - 1);
        Assert.Equal("HEALTHY", await StatusAsync(f, serviceId, "i-1"));
    }

    [Fact]
    public async Task Registration_RecreatesTheCheck_UnknownAgain()
    {
        var (f, serviceId) = await StartAsync("HTTP", threshold: 1);
        await using var _ = f;
        await using var target = await HttpTarget.StartAsync(HttpStatusCode.OK);
        Register(f, serviceId, "i-1", target.Port);
        await ProbeAsync(f);

        Register(f, serviceId, "i-1", target.Port);

        Assert.Equal("UNKNOWN", await StatusAsync(f, serviceId, "i-1"));
    }

    [Fact]
    public async Task WithoutProbing_Route53InstancesStayHealthy()
    {
        await using var f = await DnsFixture.StartAsync();
        var publicId = f.Emulator.CreateDnsNamespace("example.org", isPublic: true);
        var serviceId = f.Emulator.CreateService(publicId, "web", EmulatedHealthCheck.Route53);
        Register(f, serviceId, "i-1", 1); // nothing listens on port 1

        Assert.Null(f.Emulator.Route53Prober);
        Assert.Equal("HEALTHY", await StatusAsync(f, serviceId, "i-1"));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    public async Task StartAsync_BadDnsPort_NamesTheSettingAndValue(int port)
    {
        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { DnsPort = port }, Token));

        Assert.Contains($"DnsPort must be 0-65535 (0 picks a free port), not {port}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ZeroRoute53Interval_NamesTheSettingAndValue()
    {
        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { ProbeRoute53HealthChecks = true, Route53CheckInterval = TimeSpan.Zero }, Token));

        Assert.Contains("Route53CheckInterval must be positive, not 00:00:00", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_DnsPortInUse_FailsWithTheAddress()
    {
        await using var first = await DnsFixture.StartAsync();

        var e = await Assert.ThrowsAsync<IOException>(() => CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { DnsPort = first.DnsEndpoint.Port }, Token));

        Assert.Contains($"cannot serve DNS on 127.0.0.1:{first.DnsEndpoint.Port}", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A loopback HTTP server whose status a test flips; counts requests.</summary>
    private sealed class HttpTarget : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _requests;

        private HttpTarget(WebApplication app, int port)
        {
            _app = app;
            Port = port;
        }

        public int Port { get; }

        public HttpStatusCode Status { get; set; }

        public int Requests => Volatile.Read(ref _requests);

        public string? LastPath { get; private set; }

        public static async Task<HttpTarget> StartAsync(HttpStatusCode status, int port = 0, bool https = false)
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, listen =>
            {
                if (https)
                {
                    listen.UseHttps(SelfSigned());
                }
            }));
            var app = builder.Build();
            HttpTarget? target = null;
            app.Run(context =>
            {
                Interlocked.Increment(ref target!._requests);
                target.LastPath = context.Request.Path;
                context.Response.StatusCode = (int)target.Status;
                return Task.CompletedTask;
            });
            await app.StartAsync(Token);
            var bound = new Uri(app.Urls.First()).Port;
            target = new HttpTarget(app, bound) { Status = status };
            return target;
        }

        private static System.Security.Cryptography.X509Certificates.X509Certificate2 SelfSigned()
        {
            using var key = System.Security.Cryptography.ECDsa.Create();
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=not-checked", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(100));
            return System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx), null);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(Token);
            await _app.DisposeAsync();
        }
    }
}
