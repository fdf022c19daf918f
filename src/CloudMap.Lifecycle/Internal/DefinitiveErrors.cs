// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Frozen;
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// The one list of Cloud Map answers that mean "the configuration is wrong": retrying the same request cannot succeed
/// until someone changes the configuration, the credentials or the permissions. Met while resolving the service at
/// start, they fail the host's start; everything else (no answer, 5xx, throttling, timeouts, credentials that could
/// not be obtained yet) is transient and retried in the background.
/// </summary>
/// <remarks>
/// Deliberately not definitive: <c>ExpiredToken</c>/<c>ExpiredTokenException</c> and <c>RequestExpired</c> (a credential
/// refresh or a clock sync fixes them), <c>CredentialsUnavailable</c> (the credential chain may answer later, e.g. a
/// container credentials endpoint that is not up yet) and every throttling or server-fault code.
/// </remarks>
internal static class DefinitiveErrors
{
    /// <summary>The target does not exist, or the request built from the configuration is invalid.</summary>
    public static readonly FrozenSet<string> TargetCodes = FrozenSet.ToFrozenSet(
    [
        CloudMapErrorCodes.ServiceNotFound,
        CloudMapErrorCodes.NamespaceNotFound,
        CloudMapErrorCodes.InvalidInput,
    ], StringComparer.Ordinal);

    /// <summary>Cloud Map does not accept the credentials (unknown key, bad signature, none sent).</summary>
    public static readonly FrozenSet<string> CredentialCodes = FrozenSet.ToFrozenSet(
    [
        "UnrecognizedClientException",
        "UnrecognizedClient",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "IncompleteSignatureException",
        "MissingAuthenticationToken",
        "MissingAuthenticationTokenException",
        "InvalidAccessKeyId",
    ], StringComparer.Ordinal);

    /// <summary>The credentials are valid but not allowed to call Cloud Map.</summary>
    public static readonly FrozenSet<string> PermissionCodes = FrozenSet.ToFrozenSet(
    [
        CloudMapErrorCodes.AccessDeniedException,
        "AccessDenied",
        "NotAuthorized",
        "UnauthorizedOperation",
    ], StringComparer.Ordinal);

    /// <summary>Every definitive code: <see cref="TargetCodes"/> ∪ <see cref="CredentialCodes"/> ∪ <see cref="PermissionCodes"/>.</summary>
    public static readonly FrozenSet<string> Codes = TargetCodes.Union(CredentialCodes).Union(PermissionCodes).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Gets a value indicating whether <paramref name="error"/> is a Cloud Map answer that retrying cannot fix.</summary>
    public static bool IsDefinitive(Exception error) => error is CloudMapException { ErrorCode: var code } && Codes.Contains(code);

    /// <summary>
    /// Gets a value indicating whether <paramref name="error"/> is an expected Cloud Map failure (a
    /// <see cref="CloudMapException"/> with a known code), logged as one line; its stack trace goes to Debug only.
    /// An answer without a code or that could not be read may be a bug (ours or a proxy's) and keeps its stack trace.
    /// </summary>
    public static bool IsExpected(Exception error) =>
        error is CloudMapException { ErrorCode: var code }
        && code is not (CloudMapErrorCodes.Unknown or CloudMapErrorCodes.MalformedResponse);
}
