// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.TestInfrastructure;
using System.Net;
using CloudMap.Lifecycle.Internal.Cleanup;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace CloudMap.Lifecycle.IntegrationTests.Cleanup;

/// <summary>
/// The answering side in a real Kestrel app: served automatically, ahead of whatever the app puts in its pipeline
/// (host filtering, a fallback authorization policy, HTTPS redirection, a catch-all), and advertised in the
/// registration only when a probe can reach it.
/// </summary>
public sealed class ProofOfLifeAnsweringTests
{
    private static readonly TimeSpan AnswerGuard = TimeSpan.FromSeconds(10);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Register_KestrelApp_AdvertisesTheProcessKeyInTheRegistration()
    {
        await using var app = await ProofOfLifeApp.StartAsync();

        var advert = app.Advert;

        Assert.NotNull(advert);
        Assert.Equal($"v1 http {app.App.Services.GetRequiredService<ProofOfLifeResponder>().PublicKey}", app.Attributes[ProofOfLifeAdvert.AttributeKey]);
        Assert.Single(app.Logs.Collector.GetEvents("ProofOfLifeAdvertised"));
        Assert.Empty(app.Logs.Collector.GetEvents("ProofOfLifeNotAdvertised"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Register_AnswerProbesFalse_NoAdvertAndNoAnswer()
    {
        await using var app = await ProofOfLifeApp.StartAsync(settings: new Dictionary<string, string?> { ["CloudMap:Cleanup:AnswerProbes"] = "false" });
        using var prober = new HttpPeerProber(TimeProvider.System);
        using var key = new ProofOfLifeKey();
        var port = app.ListeningUri.Port;

        var result = await prober.ProbeAsync(
            new PeerTarget(app.ServiceId, ProofOfLifeApp.InstanceId, app.Attributes["CLOUDMAP_LIFECYCLE_OWNER"], IPAddress.Loopback, port, new ProofOfLifeAdvert(1, "http", key.PublicKey)),
            AnswerGuard,
            Token);

        Assert.False(app.Attributes.ContainsKey(ProofOfLifeAdvert.AttributeKey));
        Assert.Null(app.Advert);
        Assert.Contains("404", result.Detail, StringComparison.Ordinal);
        Assert.Empty(app.Logs.Collector.GetEvents("ProofOfLifeNotAdvertised"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Register_ServerBoundToAnotherAddressThanRegistered_NoAdvert()
    {
        // Bound to 127.0.0.1 but registering 10.255.255.1: a peer's probe would never reach this server, so it must
        // not be judged by one. (Nothing is sent to that address: the library never probes itself.)
        await using var app = await ProofOfLifeApp.StartAsync(settings: new Dictionary<string, string?> { ["CloudMap:Address"] = "10.255.255.1" });

        Assert.Null(app.Advert);
        Assert.Contains("not an http or https binding", Assert.Single(app.Logs.Collector.GetEvents("ProofOfLifeNotAdvertised")).Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> HostilePipelines() => ["host filtering", "fallback authorization", "https redirection", "catch-all"];

    [Theory]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    [MemberData(nameof(HostilePipelines))]
    public async Task Probe_WhateverThePipelineDoes_AnsweredFirst(string pipeline)
    {
        await using var app = await ProofOfLifeApp.StartAsync(
            settings: pipeline == "host filtering" ? new Dictionary<string, string?> { ["AllowedHosts"] = "example.com" } : null,
            configureBuilder: builder =>
            {
                if (pipeline == "fallback authorization")
                {
                    builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
                    builder.Services.AddAuthorization(o => o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
                }
                else if (pipeline == "https redirection")
                {
                    builder.Services.AddHttpsRedirection(o => o.HttpsPort = 443);
                }
            },
            configureApp: web =>
            {
                if (pipeline == "https redirection")
                {
                    web.UseHttpsRedirection();
                }

                if (pipeline == "catch-all")
                {
                    web.MapGet("/{**path}", () => "catch-all");
                    web.Run(context => context.Response.WriteAsync("terminal"));
                }
                else
                {
                    web.MapGet("/", () => "home");
                }
            });
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });
        using var prober = new HttpPeerProber(TimeProvider.System);

        using var home = await http.GetAsync(app.ListeningUri, Token);
        var probe = await prober.ProbeAsync(app.Target(), AnswerGuard, Token);

        // The app's own pipeline is really in force for its requests...
        var expected = pipeline switch
        {
            "host filtering" => HttpStatusCode.BadRequest,
            "fallback authorization" => HttpStatusCode.Redirect,
            "https redirection" => HttpStatusCode.TemporaryRedirect,
            _ => HttpStatusCode.OK,
        };
        Assert.Equal(expected, home.StatusCode);

        // ...and the probe never meets it.
        Assert.True(probe.Outcome == PeerProbeOutcome.Alive, probe.Detail);
    }

    [Fact]
    public async Task Endpoint_MalformedProbe_400AndNoStore()
    {
        await using var app = await ProofOfLifeApp.StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });

        using var response = await http.GetAsync(new Uri(app.ListeningUri, ProofOfLifeMiddleware.Path + "?service=srv-1&instance=proof-1&nonce=echo"), Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
    }
}
