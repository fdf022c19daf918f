// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.TestInfrastructure;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudMap.Lifecycle.Internal.Cleanup;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CloudMap.Lifecycle.IntegrationTests.Cleanup;

/// <summary>
/// The real prober against real sockets on loopback: a live instance proves it is alive (HTTP, HTTPS with a
/// self-signed certificate, cleartext HTTP/2 only, IPv6); everything that cannot prove it is foreign or refused; and
/// what tells nothing (a hung peer, a connection closed or reset before an answer) is unknown, never evidence.
/// </summary>
public sealed class ProofOfLifeProbeTests
{
    /// <summary>The timeout a test actually waits out (a hung peer): kept short.</summary>
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>For peers that answer at once: only a hang guard, never waited out.</summary>
    private static readonly TimeSpan AnswerGuard = TimeSpan.FromSeconds(10);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Probe_LiveInstance_Alive()
    {
        await using var app = await ProofOfLifeApp.StartAsync();
        using var prober = new HttpPeerProber(TimeProvider.System);

        var result = await prober.ProbeAsync(app.Target(), AnswerGuard, Token);

        Assert.Equal(PeerProbeOutcome.Alive, result.Outcome);
        Assert.Equal("http", app.Advert!.Scheme);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Probe_LiveInstanceThenKilled_AliveThenRefused()
    {
        // A fresh connection per probe: the second probe must not ride on the first one's connection.
        await using var app = await ProofOfLifeApp.StartAsync();
        using var prober = new HttpPeerProber(TimeProvider.System);
        var target = app.Target();
        Assert.Equal(PeerProbeOutcome.Alive, (await prober.ProbeAsync(target, AnswerGuard, Token)).Outcome);

        await app.StopAsync();
        var result = await prober.ProbeAsync(target, AnswerGuard, Token);

        Assert.Equal(PeerProbeOutcome.Refused, result.Outcome);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Probe_AdvertOfAnotherProcessStart_Foreign()
    {
        await using var app = await ProofOfLifeApp.StartAsync();
        using var prober = new HttpPeerProber(TimeProvider.System);
        using var otherProcess = new ProofOfLifeKey();
        var target = app.Target();

        var wrongKey = await prober.ProbeAsync(target with { Advert = target.Advert with { PublicKey = otherProcess.PublicKey } }, AnswerGuard, Token);
        var wrongOwner = await prober.ProbeAsync(target with { OwnerToken = "ffffffffffffffffffffffffffffffff" }, AnswerGuard, Token);
        var otherInstance = await prober.ProbeAsync(target with { InstanceId = "proof-2" }, AnswerGuard, Token);

        Assert.Equal(PeerProbeOutcome.Foreign, wrongKey.Outcome);
        Assert.Equal(PeerProbeOutcome.Foreign, wrongOwner.Outcome);
        Assert.Equal(PeerProbeOutcome.Foreign, otherInstance.Outcome);
        Assert.Contains("404", otherInstance.Detail, StringComparison.Ordinal);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Probe_NewerStartOfTheSameAppOnTheRecycledPort_OldRegistrationForeignNewAlive()
    {
        var (emulator, serviceId) = await ProofOfLifeApp.CreateEmulatorAsync();
        await using var _ = emulator;
        using var prober = new HttpPeerProber(TimeProvider.System);
        PeerTarget old;
        int port;
        await using (var first = await ProofOfLifeApp.StartAsync(emulator: (emulator, serviceId)))
        {
            old = first.Target();
            port = first.ListeningUri.Port;
        }

        await using var second = await ProofOfLifeApp.StartAsync($"http://127.0.0.1:{port}", emulator: (emulator, serviceId));

        Assert.Equal(PeerProbeOutcome.Foreign, (await prober.ProbeAsync(old, AnswerGuard, Token)).Outcome);
        Assert.Equal(PeerProbeOutcome.Alive, (await prober.ProbeAsync(second.Target(), AnswerGuard, Token)).Outcome);
        Assert.NotEqual(old.Advert.PublicKey, second.Target().Advert.PublicKey);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Probe_EchoServer_Foreign()
    {
        await using var echo = RawTcpServer.Echo();
        using var prober = new HttpPeerProber(TimeProvider.System);

        var result = await prober.ProbeAsync(Peer(echo.Port), AnswerGuard, Token);

        Assert.Equal(PeerProbeOutcome.Foreign, result.Outcome);
    }

    [Theory]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    [InlineData("query")]
    [InlineData("nonce")]
    public async Task Probe_HttpServerEchoingTheQuery_Foreign(string echoed)
    {
        await using var echo = RawTcpServer.HttpEcho(target => echoed == "query"
            ? Uri.UnescapeDataString(target)
            : System.Web.HttpUtility.ParseQueryString(new Uri("http://x" + target).Query)["nonce"] ?? string.Empty);
        using var prober = new HttpPeerProber(TimeProvider.System);

        var result = await prober.ProbeAsync(Peer(echo.Port), AnswerGuard, Token);

        Assert.Equal(PeerProbeOutcome.Foreign, result.Outcome);
        Assert.Equal(1, echo.Accepted);
    }

    [Theory]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    [InlineData(200, "ok")]
    [InlineData(200, "")]
    [InlineData(200, "oversized")]
    [InlineData(400, "")]
    [InlineData(404, "")]
    [InlineData(500, "")]
    [InlineData(505, "")]
    [InlineData(302, "")]
    public async Task Probe_ForeignHttpServer_Foreign(int status, string body)
    {
        await using var foreign = await StartPlainAppAsync(app => app.Run(async context =>
        {
            context.Response.StatusCode = status;
            if (status == 302)
            {
                context.Response.Headers.Location = "http://127.0.0.1:1/";
            }

            await context.Response.WriteAsync(body == "oversized" ? new string('x', 10_000) : body, Token);
        }));
        using var prober = new HttpPeerProber(TimeProvider.System);

        var result = await prober.ProbeAsync(Peer(Port(foreign)), AnswerGuard, Token);

        Assert.Equal(PeerProbeOutcome.Foreign, result.Outcome);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Probe_AppWithoutTheLibrary_Foreign404()
    {
        await using var plain = await StartPlainAppAsync(app => app.MapGet("/", () => "hello"));
        using var prober = new HttpPeerProber(TimeProvider.System);

        var result = await prober.ProbeAsync(Peer(Port(plain)), AnswerGuard, Token);

        Assert.Equal(PeerProbeOutcome.Foreign, result.Outcome);
        Assert.Contains("404", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Probe_PortJustClosed_Refused()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var prober = new HttpPeerProber(TimeProvider.System);

        var result = await prober.ProbeAsync(Peer(port), AnswerGuard, Token);

        Assert.Equal(PeerProbeOutcome.Refused, result.Outcome);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Probe_HungPeer_UnknownWithinTheTimeout()
    {
        await using var hung = RawTcpServer.Hung();
        using var prober = new HttpPeerProber(TimeProvider.System);
        var started = TimeProvider.System.GetTimestamp();

        var result = await prober.ProbeAsync(Peer(hung.Port), ShortTimeout, Token);

        Assert.Equal(PeerProbeOutcome.Unknown, result.Outcome);
        Assert.Contains("timeout", result.Detail, StringComparison.Ordinal);
        Assert.InRange(TimeProvider.System.GetElapsedTime(started), ShortTimeout - TimeSpan.FromMilliseconds(50), ShortTimeout + TimeSpan.FromSeconds(5));
    }

    [Theory]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    [InlineData(nameof(RawTcpServer.ClosesBeforeResponse), "Unknown")]
    [InlineData(nameof(RawTcpServer.Resets), "Unknown")]
    [InlineData(nameof(RawTcpServer.Banner), "Foreign")]
    public async Task Probe_NoHttpAnswer_UnknownOrForeign(string server, string expected)
    {
        await using var raw = server switch
        {
            nameof(RawTcpServer.ClosesBeforeResponse) => RawTcpServer.ClosesBeforeResponse(),
            nameof(RawTcpServer.Resets) => RawTcpServer.Resets(),
            _ => RawTcpServer.Banner(),
        };
        using var prober = new HttpPeerProber(TimeProvider.System);

        var result = await prober.ProbeAsync(Peer(raw.Port), AnswerGuard, Token);

        Assert.Equal(expected, result.Outcome.ToString());
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Probe_HttpsWithSelfSignedCertificate_Alive()
    {
        using var certificate = SelfSigned();
        await using var app = await ProofOfLifeApp.StartAsync(
            "https://127.0.0.1:0",
            configureBuilder: b => b.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate)));
        using var prober = new HttpPeerProber(TimeProvider.System);

        var result = await prober.ProbeAsync(app.Target(), AnswerGuard, Token);

        Assert.Equal("https", app.Advert!.Scheme);
        Assert.Equal(PeerProbeOutcome.Alive, result.Outcome);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Probe_HttpsAdvertButPlainHttpAnswers_UnknownNotEvidence()
    {
        // A TLS handshake that fails tells nothing about who is there (the design's rule), so it is never evidence.
        await using var plain = await StartPlainAppAsync(app => app.MapGet("/", () => "hello"));
        using var prober = new HttpPeerProber(TimeProvider.System);

        var result = await prober.ProbeAsync(Peer(Port(plain), "https"), AnswerGuard, Token);

        Assert.Equal(PeerProbeOutcome.Unknown, result.Outcome);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Probe_CleartextHttp2OnlyEndpoint_Alive()
    {
        // An HTTP/1.1 probe cannot be answered there; the prober asks again over HTTP/2 (prior knowledge).
        await using var app = await ProofOfLifeApp.StartAsync(
            configureBuilder: b => b.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2)));
        using var prober = new HttpPeerProber(TimeProvider.System);

        var result = await prober.ProbeAsync(app.Target(), AnswerGuard, Token);

        Assert.True(result.Outcome == PeerProbeOutcome.Alive, result.Detail);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Probe_IPv6Loopback_AliveOrNeverEvidenceWithoutIPv6()
    {
        using var prober = new HttpPeerProber(TimeProvider.System);
        if (!CanBindIPv6Loopback())
        {
            // Without IPv6 here, probing [::1] must tell nothing (not "refused", not "foreign"): a host without IPv6
            // is no evidence against an IPv6 peer. The URI is still the bracketed literal.
            var peer = Peer(80) with { Address = IPAddress.IPv6Loopback };
            var result = await prober.ProbeAsync(peer, ShortTimeout, Token);
            Assert.Equal(PeerProbeOutcome.Unknown, result.Outcome);
            Assert.Equal("[::1]", HttpPeerProber.ProbeUri(peer, ProofOfLifeKey.NewNonce()).Host);
            return;
        }

        await using var app = await ProofOfLifeApp.StartAsync("http://[::1]:0", new Dictionary<string, string?> { ["CloudMap:Address"] = "::1" });

        var target = app.Target();
        var alive = await prober.ProbeAsync(target, AnswerGuard, Token);

        Assert.Equal("::1", app.Attributes["AWS_INSTANCE_IPV6"]);
        Assert.Equal(IPAddress.IPv6Loopback, target.Address);
        Assert.Equal(PeerProbeOutcome.Alive, alive.Outcome);
    }

    private static PeerTarget Peer(int port, string scheme = "http")
    {
        using var key = new ProofOfLifeKey();
        return new PeerTarget("srv-abcdefgh12345678", ProofOfLifeApp.InstanceId, "0123456789abcdef0123456789abcdef", IPAddress.Loopback, port, new ProofOfLifeAdvert(1, scheme, key.PublicKey));
    }

    private static async Task<WebApplication> StartPlainAppAsync(Action<WebApplication> configure)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "IntegrationTests" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        configure(app);
        await app.StartAsync(Token).WaitAsync(FakeClockDriver.DefaultGuard, Token);
        return app;
    }

    private static int Port(WebApplication app) =>
        new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First()).Port;

    private static bool CanBindIPv6Loopback()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return false;
        }

        try
        {
            using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=peer.invalid", key, HashAlgorithmName.SHA256);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        // Kestrel on Linux wants a certificate whose key it can load from PKCS#12.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), password: null);
    }
}
