// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>A request the scripted server received.</summary>
internal sealed record RecordedRequest(string Method, string Path, string Host, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string Target => Headers.TryGetValue("X-Amz-Target", out var target) ? target : string.Empty;

    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : string.Empty;
}

/// <summary>
/// A Kestrel server on 127.0.0.1, port 0, that records every request and answers each one with the next
/// scripted reply (or <see cref="Fallback"/> when the script is exhausted).
/// </summary>
internal sealed class ScriptedCloudMapServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _script = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private readonly Lock _lock = new();

    private ScriptedCloudMapServer(WebApplication app)
    {
        _app = app;
    }

    public Uri Url { get; private set; } = null!;

    public int Port => Url.Port;

    /// <summary>Gets or sets the reply used once the script is empty: HTTP 500 with a clear body by default.</summary>
    public Func<HttpContext, Task> Fallback { get; set; } = ctx => WriteAsync(ctx, HttpStatusCode.InternalServerError, """{"__type":"Unscripted","message":"no scripted reply left"}""");

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<ScriptedCloudMapServer> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new ScriptedCloudMapServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Url = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return server;
    }

    public static Task WriteAsync(HttpContext context, HttpStatusCode status, string body, string? requestId = "req-0001", IReadOnlyDictionary<string, string>? headers = null, string contentType = "application/x-amz-json-1.1")
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = contentType;
        if (requestId is not null)
        {
            context.Response.Headers["x-amzn-RequestId"] = requestId;
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        return context.Response.WriteAsync(body);
    }

    public ScriptedCloudMapServer Reply(string body, HttpStatusCode status = HttpStatusCode.OK, string? requestId = "req-0001", IReadOnlyDictionary<string, string>? headers = null, string contentType = "application/x-amz-json-1.1")
    {
        _script.Enqueue(ctx => WriteAsync(ctx, status, body, requestId, headers, contentType));
        return this;
    }

    public ScriptedCloudMapServer ReplyError(string type, string message = "boom", HttpStatusCode status = HttpStatusCode.BadRequest, string? requestId = "req-err")
        => Reply($$"""{"__type":"{{type}}","Message":"{{message}}"}""", status, requestId);

    /// <summary>Never answers: waits until the client gives up (cancels or times out) and the connection is aborted.</summary>
    public ScriptedCloudMapServer Hang()
    {
        _script.Enqueue(async ctx =>
        {
            var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = ctx.RequestAborted.Register(() => aborted.TrySetResult());
            await aborted.Task.ConfigureAwait(false);
        });
        return this;
    }

    /// <summary>Drops the connection without an answer.</summary>
    public ScriptedCloudMapServer Abort()
    {
        _script.Enqueue(ctx =>
        {
            ctx.Abort();
            return Task.CompletedTask;
        });
        return this;
    }

    public ScriptedCloudMapServer Then(Func<HttpContext, Task> reply)
    {
        _script.Enqueue(reply);
        return this;
    }

    /// <summary>Completes once at least <paramref name="count"/> requests were received.</summary>
    public Task WaitForRequestsAsync(int count)
    {
        lock (_lock)
        {
            if (_requests.Count >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var recorded = new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "/", context.Request.Host.Value ?? string.Empty, headers, body);
        List<TaskCompletionSource> ready = [];
        lock (_lock)
        {
            _requests.Add(recorded);
            foreach (var waiter in _waiters.Where(w => _requests.Count >= w.Count).ToList())
            {
                _waiters.Remove(waiter);
                ready.Add(waiter.Done);
            }
        }

        foreach (var done in ready)
        {
            done.TrySetResult();
        }

        var reply = _script.TryDequeue(out var next) ? next : Fallback;
        await reply(context).ConfigureAwait(false);
    }
}
