// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;

namespace CloudMap.Lifecycle.Client;

/// <summary>Builds and SigV4-signs AWS JSON 1.1 requests to Cloud Map.</summary>
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
    {
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };

        // Set without validation so no "; charset=utf-8" is appended: the Content-Type sent must be the one signed.
        request.Content.Headers.TryAddWithoutValidation("Content-Type", JsonContentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", TargetPrefix + operation);
        return request;
    }

    /// <summary>
    /// Signs <paramref name="request"/> for <paramref name="signedAt"/> (taken from the injected TimeProvider, so
    /// every attempt is signed afresh and tests get deterministic signatures) and adds Authorization,
    /// X-Amz-Date, X-Amz-Content-SHA256 and, for session credentials, X-Amz-Security-Token.
    /// </summary>
    public static async Task SignAsync(
        HttpRequestMessage request,
        byte[] body,
        AWSCredentials credentials,
        string region,
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
        signingRequest.Headers["Content-Type"] = JsonContentType;
        signingRequest.Headers["X-Amz-Target"] = string.Join(',', request.Headers.GetValues("X-Amz-Target"));

        var parameters = new AWSSigV4Parameters
        {
            Credentials = credentials,
            Region = RegionEndpoint.GetBySystemName(region),
            Service = SigningName,
            SignedAt = signedAt.UtcDateTime,
        };

        var result = await AWSSigV4Signer.SignAsync(signingRequest, parameters, cancellationToken).ConfigureAwait(false);
        foreach (var header in result.Headers)
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }
}
