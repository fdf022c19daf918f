// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// The role a registered <see cref="AWSOptions"/> asks to assume (<c>SessionRoleArn</c>, <c>SessionName</c>,
/// <c>ExternalId</c>): the credentials found are wrapped in AWSSDK.Core's <see cref="AssumeRoleAWSCredentials"/>, as the
/// AWS SDK's client factory does. The role is assumed when the first request is signed (the app must reference
/// AWSSDK.SecurityToken, as for its own SDK clients); a failure then is a credential failure like any other.
/// </summary>
/// <param name="RoleArn">The role to assume.</param>
/// <param name="SessionName">The role session name.</param>
/// <param name="ExternalId">The external id, if any.</param>
internal sealed record CloudMapAssumeRole(string RoleArn, string SessionName, string? ExternalId)
{
    /// <summary>The role of <paramref name="options"/>, or <see langword="null"/> when it names none.</summary>
    public static CloudMapAssumeRole? From(AWSOptions? options)
        => CloudMapAwsOptionsSource.Normalize(options?.SessionRoleArn) is { } roleArn
            ? new CloudMapAssumeRole(roleArn, CloudMapAwsOptionsSource.Normalize(options!.SessionName) ?? "DefaultSessionName", CloudMapAwsOptionsSource.Normalize(options.ExternalId))
            : null;

    /// <summary>Wraps <paramref name="source"/> so that requests are signed with the role's temporary credentials.</summary>
    public AWSCredentials Wrap(AWSCredentials source) => ExternalId is null
        ? new AssumeRoleAWSCredentials(source, RoleArn, SessionName)
        : new AssumeRoleAWSCredentials(source, RoleArn, SessionName, new AssumeRoleAWSCredentialsOptions { ExternalId = ExternalId });
}
