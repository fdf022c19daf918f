// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Identity;

/// <summary>Where the platform metadata endpoints are and when EC2's may be asked; read from the environment, replaceable in tests.</summary>
internal sealed class InstanceIdentityResolverOptions
{
    /// <summary>The EC2 instance metadata address (IPv4), asked only where the host looks like EC2.</summary>
    public static readonly Uri DefaultImdsBaseUri = new("http://169.254.169.254/");

    /// <summary>The EC2 instance metadata address in IPv6 endpoint mode (<c>AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6</c>).</summary>
    public static readonly Uri DefaultImdsIPv6BaseUri = new("http://[fd00:ec2::254]/");

    /// <summary>Gets or sets the ECS task metadata v4 URI (<c>ECS_CONTAINER_METADATA_URI_V4</c>); <see langword="null"/> off ECS.</summary>
    public Uri? EcsMetadataUri { get; set; }

    /// <summary>
    /// Gets or sets the EC2 instance metadata base URI configured explicitly (<c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c>,
    /// or the endpoint mode): it is asked whatever the host looks like. <see langword="null"/> (the default) means
    /// <see cref="UnconfiguredImdsBaseUri"/>, asked only where the host looks like EC2 (see <see cref="Ec2HostEvidence"/>).
    /// </summary>
    public Uri? ImdsBaseUri { get; set; }

    /// <summary>Gets the address asked when none is configured and the host looks like EC2 (replaced by a loopback fake in tests).</summary>
    public Uri UnconfiguredImdsBaseUri { get; init; } = DefaultImdsBaseUri;

    /// <summary>Gets or sets a value indicating whether EC2 metadata must not be asked (<c>AWS_EC2_METADATA_DISABLED=true</c>).</summary>
    public bool Ec2MetadataDisabled { get; set; }

    /// <summary>Gets or sets the timeout of each metadata request.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the bound of the whole resolution (ECS, then EC2): past it, nothing is known (3 seconds).</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Gets the reader of the small platform files that tell an EC2 host (see <see cref="Ec2HostEvidence.Find"/>).</summary>
    public Func<string, string?> ReadPlatformFile { get; init; } = Ec2HostEvidence.ReadFile;

    /// <summary>Reads the options from the process environment.</summary>
    public static InstanceIdentityResolverOptions FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>Reads the options from <paramref name="getEnvironmentVariable"/>.</summary>
    public static InstanceIdentityResolverOptions FromEnvironment(Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        var ecs = getEnvironmentVariable("ECS_CONTAINER_METADATA_URI_V4");
        return new InstanceIdentityResolverOptions
        {
            EcsMetadataUri = Uri.TryCreate(ecs, UriKind.Absolute, out var ecsUri) ? ecsUri : null,
            ImdsBaseUri = ConfiguredImdsBaseUri(getEnvironmentVariable),
            Ec2MetadataDisabled = IsEc2MetadataDisabled(getEnvironmentVariable),
        };
    }

    /// <summary>Whether <c>AWS_EC2_METADATA_DISABLED</c> is <c>true</c> (as AWSSDK.Core reads it).</summary>
    public static bool IsEc2MetadataDisabled(Func<string, string?> getEnvironmentVariable)
        => string.Equals(getEnvironmentVariable("AWS_EC2_METADATA_DISABLED")?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The IMDS endpoint the environment configures explicitly: <c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c>, else the IPv6
    /// address when <c>AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6</c>, else <see langword="null"/> (nothing configured).
    /// </summary>
    public static Uri? ConfiguredImdsBaseUri(Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        var endpoint = getEnvironmentVariable("AWS_EC2_METADATA_SERVICE_ENDPOINT")?.Trim();
        if (Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
        }

        return string.Equals(getEnvironmentVariable("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")?.Trim(), "IPv6", StringComparison.OrdinalIgnoreCase)
            ? DefaultImdsIPv6BaseUri
            : null;
    }
}
