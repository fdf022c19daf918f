// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// Marks that a registration with <paramref name="Name"/> was added (makes <c>AddCloudMapRegistration</c> idempotent per
/// name) and remembers the configuration path its options are bound from, so validation messages name the real keys.
/// </summary>
internal sealed record CloudMapRegistrationMarker(string Name, string? ConfigurationPath)
{
    /// <summary>Gets the key prefix used in validation messages, e.g. <c>CloudMap</c> or <c>CloudMap:grpc</c>.</summary>
    public string KeyPrefix => ConfigurationPath
        ?? (string.IsNullOrEmpty(Name) ? CloudMapRegistrationOptions.SectionName : CloudMapRegistrationOptions.SectionName + ":" + Name);
}
