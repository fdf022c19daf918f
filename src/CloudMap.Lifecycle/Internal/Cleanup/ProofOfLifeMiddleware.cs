// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using CloudMap.Lifecycle.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CloudMap.Lifecycle.Internal.Cleanup;

/// <summary>
/// Answers <c>GET /.well-known/cloudmap-lifecycle/proof?service=&amp;instance=&amp;nonce=</c>: 200 with the signature for
/// an identity this process advertises, 404 for any other, 400 for a malformed query, 405 for another method. Every
/// other request goes on to the application untouched. Quiet: it logs nothing per request.
/// </summary>
internal sealed class ProofOfLifeMiddleware(RequestDelegate next, ProofOfLifeResponder responder)
{
    /// <summary>The path probes ask.</summary>
    public const string Path = "/.well-known/cloudmap-lifecycle/proof";

    /// <summary>The longest query accepted (the three parameters need far less); longer is a 400 before parsing.</summary>
    public const int MaxQueryLength = 512;

    /// <summary>The longest service id accepted (<c>srv-</c> and a few characters in practice).</summary>
    public const int MaxServiceIdLength = 64;

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // Ordinal and exact: /.WELL-KNOWN/... or a trailing slash belongs to the application.
        if (!string.Equals(context.Request.Path.Value, Path, StringComparison.Ordinal))
        {
            return next(context);
        }

        return Answer(context);
    }

    private Task Answer(HttpContext context)
    {
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        if (!HttpMethods.IsGet(context.Request.Method))
        {
            response.Headers.Allow = HttpMethods.Get;
            return Status(response, StatusCodes.Status405MethodNotAllowed);
        }

        if (context.Request.QueryString.Value is not { Length: > 0 and <= MaxQueryLength }
            || !TryGetSingle(context.Request.Query, "service", out var serviceId) || !IsServiceId(serviceId)
            || !TryGetSingle(context.Request.Query, "instance", out var instanceId) || !InstanceIdRule.IsValid(instanceId)
            || !TryGetSingle(context.Request.Query, "nonce", out var nonce) || !ProofOfLifeKey.IsNonce(nonce))
        {
            return Status(response, StatusCodes.Status400BadRequest);
        }

        var signature = responder.Answer(serviceId, instanceId, nonce);
        if (signature is null)
        {
            return Status(response, StatusCodes.Status404NotFound);
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/plain";
        response.ContentLength = signature.Length;
        return response.WriteAsync(signature, context.RequestAborted);
    }

    private static Task Status(HttpResponse response, int status)
    {
        response.StatusCode = status;
        response.ContentLength = 0;
        return Task.CompletedTask;
    }

    private static bool TryGetSingle(IQueryCollection query, string key, out string value)
    {
        value = string.Empty;
        if (!query.TryGetValue(key, out var values) || values.Count != 1 || values[0] is not { } single)
        {
            return false;
        }

        value = single;
        return true;
    }

    private static bool IsServiceId(string serviceId)
    {
        if (serviceId.Length is 0 or > MaxServiceIdLength)
        {
            return false;
        }

        foreach (var c in serviceId)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
