// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Internal.Cleanup;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.AspNetCore.Http;

namespace CloudMap.Lifecycle.Tests.Cleanup;

/// <summary>The answering side: when an identity is advertised, and what the middleware answers.</summary>
public sealed class ProofOfLifeResponderTests
{
    private const string Service = "srv-abcdefgh12345678";
    private const string Instance = "i-1";
    private const string Owner = "0123456789abcdef0123456789abcdef";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Advertise_PipelineBuiltAndRealAddresses_ReturnsTheAdvertAndAnswers()
    {
        using var responder = Responder(out _);
        responder.MarkPipelineBuilt();

        var advert = responder.Advertise(Service, Instance, Owner, "https");

        Assert.NotNull(advert);
        Assert.Equal(("https", responder.PublicKey, 1), (advert.Scheme, advert.PublicKey, advert.Version));
        var nonce = ProofOfLifeKey.NewNonce();
        using var verifier = ProofOfLifeKey.ImportPublicKey(advert.PublicKey)!;
        Assert.True(ProofOfLifeKey.Verify(verifier, responder.Answer(Service, Instance, nonce), Service, Instance, Owner, nonce));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Advertise_NoPipeline_NullAndNotAnswered()
    {
        var logs = new AwaitableFakeLogs();
        using var responder = new ProofOfLifeResponder(new FakeServerAddresses(), logs.CreateLogger<ProofOfLifeResponder>());

        Assert.Null(responder.Advertise(Service, Instance, Owner, "http"));
        Assert.Null(responder.Answer(Service, Instance, ProofOfLifeKey.NewNonce()));
        Assert.Contains("no web pipeline", Assert.Single(logs.Collector.GetEvents("ProofOfLifeNotAdvertised")).Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Advertise_NoServerAddresses_Null()
    {
        using var responder = Responder(out var server);
        responder.MarkPipelineBuilt();
        server.Addresses.Clear();

        Assert.Null(responder.Advertise(Service, Instance, Owner, "http"));
        Assert.Null(responder.Answer(Service, Instance, ProofOfLifeKey.NewNonce()));
    }

    [Theory]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    [InlineData(null)]
    [InlineData("ftp")]
    public void Advertise_RegisteredPortIsNoBindingOfThisServer_Null(string? scheme)
    {
        using var responder = Responder(out _);
        responder.MarkPipelineBuilt();

        Assert.Null(responder.Advertise(Service, Instance, Owner, scheme));
    }

    [Fact]
    public void Advertise_LaterNotPossible_StopsAnswering()
    {
        using var responder = Responder(out var server);
        responder.MarkPipelineBuilt();
        Assert.NotNull(responder.Advertise(Service, Instance, Owner, "http"));

        server.Addresses.Clear();

        Assert.Null(responder.Advertise(Service, Instance, Owner, "http"));
        Assert.Null(responder.Answer(Service, Instance, ProofOfLifeKey.NewNonce()));
    }

    [Fact]
    public void Withdraw_StopsAnsweringForThatIdentityOnly()
    {
        using var responder = Responder(out _);
        responder.MarkPipelineBuilt();
        responder.Advertise(Service, Instance, Owner, "http");
        responder.Advertise(Service, "i-2", Owner, "http");

        responder.Withdraw(Service, Instance);

        Assert.Null(responder.Answer(Service, Instance, ProofOfLifeKey.NewNonce()));
        Assert.NotNull(responder.Answer(Service, "i-2", ProofOfLifeKey.NewNonce()));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Middleware_AdvertisedIdentity_200WithTheSignatureAndNoStore()
    {
        using var responder = Advertising();
        var nonce = ProofOfLifeKey.NewNonce();
        var context = Request("GET", ProofOfLifeMiddleware.Path, $"?service={Service}&instance={Instance}&nonce={nonce}");

        await Middleware(responder).InvokeAsync(context);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("text/plain", context.Response.ContentType);
        Assert.Equal("no-store", context.Response.Headers.CacheControl.ToString());
        using var verifier = ProofOfLifeKey.ImportPublicKey(responder.PublicKey)!;
        Assert.True(ProofOfLifeKey.Verify(verifier, Body(context), Service, Instance, Owner, nonce));
    }

    [Fact]
    public async Task Middleware_EscapedInstanceId_IsDecodedBeforeTheLookup()
    {
        using var responder = Responder(out _);
        responder.MarkPipelineBuilt();
        responder.Advertise(Service, "i/a:b@c", Owner, "http");
        var nonce = ProofOfLifeKey.NewNonce();
        var context = Request("GET", ProofOfLifeMiddleware.Path, $"?service={Service}&instance={Uri.EscapeDataString("i/a:b@c")}&nonce={nonce}");

        await Middleware(responder).InvokeAsync(context);

        Assert.Equal(200, context.Response.StatusCode);
    }

    [Fact]
    public async Task Middleware_IdentityNotAdvertised_404()
    {
        using var responder = Advertising();
        var context = Request("GET", ProofOfLifeMiddleware.Path, $"?service={Service}&instance=i-other&nonce={ProofOfLifeKey.NewNonce()}");

        await Middleware(responder).InvokeAsync(context);

        Assert.Equal(404, context.Response.StatusCode);
        Assert.Equal(string.Empty, Body(context));
    }

    public static TheoryData<string> BadQueries() => new()
    {
        string.Empty,
        "?service=srv-1&instance=i-1",
        "?service=srv-1&nonce=" + ProofOfLifeKey.NewNonce(),
        "?instance=i-1&nonce=" + ProofOfLifeKey.NewNonce(),
        "?service=srv-1&instance=i-1&nonce=short",
        "?service=srv-1&instance=i-1&nonce=" + ProofOfLifeKey.NewNonce() + "&nonce=" + ProofOfLifeKey.NewNonce(),
        "?service=srv%201&instance=i-1&nonce=" + ProofOfLifeKey.NewNonce(),
        "?service=" + new string('s', 65) + "&instance=i-1&nonce=" + ProofOfLifeKey.NewNonce(),
        "?service=srv-1&instance=i%20space&nonce=" + ProofOfLifeKey.NewNonce(),
        "?service=srv-1&instance=" + new string('i', 65) + "&nonce=" + ProofOfLifeKey.NewNonce(),
        "?service=srv-1&instance=i-1&nonce=" + ProofOfLifeKey.NewNonce() + "&pad=" + new string('p', 600),
        "?service=srv-1&instance=i-1&nonce=%ZZ",
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task Middleware_MalformedQuery_400(string query)
    {
        using var responder = Advertising();
        var context = Request("GET", ProofOfLifeMiddleware.Path, query);

        await Middleware(responder).InvokeAsync(context);

        Assert.Equal(400, context.Response.StatusCode);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("HEAD")]
    [InlineData("PUT")]
    public async Task Middleware_OtherMethod_405(string method)
    {
        using var responder = Advertising();
        var context = Request(method, ProofOfLifeMiddleware.Path, $"?service={Service}&instance={Instance}&nonce={ProofOfLifeKey.NewNonce()}");

        await Middleware(responder).InvokeAsync(context);

        Assert.Equal(405, context.Response.StatusCode);
        Assert.Equal("GET", context.Response.Headers.Allow.ToString());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/.well-known/cloudmap-lifecycle/proof/")]
    [InlineData("/.WELL-KNOWN/cloudmap-lifecycle/proof")]
    [InlineData("/.well-known/cloudmap-lifecycle")]
    public async Task Middleware_OtherPath_GoesToTheApplication(string path)
    {
        using var responder = Advertising();
        var reached = false;
        var middleware = new ProofOfLifeMiddleware(_ => { reached = true; return Task.CompletedTask; }, responder);
        var context = Request("GET", path, $"?service={Service}&instance={Instance}&nonce={ProofOfLifeKey.NewNonce()}");

        await middleware.InvokeAsync(context);

        Assert.True(reached);
        Assert.Equal(200, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("Cache-Control"));
    }

    [Fact]
    public async Task ResolveTargetAsync_PortFromAnHttpsWildcardBinding_TheProofSchemeIsHttps()
    {
        using var h = new ServiceHarness(o => o.Port = null);
        h.Server.Addresses.Clear();
        h.Server.Addresses.Add("https://[::]:8443");
        h.Server.Addresses.Add("http://[::]:8080");

        var target = await h.Service.ResolveTargetAsync(Ct);

        Assert.Equal(("https", 8443), (target!.ProofScheme, target.Port));
    }

    [Fact]
    public async Task ResolveTargetAsync_ConfiguredPortNotBoundHere_NoProofScheme()
    {
        using var h = new ServiceHarness(o => o.Port = 9999);

        var target = await h.Service.ResolveTargetAsync(Ct);

        Assert.Null(target!.ProofScheme);
    }

    public static TheoryData<string[], int?, int, string, string?> Schemes() => new()
    {
        { ["http://[::]:8080"], null, 8080, "10.0.0.5", "http" },
        { ["https://0.0.0.0:8443", "http://0.0.0.0:8080"], null, 8443, "10.0.0.5", "https" },
        { ["https://0.0.0.0:8443", "http://0.0.0.0:8080"], 8080, 8080, "10.0.0.5", "http" },
        { ["http://+:80"], null, 80, "10.0.0.5", "http" },
        { ["http://localhost:5000"], null, 5000, "127.0.0.1", "http" },
        { ["http://10.0.0.5:8080"], null, 8080, "10.0.0.5", "http" },

        // Bound to another specific address than the registered one: a probe would not reach this server.
        { ["http://127.0.0.1:8080"], null, 8080, "10.0.0.5", null },

        // A configured port this server does not listen on (a proxy in front, another server).
        { ["http://0.0.0.0:8080"], 9000, 9000, "10.0.0.5", null },
    };

    [Theory]
    [MemberData(nameof(Schemes))]
    public void SchemeReaching_Bindings_TheSchemeOfTheBindingThatReachesTheRegisteredAddress(string[] addresses, int? configuredPort, int registeredPort, string address, string? expected)
    {
        var bound = addresses.Select(ServerBinding.Parse).OfType<ServerBinding>().ToList();

        Assert.Equal(expected, ServerBinding.SchemeReaching(bound, configuredPort, registeredPort, IPAddress.Parse(address), new Dictionary<int, int>()));
    }

    [Fact]
    public void SchemeReaching_EcsBridgeMapping_TheMappedBinding()
    {
        var bound = new[] { ServerBinding.Parse("https://[::]:8443")!.Value };

        Assert.Equal("https", ServerBinding.SchemeReaching(bound, 32768, 32768, IPAddress.Parse("10.0.0.5"), new Dictionary<int, int> { [8443] = 32768 }));
    }

    [Fact]
    public void Build_WithAndWithoutAdvert_OnlyTheLibraryAdvertises()
    {
        var advert = new ProofOfLifeAdvert(1, "http", "key");
        IEnumerable<KeyValuePair<string, string>> custom = [new(ProofOfLifeAdvert.AttributeKey, "v1 http forged")];

        var with = RegistrationAttributes.Build(IPAddress.Loopback, 80, Owner, Lifecycle.Client.ServiceHealthCheckKind.Custom, CloudMapHealthStatus.Healthy, custom, advert);
        var without = RegistrationAttributes.Build(IPAddress.Loopback, 80, Owner, Lifecycle.Client.ServiceHealthCheckKind.Custom, CloudMapHealthStatus.Healthy, custom);

        Assert.Equal("v1 http key", with[ProofOfLifeAdvert.AttributeKey]);
        Assert.False(without.ContainsKey(ProofOfLifeAdvert.AttributeKey));
    }

    private static ProofOfLifeResponder Responder(out FakeServerAddresses server)
    {
        server = new FakeServerAddresses();
        return new ProofOfLifeResponder(server);
    }

    private static ProofOfLifeResponder Advertising()
    {
        var responder = Responder(out _);
        responder.MarkPipelineBuilt();
        Assert.NotNull(responder.Advertise(Service, Instance, Owner, "http"));
        return responder;
    }

    private static ProofOfLifeMiddleware Middleware(ProofOfLifeResponder responder) =>
        new(_ => throw new InvalidOperationException("The probe reached the application."), responder);

    private static DefaultHttpContext Request(string method, string path, string query)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        context.Response.Body = new MemoryStream();
        return context;
    }

    private static string Body(HttpContext context) =>
        System.Text.Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
}
