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

    /// <summary>The service-specific endpoint variable of the AWS SDKs and CLI for Cloud Map (service id <c>ServiceDiscovery</c>).</summary>
    public const string ServiceEndpointVariable = "AWS_ENDPOINT_URL_SERVICEDISCOVERY";

    /// <summary>The endpoint variable the AWS SDKs and CLI apply to every service.</summary>
    public const string GlobalEndpointVariable = "AWS_ENDPOINT_URL";

    /// <summary>When <c>true</c>, the AWS SDKs and CLI ignore both endpoint variables (and the profile's <c>endpoint_url</c>).</summary>
    public const string IgnoreEndpointsVariable = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";

    /// <summary>
    /// Resolves the endpoint of <paramref name="options"/> the way every call does: the profile, then the region (see
    /// <see cref="CloudMapRegionResolver.Resolve"/>), then <see cref="Create"/>. Requests are signed for
    /// <c>AuthenticationRegion</c> when it is set (the AWS SDK's rule), else for the region; with a custom
    /// <see cref="CloudMapClientOptions.ServiceUrl"/> an <c>AuthenticationRegion</c> alone is enough. Without a ServiceUrl
    /// the endpoint variables the AWS SDKs and CLI read are honoured, in their order (<see cref="ConfiguredEndpoint"/>).
    /// Reads no network.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// No region is configured (the message names every place looked), or the ServiceUrl or an endpoint variable is not valid.
    /// </exception>
    public static CloudMapEndpoint Resolve(CloudMapClientOptions options, CloudMapClientEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        var serviceUrl = options.ServiceUrl ?? ConfiguredEndpoint(environment.GetEnvironmentVariable);
        var signingRegion = CloudMapAwsOptionsSource.Normalize(options.AuthenticationRegion);
        var profile = CloudMapRegionResolver.ResolveProfileName(options.Profile, environment.GetEnvironmentVariable);
        var region = signingRegion is not null && serviceUrl is not null
            ? signingRegion
            : CloudMapRegionResolver.Resolve(options.Region, profile, environment.GetEnvironmentVariable, environment.GetProfileRegion);
        var endpoint = Create(region, serviceUrl, options.DisableHostPrefixInjection);
        return signingRegion is null ? endpoint : endpoint with { Region = signingRegion };
    }

    /// <summary>
    /// The endpoint set through the environment as the AWS SDKs and CLI read it: <c>AWS_ENDPOINT_URL_SERVICEDISCOVERY</c>,
    /// else <c>AWS_ENDPOINT_URL</c>; none when <c>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS</c> is <c>true</c>. A set but
    /// unusable value is an error naming the variable, never silently skipped (the calls would go elsewhere).
    /// </summary>
    /// <exception cref="InvalidOperationException">The variable's value is not an absolute http(s) URL.</exception>
    internal static Uri? ConfiguredEndpoint(Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        if (string.Equals(getEnvironmentVariable(IgnoreEndpointsVariable)?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        foreach (var name in (ReadOnlySpan<string>)[ServiceEndpointVariable, GlobalEndpointVariable])
        {
            if (CloudMapAwsOptionsSource.Normalize(getEnvironmentVariable(name)) is { } value)
            {
                return CloudMapServiceUrl.TryParse(value, out var uri)
                    ? uri
                    : throw new InvalidOperationException($"Environment variable {name} has value '{value}', which is not {CloudMapServiceUrl.Requirement}.");
            }
        }

        return null;
    }

    private static string DnsSuffix(string region)
        => region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
}
