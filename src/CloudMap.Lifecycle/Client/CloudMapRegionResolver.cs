// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Runtime.CredentialManagement;

namespace CloudMap.Lifecycle.Client;

/// <summary>Finds the AWS region the client signs for, without ever asking EC2 instance metadata.</summary>
internal static class CloudMapRegionResolver
{
    /// <summary>The profile used when neither the options nor <c>AWS_PROFILE</c> name one.</summary>
    public const string DefaultProfileName = "default";

    /// <summary>
    /// Returns the first region found in: <paramref name="optionsRegion"/> (CloudMapClientOptions.Region, which
    /// already holds the registered <c>AWSOptions.Region</c>, else configuration <c>AWS:Region</c>, when code left it unset), <c>AWS_REGION</c>,
    /// <c>AWS_DEFAULT_REGION</c>, then the region of the AWS profile.
    /// </summary>
    /// <exception cref="InvalidOperationException">No place holds a region; the message names every place looked.</exception>
    public static string Resolve(
        string? optionsRegion,
        string profileName,
        Func<string, string?> getEnvironmentVariable,
        Func<string, string?> getProfileRegion)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        ArgumentNullException.ThrowIfNull(getProfileRegion);

        var region = Normalize(optionsRegion)
            ?? Normalize(getEnvironmentVariable("AWS_REGION"))
            ?? Normalize(getEnvironmentVariable("AWS_DEFAULT_REGION"))
            ?? Normalize(getProfileRegion(profileName));
        if (region is not null)
        {
            return region;
        }

        throw new InvalidOperationException(
            "No AWS region is configured for Cloud Map. Looked in, in order: CloudMapClientOptions.Region, " +
            $"AWSOptions.Region (an AWSOptions registered in DI) or else configuration key '{CloudMapClientOptions.AwsConfigurationSectionName}:Region', environment variable AWS_REGION, " +
            $"environment variable AWS_DEFAULT_REGION, and the 'region' of AWS profile '{profileName}' in the shared config " +
            "and credentials files. EC2 instance metadata is not consulted. Set one of them (for example AWS:Region in appsettings.json).");
    }

    /// <summary>The profile to read: CloudMapClientOptions.Profile, then <c>AWS_PROFILE</c>, then <c>default</c>.</summary>
    public static string ResolveProfileName(string? optionsProfile, Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        return Normalize(optionsProfile) ?? Normalize(getEnvironmentVariable("AWS_PROFILE")) ?? DefaultProfileName;
    }

    /// <summary>Reads the region of a profile from the shared AWS config/credentials files (no network).</summary>
    /// <param name="profileName">The profile to read.</param>
    /// <param name="profilesLocation">A credentials file to read instead of the default locations (tests).</param>
    public static string? ReadProfileRegion(string profileName, string? profilesLocation = null)
    {
        try
        {
            var chain = profilesLocation is null ? new CredentialProfileStoreChain() : new CredentialProfileStoreChain(profilesLocation);
            return chain.TryGetProfile(profileName, out var profile) ? profile.Region?.SystemName : null;
        }
#pragma warning disable CA1031 // A broken profile file means "no region from the profile"; the caller then reports every place looked.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private static string? Normalize(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
