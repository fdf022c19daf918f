// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// The HTTP front: <c>POST /</c> with <c>X-Amz-Target</c> goes to the AWS JSON 1.1 dispatcher, <c>/_emulator/*</c> to the
/// admin API, <c>GET /</c> to the dashboard. The two APIs never reach each other: admin paths are not AWS operations,
/// and the dispatcher only knows AWS operation names.
/// </summary>
internal sealed partial class EmulatorServer(EmulatorState state, EmulatorFaults faults, RequestRecorder recorder, SigV4Verifier? verifier)
{
    public const string TargetPrefix = "Route53AutoNaming_v20170314.";
    public const string JsonContentType = "application/x-amz-json-1.1";
    private const int MaxBodyBytes = 1 << 20;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly TimeProvider _time = state.Time;

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        var path = request.Path.HasValue ? request.Path.Value! : "/";
        try
        {
            if (path.StartsWith("/_emulator/", StringComparison.Ordinal) || path == "/_emulator")
            {
                await HandleAdminAsync(context, path).ConfigureAwait(false);
            }
            else if (path == "/" && HttpMethods.IsPost(request.Method))
            {
                await HandleAwsAsync(context).ConfigureAwait(false);
            }
            else if (path == "/" && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
            {
                await WriteDashboardAsync(context).ConfigureAwait(false);
            }
            else
            {
                await WriteJsonAsync(context, 404, new JsonObject { ["error"] = $"No route for {request.Method} {path}." }, "application/json").ConfigureAwait(false);
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

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body, string contentType)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString(contentType == JsonContentType ? null : Indented));
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    private static Task WriteErrorAsync(HttpContext context, AwsErrorException error)
    {
        var body = new JsonObject { ["__type"] = error.Code, ["Message"] = error.Message };
        if (error.Extra is not null)
        {
            foreach (var (key, value) in error.Extra)
            {
                body[key] = value;
            }
        }

        context.Response.Headers["X-Amzn-ErrorType"] = error.Code;
        return WriteJsonAsync(context, error.StatusCode, body, JsonContentType);
    }

    private async Task HandleAwsAsync(HttpContext context)
    {
        var started = _time.GetTimestamp();
        var arrived = _time.GetUtcNow();
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var operation = target.StartsWith(TargetPrefix, StringComparison.Ordinal) ? target[TargetPrefix.Length..] : null;
        var known = operation is not null && EmulatorState.Operations.Contains(operation);
        var name = known ? operation! : (string.IsNullOrEmpty(target) ? "(none)" : "(unknown)");
        recorder.Count(name);

        JsonObject? result = null;
        AwsErrorException? error = null;
        var injected = false;
        var throttled = false;
        try
        {
            var body = await ReadBodyAsync(context).ConfigureAwait(false)
                ?? throw new AwsErrorException("SerializationException", "The request body is too large.", 413);
            if (!known)
            {
                throw new AwsErrorException("UnknownOperationException", string.IsNullOrEmpty(target) ? "Missing X-Amz-Target header." : $"Unknown operation '{target}'.");
            }

            verifier?.Verify(context.Request, body);

            var decision = faults.Evaluate(name);
            if (decision.Latency > TimeSpan.Zero)
            {
                await Task.Delay(decision.Latency, _time, context.RequestAborted).ConfigureAwait(false);
            }

            if (decision.Drop)
            {
                // Record before aborting: the client sees the reset at once and may read the log right away.
                recorder.Record(new EmulatedRequest(arrived, name, 0, null, _time.GetElapsedTime(started), injected: true), throttled: false);
                context.Abort();
                return;
            }

            if (decision.Error is not null)
            {
                injected = true;
                throttled = decision.Throttled;
                throw decision.Error;
            }

            JsonObject input;
            try
            {
                input = body.Length == 0 ? [] : JsonNode.Parse(body) as JsonObject ?? throw new JsonException("The body is not a JSON object.");
            }
            catch (JsonException e)
            {
                throw new AwsErrorException("SerializationException", "The request body is not valid JSON: " + e.Message);
            }

            var failCode = EmulatorState.AsyncOperations.Contains(name) ? decision.FailCode : null;
            injected = failCode is not null;
            result = state.Execute(name, input, failCode);
        }
        catch (AwsErrorException e)
        {
            error = e;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error = new AwsErrorException("InternalFailure", "The emulator failed: " + e.Message, 500);
        }

        // Record before answering, so a caller that reads counters or the log after its answer sees its own request.
        recorder.Record(new EmulatedRequest(arrived, name, error?.StatusCode ?? 200, error?.Code, _time.GetElapsedTime(started), injected), throttled);
        if (error is not null)
        {
            await WriteErrorAsync(context, error).ConfigureAwait(false);
        }
        else
        {
            await WriteJsonAsync(context, 200, result!, JsonContentType).ConfigureAwait(false);
        }
    }

    private async Task HandleAdminAsync(HttpContext context, string path)
    {
        var method = context.Request.Method;
        var route = path["/_emulator".Length..].TrimEnd('/');
        JsonNode? response;
        try
        {
            response = (method, route) switch
            {
                ("GET", "/state") => state.ToStateJson(50),
                ("GET", "/calls") => recorder.CallsJson(),
                ("GET", "/requests") => new JsonObject { ["requests"] = recorder.LogJson(Limit(context)) },
                ("GET", "/faults") => faults.ToJson(),
                ("POST", "/faults") => AddFault(await ReadAdminBodyAsync(context).ConfigureAwait(false)),
                ("DELETE", "/faults") => ClearFaults(),
                ("POST", "/settings") => ApplySettings(await ReadAdminBodyAsync(context).ConfigureAwait(false)),
                ("POST", "/reset") => Reset(),
                ("GET", "/dashboard") => null,
                _ => throw new AdminException(404, $"No admin route for {method} {path}."),
            };
        }
        catch (AdminException e)
        {
            await WriteJsonAsync(context, e.StatusCode, new JsonObject { ["error"] = e.Message }, "application/json").ConfigureAwait(false);
            return;
        }

        if (response is null)
        {
            await WriteDashboardAsync(context).ConfigureAwait(false);
            return;
        }

        context.Response.Headers.CacheControl = "no-store";
        await WriteJsonAsync(context, 200, response, "application/json").ConfigureAwait(false);
    }

    private static int Limit(HttpContext context) =>
        int.TryParse(context.Request.Query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit > 0 ? limit : 100;

    private static async Task<JsonObject> ReadAdminBodyAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context).ConfigureAwait(false) ?? throw new AdminException(413, "The body is too large.");
        try
        {
            return body.Length == 0 ? [] : JsonNode.Parse(body) as JsonObject ?? throw new AdminException(400, "The body must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw new AdminException(400, "The body is not valid JSON: " + e.Message);
        }
    }

    private JsonObject ClearFaults()
    {
        faults.Clear();
        return faults.ToJson();
    }

    private JsonObject Reset()
    {
        recorder.Reset();
        return new JsonObject { ["reset"] = true };
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
