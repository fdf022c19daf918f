// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json;

namespace CloudMap.Lifecycle.Client;

/// <summary>The parts of an AWS JSON 1.1 error answer the client keeps.</summary>
/// <remarks>
/// <see cref="Code"/> and <see cref="Message"/> are sanitized (<see cref="CloudMapMessageSanitizer"/>): they end up in
/// exception messages and logs; <see cref="Redactions"/> counts the credential-like values removed from the message.
/// </remarks>
internal sealed record CloudMapErrorInfo(string Code, string Message, string? DuplicateOperationId, bool BodyWasJson, int Redactions = 0);

/// <summary>Reads an AWS JSON 1.1 error answer (Smithy awsJson1_1 error rules).</summary>
internal static class CloudMapErrorParser
{
    /// <summary>The longest error code kept (characters); real codes are under 50.</summary>
    public const int MaxCodeLength = 128;

    /// <summary>
    /// Extracts the error code, message and DuplicateOperationId. The code comes, in the order the Smithy
    /// awsJson1_1 protocol gives, from the <c>X-Amzn-ErrorType</c> header, the body's <c>code</c>, then its
    /// <c>__type</c>; each is sanitized (see <see cref="SanitizeErrorCode"/>). A body that is not a JSON object
    /// gives <see cref="CloudMapErrorInfo.BodyWasJson"/> = <see langword="false"/>. The message is sanitized before it
    /// leaves the parser: servers and proxies have been seen echoing the request's headers (a session token, the
    /// signature) in it, and it is logged.
    /// </summary>
    public static CloudMapErrorInfo Parse(ReadOnlySpan<byte> body, string? errorTypeHeader)
    {
        string? code = string.IsNullOrWhiteSpace(errorTypeHeader) ? null : SanitizeErrorCode(errorTypeHeader);
        string? message = null;
        string? duplicateOperationId = null;
        var bodyWasJson = false;

        if (!body.IsEmpty)
        {
            try
            {
                using var document = JsonDocument.Parse(body.ToArray());
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    bodyWasJson = true;
                    var root = document.RootElement;
                    code ??= SanitizeErrorCode(GetString(root, "code"));
                    code ??= SanitizeErrorCode(GetString(root, "__type"));
                    message = GetString(root, "message") ?? GetString(root, "Message");
                    duplicateOperationId = GetString(root, "DuplicateOperationId");
                }
            }
            catch (JsonException)
            {
                // Not JSON (an HTML page from a proxy, a truncated answer): reported through BodyWasJson.
            }
        }

        var safeMessage = CloudMapMessageSanitizer.Sanitize(message, CloudMapMessageSanitizer.MaxMessageLength, out var redactions);
        return new CloudMapErrorInfo(code ?? CloudMapErrorCodes.Unknown, safeMessage, PlausibleOperationId(duplicateOperationId), bodyWasJson, redactions);
    }

    /// <summary>
    /// Keeps the error name only: drops everything after the first <c>:</c> (a URL some services append) and
    /// everything up to the last <c>#</c> (a Smithy namespace such as <c>com.amazonaws.servicediscovery#</c>); then
    /// sanitized like a message and cut to <see cref="MaxCodeLength"/> characters (a code is logged and used as a metric tag).
    /// </summary>
    public static string? SanitizeErrorCode(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var code = raw.Trim();
        var colon = code.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            code = code[..colon];
        }

        var hash = code.LastIndexOf('#');
        if (hash >= 0)
        {
            code = code[(hash + 1)..];
        }

        code = CloudMapMessageSanitizer.Sanitize(code, MaxCodeLength);
        if (code.EndsWith('…'))
        {
            code = code[..^1];
        }

        return code.Length == 0 ? null : code;
    }

    /// <summary>
    /// Keeps a DuplicateOperationId only when it looks like one (the model's OperationId: at most 255 characters; AWS's
    /// are letters, digits and dashes): it is sent back in GetOperation and logged, so it is never redacted, only dropped.
    /// </summary>
    private static string? PlausibleOperationId(string? id)
        => id is { Length: > 0 and <= 255 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') ? id : null;

    private static string? GetString(JsonElement root, string name)
        => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
