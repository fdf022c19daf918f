// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text;
using CloudMap.Lifecycle.Testing.Internal.Platform;
using Microsoft.AspNetCore.Http;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// The platform's metadata endpoints, so that a process can run as one of the emulated tasks or instances:
/// <c>/_emulator/metadata/ecs/&lt;task-id&gt;</c> is that task's <c>ECS_CONTAINER_METADATA_URI_V4</c> (GET it for the
/// container, GET <c>/task</c> for the task), <c>/_emulator/metadata/ec2/&lt;instance-id&gt;/</c> that instance's
/// <c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c> (IMDSv2 only: <c>PUT latest/api/token</c>, then GETs carrying the token; a
/// GET without a valid token is 401, as on an instance with <c>HttpTokens=required</c>).
/// </summary>
/// <remarks>
/// These are not AWS operations: they are neither counted nor in the request log, like the rest of <c>/_emulator</c>,
/// and they pass the same browser guard. Answers follow the real services: ECS JSON (<c>application/json</c>); IMDS
/// <c>text/plain</c>, 400 for a missing or out-of-range TTL, 403 for a token request that came through a proxy
/// (<c>X-Forwarded-For</c>), 404 for an unknown path, 405 for another method.
/// </remarks>
internal sealed partial class EmulatorServer
{
    /// <summary>The path prefix of the metadata endpoints.</summary>
    public const string MetadataPrefix = "/_emulator/metadata/";

    private const string TokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
    private const string TokenHeader = "X-aws-ec2-metadata-token";

    private async Task HandleMetadataAsync(HttpContext context, string path)
    {
        var (status, body, contentType, extraHeader) = platform is null
            ? (404, "This emulator does not play the platform (ECS, EC2).", "text/plain", null)
            : Metadata(context.Request, platform, path[MetadataPrefix.Length..]);
        if (extraHeader is { } header)
        {
            context.Response.Headers[header.Name] = header.Value;
        }

        context.Response.Headers.CacheControl = "no-store";
        await WriteAsync(context, status, Encoding.UTF8.GetBytes(body), contentType).ConfigureAwait(false);
    }

    private static (int Status, string Body, string ContentType, (string Name, string Value)? Header) Metadata(HttpRequest request, PlatformState platformState, string route)
    {
        var parts = route.Split('/', 3);
        if (parts.Length < 2 || parts[1].Length == 0)
        {
            return NotFound("Metadata is served under /_emulator/metadata/ecs/<task-id> and /_emulator/metadata/ec2/<instance-id>/.");
        }

        var rest = parts.Length == 3 ? parts[2] : string.Empty;
        return parts[0] switch
        {
            "ecs" => EcsMetadata(request, platformState, parts[1], rest),
            "ec2" => Ec2Metadata(request, platformState, parts[1], rest),
            _ => NotFound($"No metadata for platform '{parts[0]}': ecs or ec2."),
        };
    }

    private static (int, string, string, (string, string)?) EcsMetadata(HttpRequest request, PlatformState platformState, string taskId, string rest)
    {
        if (!HttpMethods.IsGet(request.Method))
        {
            return (405, "Task metadata answers GET only.", "text/plain", null);
        }

        var document = rest.TrimEnd('/') switch
        {
            "" => platformState.EcsContainerMetadata(taskId),
            "task" => platformState.EcsTaskMetadata(taskId),
            _ => null,
        };
        return document is null
            ? NotFound($"No task '{taskId}' (or no such metadata path '{rest}'): the emulator serves the container (GET) and /task.")
            : (200, document.ToJsonString(), "application/json", null);
    }

    private static (int, string, string, (string, string)?) Ec2Metadata(HttpRequest request, PlatformState platformState, string instanceId, string rest)
    {
        if (rest == "latest/api/token")
        {
            if (!HttpMethods.IsPut(request.Method))
            {
                return (405, "The token is issued by PUT only.", "text/plain", null);
            }

            if (request.Headers.ContainsKey("X-Forwarded-For"))
            {
                return (403, "Forbidden: a token request that went through a proxy (X-Forwarded-For) is refused.", "text/plain", null);
            }

            var ttlText = request.Headers[TokenTtlHeader].ToString();
            if (!int.TryParse(ttlText, NumberStyles.None, CultureInfo.InvariantCulture, out var ttl) || ttl is < 1 or > PlatformState.MaxTokenTtlSeconds)
            {
                return (400, $"{TokenTtlHeader} must be a number of seconds from 1 to {PlatformState.MaxTokenTtlSeconds}, not '{ttlText}'.", "text/plain", null);
            }

            return platformState.IssueImdsToken(instanceId, ttl) is { } issued
                ? (200, issued, "text/plain", (TokenTtlHeader, ttl.ToString(CultureInfo.InvariantCulture)))
                : NotFound($"No running instance '{instanceId}'.");
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return (405, "Instance metadata answers GET only (and PUT latest/api/token).", "text/plain", null);
        }

        var token = request.Headers[TokenHeader].ToString();
        if (token.Length == 0 || !platformState.IsValidImdsToken(instanceId, token))
        {
            // IMDSv1 (no token) is refused: the emulated instances require IMDSv2, as every instance should.
            return (401, "Unauthorized: IMDSv2 only; PUT latest/api/token first and send the token in X-aws-ec2-metadata-token.", "text/plain", null);
        }

        return rest.StartsWith("latest/", StringComparison.Ordinal) && platformState.Ec2Metadata(instanceId, rest["latest/".Length..]) is { } value
            ? (200, value, "text/plain", null)
            : NotFound($"No metadata at '{rest}' for instance '{instanceId}'.");
    }

    private static (int, string, string, (string, string)?) NotFound(string message) => (404, message, "text/plain", null);
}
