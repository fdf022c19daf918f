// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>
/// A loopback relay in front of an emulator that logs which Cloud Map operations (<c>X-Amz-Target</c>) one process
/// sends, so two processes sharing an instance id can be told apart (the emulator's own log cannot say who called).
/// It forwards the request unchanged (the signed <c>Host</c> header included) and relays the answer; a client that gives
/// up cancels the forwarded request too (so the emulator never applies a call its caller abandoned), and a connection the
/// emulator drops is dropped downstream as well.
/// </summary>
/// <remarks>
/// A few lines over Kestrel and HttpClient rather than YARP: the scenario suite only needs a counting pass-through, and
/// adding a package version is outside the suite's files.
/// </remarks>
internal sealed class CountingProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Host", "Expect", "Upgrade", "Proxy-Connection", "TE", "Trailer",
    };

    private readonly WebApplication app;
    private readonly HttpClient upstream;
    private readonly Uri target;

    private CountingProxy(WebApplication app, Uri target)
    {
        this.app = app;
        this.target = target;
#pragma warning disable CA2000 // The handler is owned and disposed by the HttpClient.
        upstream = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
#pragma warning restore CA2000
    }

    /// <summary>Gets the relay's address, to configure a process's Cloud Map client with.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Gets the calls relayed so far.</summary>
    public ProcessCallLog Calls { get; } = new();

    public static async Task<CountingProxy> StartAsync(Uri target, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var proxy = new CountingProxy(app, target);
        app.Run(proxy.ForwardAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        proxy.Endpoint = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        upstream.Dispose();
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var amzTarget = context.Request.Headers["X-Amz-Target"].ToString();
        Calls.Add(amzTarget[(amzTarget.LastIndexOf('.') + 1)..], Clock.Now);
        var aborted = context.RequestAborted;
        try
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, aborted).ConfigureAwait(false);
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(target, context.Request.Path + context.Request.QueryString))
            {
                Content = new ByteArrayContent(body.ToArray()),
            };
            foreach (var (name, values) in context.Request.Headers)
            {
                if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                {
                    request.Headers.Host = values.ToString();
                }
                else if (!HopByHop.Contains(name) && !request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
                {
                    request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
                }
            }

            using var response = await upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, aborted).ConfigureAwait(false);
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHop.Contains(name))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }

            context.Response.ContentLength = response.Content.Headers.ContentLength;
            await response.Content.CopyToAsync(context.Response.Body, aborted).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            // The emulator dropped the connection (an injected fault): the caller sees the same.
            context.Abort();
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The caller gave up (its attempt timed out); the forwarded request was cancelled with it.
        }
    }
}
