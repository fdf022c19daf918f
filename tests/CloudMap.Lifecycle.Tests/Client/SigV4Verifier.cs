// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Security.Cryptography;
using System.Text;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>
/// An independent SigV4 check of a request as it arrived on the wire: recomputes the signature from the
/// received headers, path and body (as Cloud Map would) and compares it with the Authorization header.
/// </summary>
internal static class SigV4Verifier
{
    public static bool IsValid(RecordedRequest request, string secretKey)
    {
        var authorization = request.Header("Authorization");
        const string prefix = "AWS4-HMAC-SHA256 ";
        if (!authorization.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = authorization[prefix.Length..].Split(", ").Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        var scope = parts["Credential"].Split('/', 2)[1];
        var scopeParts = scope.Split('/');
        var signedHeaders = parts["SignedHeaders"].Split(';');
        var canonicalHeaders = string.Concat(signedHeaders.Select(h => $"{h}:{(h == "host" ? request.Host : request.Header(h)).Trim()}\n"));
        var payloadHash = Hex(SHA256.HashData(Encoding.UTF8.GetBytes(request.Body)));
        var canonicalRequest = string.Join('\n', request.Method, request.Path, string.Empty, canonicalHeaders, parts["SignedHeaders"], payloadHash);
        var stringToSign = string.Join('\n', "AWS4-HMAC-SHA256", request.Header("X-Amz-Date"), scope, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))));

        var key = Encoding.UTF8.GetBytes("AWS4" + secretKey);
        foreach (var part in scopeParts)
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        var expected = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        return expected == parts["Signature"] && request.Header("X-Amz-Content-SHA256") == payloadHash;
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
