// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text;
using Microsoft.AspNetCore.Http;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// The HTTP front: <c>POST /</c> with <c>X-Amz-Target</c> goes to the AWS JSON 1.1 dispatcher (<c>.Aws</c>), <c>/_emulator/metadata/*</c>
/// to the platform's metadata endpoints (<c>.Metadata</c>), <c>/_emulator/*</c> to the admin API (<c>.Admin</c>), <c>GET /</c> to the dashboard. The two APIs never reach each other: admin paths are
/// not AWS operations, and the dispatcher only knows the operations in its tables. Requests a web page could send are
/// refused before routing (<c>.Guard</c>).
/// </summary>
internal sealed partial class EmulatorServer(
    IReadOnlyList<AwsJsonService> services,
    EmulatorState state,
    EmulatorFaults faults,
    RequestRecorder recorder,
    SigV4Verifier? verifier,
    IEnumerable<string>? allowedHosts = null,
    Platform.PlatformState? platform = null)
{
    public const string JsonContentType = "application/x-amz-json-1.1";
    private const string AdminContentType = "application/json";
    private const int MaxBodyBytes = 1 << 20;

    private readonly TimeProvider _time = state.Time;
    private readonly HashSet<string> _allowedHosts = ReadAllowedHosts(allowedHosts);

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        var path = request.Path.HasValue ? request.Path.Value! : "/";
        try
        {
            var awsRoute = path == "/" && HttpMethods.IsPost(request.Method);
            if (Refusal(request, awsRoute) is { } refusal)
            {
                await WriteAsync(context, refusal.Status, EmulatorJson.AdminBytes(new AdminErrorDocument(refusal.Message)), AdminContentType).ConfigureAwait(false);
                return;
            }

            if (path.StartsWith(MetadataPrefix, StringComparison.Ordinal))
            {
                await HandleMetadataAsync(context, path).ConfigureAwait(false);
            }
            else if (path.StartsWith("/_emulator/", StringComparison.Ordinal) || path == "/_emulator")
            {
                await HandleAdminAsync(context, path).ConfigureAwait(false);
            }
            else if (awsRoute)
            {
                await HandleAwsAsync(context).ConfigureAwait(false);
            }
            else if (path == "/" && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
            {
                await WriteDashboardAsync(context).ConfigureAwait(false);
            }
            else
            {
                await WriteAsync(context, 404, EmulatorJson.AdminBytes(new AdminErrorDocument($"No route for {request.Method} {path}.")), AdminContentType).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (or the emulator is stopping): nothing to answer.
        }
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
            {
                return null;
            }
        }

        return buffer.ToArray();
    }

    private static async Task WriteAsync(HttpContext context, int status, byte[] body, string contentType)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private static Task WriteDashboardAsync(HttpContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var bytes = Encoding.UTF8.GetBytes(DashboardPage.Html);
        context.Response.ContentLength = bytes.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }
}
