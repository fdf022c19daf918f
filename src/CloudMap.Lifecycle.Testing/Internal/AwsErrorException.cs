// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>An error answered on the wire as <c>{"__type": Code, "Message": ...}</c>.</summary>
internal sealed class AwsErrorException : Exception
{
    public AwsErrorException(string code, string message, int statusCode = 400, IReadOnlyDictionary<string, string>? extra = null)
        : base(message)
    {
        Code = code;
        StatusCode = statusCode;
        Extra = extra;
    }

    public AwsErrorException()
        : this(CloudMapRules.ErrorCodes.InternalFailure, "Internal failure.", 500)
    {
    }

    public AwsErrorException(string message)
        : this(CloudMapRules.ErrorCodes.InternalFailure, message, 500)
    {
    }

    public AwsErrorException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = CloudMapRules.ErrorCodes.InternalFailure;
        StatusCode = 500;
    }

    /// <summary>The message of an injected HTTP 500.</summary>
    public const string InjectedInternalFailureMessage = "An internal error occurred (injected by the emulator).";

    /// <summary>The message of an injected HTTP 503.</summary>
    public const string InjectedServiceUnavailableMessage = "Service unavailable (injected by the emulator).";

    public string Code { get; }

    public int StatusCode { get; }

    public IReadOnlyDictionary<string, string>? Extra { get; }

    /// <summary>A <c>*AlreadyExists</c> error naming the existing resource (and the token that created it).</summary>
    public static AwsErrorException AlreadyExists(string code, string message, string idMember, string existingId, string? existingCreatorRequestId)
    {
        var extra = new Dictionary<string, string>(StringComparer.Ordinal) { [idMember] = existingId };
        if (existingCreatorRequestId is not null)
        {
            extra["CreatorRequestId"] = existingCreatorRequestId;
        }

        return new AwsErrorException(code, message, 400, extra);
    }

    public static AwsErrorException InvalidInput(string message) => new(CloudMapRules.ErrorCodes.InvalidInput, message);

    public static AwsErrorException Validation(string member, string? value, string constraint) =>
        new(CloudMapRules.ErrorCodes.InvalidInput, $"1 validation error detected: Value {(value is null ? "null" : "'" + value + "'")} at '{char.ToLowerInvariant(member[0])}{member[1..]}' failed to satisfy constraint: {constraint}");
}
