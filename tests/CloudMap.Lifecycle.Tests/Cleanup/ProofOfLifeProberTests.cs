// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.TestInfrastructure;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using CloudMap.Lifecycle.Internal.Cleanup;

namespace CloudMap.Lifecycle.Tests.Cleanup;

/// <summary>
/// The prober's classification without a network (the real-socket cases are in the integration tests): every failure
/// the HTTP stack reports maps to the outcome the design gives it, and only a refusal or a non-proof answer is evidence.
/// </summary>
public sealed class ProofOfLifeProberTests
{
    public static TheoryData<string, string, bool> Failures() => new()
    {
        { "refused", nameof(PeerProbeOutcome.Refused), false },
        { "unreachable", nameof(PeerProbeOutcome.Unknown), false },
        { "timedout", nameof(PeerProbeOutcome.Unknown), false },
        { "reset-on-connect", nameof(PeerProbeOutcome.Unknown), false },
        { "invalid-response", nameof(PeerProbeOutcome.Foreign), true },
        { "protocol-error", nameof(PeerProbeOutcome.Foreign), true },
        { "headers-too-large", nameof(PeerProbeOutcome.Foreign), false },
        { "response-ended", nameof(PeerProbeOutcome.Unknown), true },
        { "tls", nameof(PeerProbeOutcome.Unknown), false },
        { "dns", nameof(PeerProbeOutcome.Unknown), false },
        { "reset-while-reading", nameof(PeerProbeOutcome.Unknown), false },
        { "io", nameof(PeerProbeOutcome.Unknown), false },
    };

    [Theory]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    [MemberData(nameof(Failures))]
    public void Classify_Failure_TheDesignedOutcome(string failure, string expected, bool retriedOverHttp2)
    {
        Exception error = failure switch
        {
            "refused" => Connect(SocketError.ConnectionRefused),
            "unreachable" => Connect(SocketError.NetworkUnreachable),
            "timedout" => Connect(SocketError.TimedOut),
            "reset-on-connect" => Connect(SocketError.ConnectionReset),
            "invalid-response" => new HttpRequestException(HttpRequestError.InvalidResponse),
            "protocol-error" => new HttpRequestException(HttpRequestError.HttpProtocolError),
            "headers-too-large" => new HttpRequestException(HttpRequestError.ConfigurationLimitExceeded),
            "response-ended" => new HttpRequestException(HttpRequestError.ResponseEnded, "ended", new HttpIOException(HttpRequestError.ResponseEnded)),
            "tls" => new HttpRequestException(HttpRequestError.SecureConnectionError, "tls", new System.Security.Authentication.AuthenticationException()),
            "dns" => new HttpRequestException(HttpRequestError.NameResolutionError),
            "reset-while-reading" => new IOException("reset", new SocketException((int)SocketError.ConnectionReset)),
            _ => new IOException("io"),
        };

        var (result, retry) = HttpPeerProber.Classify(error);

        Assert.Equal(expected, result.Outcome.ToString());
        Assert.Equal(retriedOverHttp2, retry);
        Assert.False(string.IsNullOrWhiteSpace(result.Detail));
    }

    [Fact]
    public void ProbeUri_IPv6AndAnEscapedInstanceId()
    {
        var peer = new PeerTarget("srv-1", "i/a:b@c", "owner", IPAddress.IPv6Loopback, 8443, new ProofOfLifeAdvert(1, "https", "key"));

        var uri = HttpPeerProber.ProbeUri(peer, "n0nce");

        Assert.Equal("https://[::1]:8443/.well-known/cloudmap-lifecycle/proof?service=srv-1&instance=i%2Fa%3Ab%40c&nonce=n0nce", uri.OriginalString);
        Assert.Equal("[::1]", uri.Host);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task ProbeAsync_AdvertKeyNotImportable_UnknownWithoutSending()
    {
        var handler = new CountingHandler();
        using var prober = new HttpPeerProber(TimeProvider.System, handler);
        var peer = new PeerTarget("srv-1", "i-1", "owner", IPAddress.Loopback, 1, new ProofOfLifeAdvert(1, "http", "bm90IGEga2V5"));

        var result = await prober.ProbeAsync(peer, TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        Assert.Equal(PeerProbeOutcome.Unknown, result.Outcome);
        Assert.Equal(0, handler.Calls);
    }

    [Fact]
    public async Task ProbeAsync_SameAdvertTwice_KeyImportedOnce()
    {
        using var key = new ProofOfLifeKey();
        var handler = new CountingHandler();
        using var prober = new HttpPeerProber(TimeProvider.System, handler);
        var peer = new PeerTarget("srv-1", "i-1", "owner", IPAddress.Loopback, 1, new ProofOfLifeAdvert(1, "http", key.PublicKey));

        var first = await prober.ProbeAsync(peer, TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        var second = await prober.ProbeAsync(peer with { InstanceId = "i-2" }, TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        Assert.Equal((PeerProbeOutcome.Foreign, PeerProbeOutcome.Foreign), (first.Outcome, second.Outcome));
        Assert.Equal(1, prober.CachedKeyCount);
        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task ProbeAsync_CallerCancels_Throws()
    {
        using var key = new ProofOfLifeKey();
        using var prober = new HttpPeerProber(TimeProvider.System, new CountingHandler());
        var peer = new PeerTarget("srv-1", "i-1", "owner", IPAddress.Loopback, 1, new ProofOfLifeAdvert(1, "http", key.PublicKey));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => prober.ProbeAsync(peer, TimeSpan.FromSeconds(1), new CancellationToken(canceled: true)));
    }

    private static HttpRequestException Connect(SocketError error) =>
        new(HttpRequestError.ConnectionError, "connect", new SocketException((int)error));

    /// <summary>Answers 200 "ok" to everything: a foreign server.</summary>
    private sealed class CountingHandler : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("ok") });
        }
    }
}
