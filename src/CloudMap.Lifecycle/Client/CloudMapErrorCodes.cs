// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Client;

/// <summary>Error codes the lifecycle reacts to.</summary>
internal static class CloudMapErrorCodes
{
    public const string InstanceNotFound = "InstanceNotFound";
    public const string ServiceNotFound = "ServiceNotFound";
    public const string NamespaceNotFound = "NamespaceNotFound";
    public const string OperationNotFound = "OperationNotFound";
    public const string CustomHealthNotFound = "CustomHealthNotFound";
    public const string DuplicateRequest = "DuplicateRequest";
    public const string InvalidInput = "InvalidInput";
    public const string ResourceInUse = "ResourceInUse";
    public const string ResourceLimitExceeded = "ResourceLimitExceeded";
    public const string RequestLimitExceeded = "RequestLimitExceeded";
    public const string ThrottlingException = "ThrottlingException";
    public const string AccessDeniedException = "AccessDeniedException";
    public const string InternalFailure = "InternalFailure";
    public const string ServiceUnavailable = "ServiceUnavailable";

    /// <summary>An error answer that named no error code.</summary>
    public const string Unknown = "Unknown";

    /// <summary>Our own code for a response body that is not the JSON Cloud Map promises.</summary>
    public const string MalformedResponse = "MalformedResponse";

    /// <summary>
    /// Our own code for an answer whose body is larger than the client reads (<see cref="CloudMapResponseBody"/>): 2 MiB
    /// for control-plane answers, 16 MiB for data-plane answers, 64 KiB for error answers.
    /// </summary>
    public const string ResponseTooLarge = "ResponseTooLarge";

    /// <summary>Our own code for a request that never got an HTTP answer (timeout, refused, reset) after all retries.</summary>
    public const string RequestFailed = "RequestFailed";

    /// <summary>Our own code for credentials that could not be resolved (no credential source answered).</summary>
    public const string CredentialsUnavailable = "CredentialsUnavailable";

    /// <summary>Our own code for an operation that ended in FAIL.</summary>
    public const string OperationFailed = "OperationFailed";
}
