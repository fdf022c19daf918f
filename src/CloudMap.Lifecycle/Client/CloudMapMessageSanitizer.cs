// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// Makes text that came from the network safe to put in an exception message and a log: a server, a proxy or a hostile
/// endpoint may echo the request's headers (a session token, a signature, the access key id) or write control
/// characters that forge log lines. Redacts header values and credential-like tokens, removes control and
/// bidirectional-format characters, and caps the length.
/// </summary>
/// <remarks>
/// Redaction errs on the side of safety: any run of 32 or more token characters that mixes upper and lower case and
/// holds a digit or base64 punctuation (a secret access key, a session token, a JWT segment), or is 40 or more hex
/// digits (a signature), is replaced, so an unusually long mixed-case instance id inside an error message is redacted too. Cloud Map's own ids (lower-case
/// <c>srv-</c>/<c>ns-</c> ids, operation ids, request ids, ECS task ids) are kept.
/// </remarks>
internal static partial class CloudMapMessageSanitizer
{
    /// <summary>What replaces a secret.</summary>
    public const string Redacted = "[REDACTED]";

    /// <summary>The longest message kept (characters), after redaction.</summary>
    public const int MaxMessageLength = 512;

    /// <summary>The shortest all-hex run redacted: a SHA-1 (40); an ECS task id (32 hex, an instance id) is kept.</summary>
    private const int MinHexSecretLength = 40;

    /// <summary>Sanitizes <paramref name="text"/>: see the type's summary.</summary>
    /// <param name="text">Text from the network.</param>
    /// <param name="maxLength">The longest result (an ellipsis marks a cut).</param>
    /// <returns>The sanitized text.</returns>
    public static string Sanitize(string? text, int maxLength = MaxMessageLength) => Sanitize(text, maxLength, out _);

    /// <summary>Sanitizes <paramref name="text"/> and counts the redacted values.</summary>
    public static string Sanitize(string? text, int maxLength, out int redactions)
    {
        redactions = 0;
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        // Bound the work first: nothing past a few times the cap can reach the result.
        var work = RemoveControlCharacters(text.Length > maxLength * 4 ? text[..(maxLength * 4)] : text);
        var count = 0;
        work = HeaderValue().Replace(work, m => { count++; return m.Groups["name"].Value + m.Groups["sep"].Value + Redacted; });
        work = AwsParameter().Replace(work, m => { count++; return m.Groups["name"].Value + "=" + Redacted; });
        work = AccessKeyId().Replace(work, _ => { count++; return Redacted; });
        work = TokenRun().Replace(work, m => IsSecretLike(m.Value) ? Count(ref count) : m.Value);
        redactions = count;
        work = work.Trim();
        return work.Length > maxLength ? string.Concat(work.AsSpan(0, maxLength), "…") : work;
    }

    private static string Count(ref int count)
    {
        count++;
        return Redacted;
    }

    private static bool IsSecretLike(string token)
    {
        if (token.Contains(Redacted, StringComparison.Ordinal))
        {
            return false;
        }

        // A CamelCase word (MissingAuthenticationTokenException) has no digit and no base64 punctuation; a random
        // 40-character key lacks both with a probability of about 2e-4, a session token never.
        var hex = token.Length >= MinHexSecretLength && token.All(char.IsAsciiHexDigit);
        var mixedCase = token.Any(char.IsAsciiLetterUpper) && token.Any(char.IsAsciiLetterLower);
        var keyLike = token.Any(c => char.IsAsciiDigit(c) || c is '+' or '/' or '=');
        return hex || (mixedCase && keyLike);
    }

    /// <summary>Drops control, format (bidi overrides, zero-width) and separator characters; line breaks and tabs become spaces.</summary>
    private static string RemoveControlCharacters(string text)
    {
        StringBuilder? builder = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var category = char.GetUnicodeCategory(c);
            var drop = category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
            if (!drop)
            {
                builder?.Append(c);
                continue;
            }

            builder ??= new StringBuilder(text.Length).Append(text, 0, i);
            if ((c is '\r' or '\n' or '\t' or '\u2028' or '\u2029') && (builder.Length == 0 || builder[^1] != ' '))
            {
                builder.Append(' ');
            }
        }

        return builder?.ToString() ?? text;
    }

    /// <summary>
    /// A header (or query parameter, or JSON member) whose value is secret, followed by its value: <c>Authorization: …</c>,
    /// <c>"X-Amz-Security-Token":"…"</c>, <c>X-Amz-Signature=…</c>. The value of <c>Authorization</c> runs to the end of
    /// its scheme's first parameter; the rest of an AWS4 value is caught by <see cref="AwsParameter"/>.
    /// </summary>
    [GeneratedRegex("""(?<name>\b(?:authorization|proxy-authorization|x-amz-security-token|x-amz-signature|x-amz-credential|x-amz-session-token|x-aws-ec2-metadata-token|cookie|set-cookie|aws_secret_access_key|aws_session_token)\b)(?<sep>["']?\s*[:=]\s*["']?)(?!\[REDACTED\])(?:(?:aws4-hmac-sha256|bearer|basic|digest|negotiate)\s+)?[^\s,;&"'}\[\]]+""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HeaderValue();

    /// <summary>The secret parts of a SigV4 <c>Authorization</c> value or presigned query: <c>Credential=…</c>, <c>Signature=…</c>.</summary>
    [GeneratedRegex("""(?<name>\b(?:credential|signature))\s*=\s*(?!\[REDACTED\])[^\s,;&"'}\[\]]+""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AwsParameter();

    /// <summary>An AWS access key id (long-term <c>AKIA</c>, temporary <c>ASIA</c>).</summary>
    [GeneratedRegex("""\b(?:AKIA|ASIA)[A-Z0-9]{12,128}\b""", RegexOptions.CultureInvariant)]
    private static partial Regex AccessKeyId();

    /// <summary>A run of base64/base64url characters long enough to be a key, a token or a signature.</summary>
    [GeneratedRegex("""[A-Za-z0-9+/=_\-]{32,}""", RegexOptions.CultureInvariant)]
    private static partial Regex TokenRun();
}
