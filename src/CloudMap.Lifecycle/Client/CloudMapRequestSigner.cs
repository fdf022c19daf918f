// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// Builds and SigV4-signs requests to Cloud Map (AWS JSON 1.1), and to the other AWS services the library asks
/// (ECS DescribeTasks, AWS JSON 1.1; EC2 DescribeInstances, Query) through the same signer.
/// </summary>
internal static class CloudMapRequestSigner
{
    /// <summary>The SigV4 signing name of Cloud Map (both planes).</summary>
    public const string SigningName = "servicediscovery";

    /// <summary>The exact Content-Type sent and signed (no charset parameter).</summary>
    public const string JsonContentType = "application/x-amz-json-1.1";

    /// <summary>The X-Amz-Target prefix of the 2017-03-14 API.</summary>
    public const string TargetPrefix = "Route53AutoNaming_v20170314.";

    /// <summary>Creates the unsigned POST with the exact headers the signature covers.</summary>
    public static HttpRequestMessage CreateRequest(Uri uri, string operation, byte[] body)
        => CreateRequest(uri, JsonContentType, TargetPrefix + operation, body);

    /// <summary>
    /// Creates an unsigned POST of <paramref name="body"/> with exactly <paramref name="contentType"/> and, when not
    /// <see langword="null"/>, <paramref name="target"/> as <c>X-Amz-Target</c> (AWS JSON protocols; Query has none).
    /// </summary>
    public static HttpRequestMessage CreateRequest(Uri uri, string contentType, string? target, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };

        // Set without validation so no "; charset=utf-8" is appended: the Content-Type sent must be the one signed.
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (target is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        }

        return request;
    }

    /// <summary>
    /// Signs <paramref name="request"/> for <paramref name="signedAt"/> (taken from the injected TimeProvider, so
    /// every attempt is signed afresh and tests get deterministic signatures) and adds Authorization,
    /// X-Amz-Date, X-Amz-Content-SHA256 and, for session credentials, X-Amz-Security-Token.
    /// </summary>
    public static Task SignAsync(
        HttpRequestMessage request,
        byte[] body,
        AWSCredentials credentials,
        string region,
        DateTimeOffset signedAt,
        CancellationToken cancellationToken)
        => SignAsync(request, body, credentials, region, SigningName, signedAt, cancellationToken);

    /// <summary>Signs <paramref name="request"/> for <paramref name="signingName"/> (<c>ecs</c>, <c>ec2</c>, ...); see the other overload.</summary>
    public static async Task SignAsync(
        HttpRequestMessage request,
        byte[] body,
        AWSCredentials credentials,
        string region,
        string signingName,
        DateTimeOffset signedAt,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.RequestUri);

        foreach (var name in (string[])["Authorization", "X-Amz-Date", "X-Amz-Content-SHA256", "X-Amz-Security-Token"])
        {
            request.Headers.Remove(name);
        }

        var signingRequest = new AWSSigningRequest
        {
            HttpMethod = request.Method,
            RequestUri = request.RequestUri,
            Content = body,
        };
        signingRequest.Headers["Content-Type"] = request.Content?.Headers.TryGetValues("Content-Type", out var types) == true ? string.Join(',', types) : JsonContentType;
        if (request.Headers.TryGetValues("X-Amz-Target", out var targets))
        {
            signingRequest.Headers["X-Amz-Target"] = string.Join(',', targets);
        }

        var parameters = new AWSSigV4Parameters
        {
            Credentials = credentials,
            Region = RegionEndpoint.GetBySystemName(region),
            Service = signingName,
            SignedAt = signedAt.UtcDateTime,
        };

        var result = await AWSSigV4Signer.SignAsync(signingRequest, parameters, cancellationToken).ConfigureAwait(false);
        foreach (var header in result.Headers)
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }
}
