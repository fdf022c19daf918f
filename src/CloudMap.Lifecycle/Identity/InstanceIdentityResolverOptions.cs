// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Identity;

/// <summary>Where the platform metadata endpoints are; read from the environment, replaceable in tests.</summary>
internal sealed class InstanceIdentityResolverOptions
{
    public static readonly Uri DefaultImdsBaseUri = new("http://169.254.169.254/");

    /// <summary>Gets or sets the ECS task metadata v4 URI (<c>ECS_CONTAINER_METADATA_URI_V4</c>); <see langword="null"/> off ECS.</summary>
    public Uri? EcsMetadataUri { get; set; }

    /// <summary>Gets or sets the EC2 instance metadata base URI.</summary>
    public Uri ImdsBaseUri { get; set; } = DefaultImdsBaseUri;

    /// <summary>Gets or sets a value indicating whether EC2 metadata must not be asked (<c>AWS_EC2_METADATA_DISABLED=true</c>).</summary>
    public bool Ec2MetadataDisabled { get; set; }

    /// <summary>Gets or sets the timeout of each metadata request (off EC2 the IMDS address does not answer at all).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(1);

    public static InstanceIdentityResolverOptions FromEnvironment()
    {
        var ecs = Environment.GetEnvironmentVariable("ECS_CONTAINER_METADATA_URI_V4");
        var imds = Environment.GetEnvironmentVariable("AWS_EC2_METADATA_SERVICE_ENDPOINT");
        return new InstanceIdentityResolverOptions
        {
            EcsMetadataUri = Uri.TryCreate(ecs, UriKind.Absolute, out var ecsUri) ? ecsUri : null,
            ImdsBaseUri = Uri.TryCreate(imds, UriKind.Absolute, out var imdsUri) ? imdsUri : DefaultImdsBaseUri,
            Ec2MetadataDisabled = string.Equals(Environment.GetEnvironmentVariable("AWS_EC2_METADATA_DISABLED"), "true", StringComparison.OrdinalIgnoreCase),
        };
    }
}
