// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using static CloudMap.Lifecycle.Testing.Internal.CloudMapRules;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// Verifies AWS Signature Version 4 on requests (header form), with the error codes AWS JSON services answer.
/// Never logs or echoes secrets or signatures.
/// </summary>
internal sealed class SigV4Verifier(IReadOnlyDictionary<string, string> credentials, string region, TimeProvider time)
{
    private const string Algorithm = "AWS4-HMAC-SHA256";
    private static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(15);

    public void Verify(HttpRequest request, byte[] body, string signingName)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(authorization))
        {
            throw new AwsErrorException(ErrorCodes.MissingAuthenticationToken, "Missing Authentication Token", 403);
        }

        if (!authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            throw new AwsErrorException(ErrorCodes.IncompleteSignature, $"Authorization header requires the '{Algorithm}' algorithm.");
        }

        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in authorization[(Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var value = part[(eq + 1)..];
            switch (part[..eq])
            {
                case "Credential": credential = value; break;
                case "SignedHeaders": signedHeaders = value; break;
                case "Signature": signature = value; break;
                default: break;
            }
        }

        if (credential is null || signedHeaders is null || signature is null)
        {
            throw new AwsErrorException(ErrorCodes.IncompleteSignature, "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.");
        }

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request")
        {
            throw new AwsErrorException(ErrorCodes.IncompleteSignature, "Credential must have the form <key>/<date>/<region>/<service>/aws4_request.");
        }

        var amzDate = request.Headers["X-Amz-Date"].ToString();
        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            throw new AwsErrorException(ErrorCodes.IncompleteSignature, "The request must contain a valid X-Amz-Date header.");
        }

        if (!credentials.TryGetValue(scope[0], out var secret))
        {
            throw new AwsErrorException(ErrorCodes.UnrecognizedClient, "The security token included in the request is invalid.");
        }

        var now = time.GetUtcNow();
        if ((now - signedAt).Duration() > MaxSkew)
        {
            throw new AwsErrorException(
                ErrorCodes.RequestExpired,
                $"Request has expired or is signed too far in the future: signed at {amzDate}, server time {now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)} (allowed skew 15 minutes).");
        }

        if (scope[1] != amzDate[..8])
        {
            throw new AwsErrorException(ErrorCodes.InvalidSignature, $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope[1]}' != '{amzDate[..8]}'.");
        }

        if (scope[2] != region)
        {
            throw new AwsErrorException(ErrorCodes.InvalidSignature, $"Credential should be scoped to a valid region, not '{scope[2]}'.");
        }

        if (scope[3] != signingName)
        {
            throw new AwsErrorException(ErrorCodes.InvalidSignature, $"Credential should be scoped to correct service: '{signingName}'.");
        }

        var headerNames = signedHeaders.Split(';');
        if (!headerNames.Contains("host", StringComparer.Ordinal))
        {
            throw new AwsErrorException(ErrorCodes.InvalidSignature, "'Host' must be a signed header.");
        }

        var canonical = new StringBuilder();
        canonical.Append(request.Method).Append('\n');
        canonical.Append(CanonicalPath(request.Path.HasValue ? request.Path.Value! : "/")).Append('\n');
        canonical.Append(CanonicalQuery(request.QueryString.Value)).Append('\n');
        foreach (var name in headerNames)
        {
            var values = request.Headers[name];
            var joined = string.Join(',', values.Select(v => CollapseSpaces(v ?? string.Empty)));
            canonical.Append(name).Append(':').Append(joined).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaders).Append('\n');
        canonical.Append(Convert.ToHexStringLower(SHA256.HashData(body)));

        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope[1]}/{scope[2]}/{scope[3]}/aws4_request\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secret), scope[1]);
        key = Hmac(key, scope[2]);
        key = Hmac(key, scope[3]);
        key = Hmac(key, "aws4_request");
        var expected = Convert.ToHexStringLower(Hmac(key, stringToSign));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            throw new AwsErrorException(
                ErrorCodes.InvalidSignature,
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
        }
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string CollapseSpaces(string value)
    {
        var trimmed = value.Trim();
        var sb = new StringBuilder(trimmed.Length);
        var space = false;
        foreach (var c in trimmed)
        {
            if (c == ' ')
            {
                if (!space)
                {
                    sb.Append(c);
                }

                space = true;
            }
            else
            {
                sb.Append(c);
                space = false;
            }
        }

        return sb.ToString();
    }

    private static string CanonicalPath(string path) =>
        string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    private static string CanonicalQuery(string? query)
    {
        if (string.IsNullOrEmpty(query) || query == "?")
        {
            return string.Empty;
        }

        var pairs = query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p =>
            {
                var eq = p.IndexOf('=', StringComparison.Ordinal);
                var k = Uri.UnescapeDataString(eq < 0 ? p : p[..eq]);
                var v = eq < 0 ? string.Empty : Uri.UnescapeDataString(p[(eq + 1)..]);
                return (Key: Uri.EscapeDataString(k), Value: Uri.EscapeDataString(v));
            })
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal);
        return string.Join('&', pairs.Select(p => p.Key + "=" + p.Value));
    }
}
