// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Client;

/// <summary>Where requests go and which region they are signed for.</summary>
/// <param name="Region">The signing region.</param>
/// <param name="ControlPlane">The URI of control-plane operations.</param>
/// <param name="DataPlane">The URI of DiscoverInstances and DiscoverInstancesRevision.</param>
internal sealed record CloudMapEndpoint(string Region, Uri ControlPlane, Uri DataPlane)
{
    /// <summary>The host prefix of the data-plane operations.</summary>
    public const string DataHostPrefix = "data-";

    /// <summary>
    /// Builds the endpoint: <paramref name="serviceUrl"/> or <c>https://servicediscovery.&lt;region&gt;.&lt;dns suffix&gt;/</c>;
    /// the data plane prepends <c>data-</c> to the host (even to a custom endpoint, as the AWS SDKs do) unless
    /// <paramref name="disableHostPrefixInjection"/>, or the host is an IP address or <c>localhost</c>: a prefixed IP
    /// literal is a DNS name (<c>data-127.0.0.1</c>) that would be sent to the resolver, off this machine, and can
    /// never name the emulator or proxy the user pointed at.
    /// </summary>
    public static CloudMapEndpoint Create(string region, Uri? serviceUrl, bool disableHostPrefixInjection)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        if (serviceUrl is not null && !CloudMapServiceUrl.IsValid(serviceUrl))
        {
            throw new InvalidOperationException($"CloudMapClientOptions.ServiceUrl '{serviceUrl}' must be {CloudMapServiceUrl.Requirement}.");
        }

        var control = serviceUrl ?? new Uri($"https://servicediscovery.{region}.{DnsSuffix(region)}/");
        var data = disableHostPrefixInjection || !TakesHostPrefix(control)
            ? control
            : new UriBuilder(control) { Host = DataHostPrefix + control.Host }.Uri;
        return new CloudMapEndpoint(region, control, data);
    }

    /// <summary>Whether <paramref name="uri"/>'s host is a DNS name a prefix can be put in front of.</summary>
    internal static bool TakesHostPrefix(Uri uri) =>
        uri.HostNameType == UriHostNameType.Dns
        && !string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
        && !uri.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Resolves the endpoint of <paramref name="options"/> the way every call does: the profile, then the region (see
    /// <see cref="CloudMapRegionResolver.Resolve"/>), then <see cref="Create"/>. Requests are signed for
    /// <c>AuthenticationRegion</c> when it is set (the AWS SDK's rule), else for the region; with a custom
    /// <see cref="CloudMapClientOptions.ServiceUrl"/> an <c>AuthenticationRegion</c> alone is enough. Reads no network.
    /// </summary>
    /// <exception cref="InvalidOperationException">No region is configured (the message names every place looked), or the ServiceUrl is not valid.</exception>
    public static CloudMapEndpoint Resolve(CloudMapClientOptions options, CloudMapClientEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        var signingRegion = CloudMapAwsOptionsSource.Normalize(options.AuthenticationRegion);
        var profile = CloudMapRegionResolver.ResolveProfileName(options.Profile, environment.GetEnvironmentVariable);
        var region = signingRegion is not null && options.ServiceUrl is not null
            ? signingRegion
            : CloudMapRegionResolver.Resolve(options.Region, profile, environment.GetEnvironmentVariable, environment.GetProfileRegion);
        var endpoint = Create(region, options.ServiceUrl, options.DisableHostPrefixInjection);
        return signingRegion is null ? endpoint : endpoint with { Region = signingRegion };
    }

    private static string DnsSuffix(string region)
        => region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
}
