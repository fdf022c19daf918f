// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Client;

/// <summary>Registers the Cloud Map API client; the lifecycle's public entry points call this.</summary>
internal static class CloudMapClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ICloudMapClient"/> (<see cref="HttpCloudMapClient"/> through <see cref="CloudMapCallPipeline"/>),
    /// its named HttpClient, options (filled from a registered <see cref="AWSOptions"/>, else the <c>AWS</c> configuration
    /// section; validated on start, the endpoint included when a registration is enabled), TimeProvider.System and metrics.
    /// Idempotent: a second call changes nothing, and an <see cref="ICloudMapClient"/> registered earlier is kept.
    /// Signing credentials, first found wins: an <see cref="AWSCredentials"/> registered in DI, <c>AWSOptions.Credentials</c>,
    /// the profile (<see cref="CloudMapClientOptions.Profile"/>, filled from <c>AWSOptions.Profile</c> / <c>AWS:Profile</c>)
    /// in <c>AWSOptions.ProfilesLocation</c> / <c>AWS:ProfilesLocation</c>, then the default chain (<see cref="CloudMapCredentialChain"/>).
    /// </summary>
    internal static IServiceCollection TryAddCloudMapClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(CloudMapClientMarker)))
        {
            return services;
        }

        services.AddSingleton<CloudMapClientMarker>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddOptions<CloudMapClientOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<CloudMapClientOptions>, CloudMapClientOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CloudMapClientOptions>, CloudMapClientOptionsValidator>());

        // The endpoint matters only when this transport is the client: one decision for both registrations, so a client
        // registered earlier (a test fake) neither gets replaced nor makes startup ask for a region it never uses.
        if (!services.Any(d => d.ServiceType == typeof(ICloudMapClient)))
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CloudMapClientOptions>, CloudMapEndpointValidator>());
        }

        services.AddHttpClient(HttpCloudMapClient.HttpClientName)
            .ConfigureHttpClient(static client =>
            {
                // Polly owns timeouts (per attempt, on the injected TimeProvider).
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.DefaultRequestHeaders.UserAgent.ParseAdd("CloudMap.Lifecycle/" + (typeof(HttpCloudMapClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
            })
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                // A redirect followed below the signing step would replay a signature for another URL.
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(10),
            })

            // The call pipeline logs what matters (retries, failures) and traces every call; the factory's four lines
            // per request (at Information in the default template) would only be noise in the app's log.
            .RemoveAllLoggers();

        services.TryAddSingleton(static sp => new CloudMapAwsOptionsSource(sp.GetService<AWSOptions>(), sp.GetService<IConfiguration>()));
        services.TryAddSingleton(static sp =>
        {
            // Read here, not through CloudMapClientOptions: the endpoint validator needs this environment while those
            // options are being built, so building them here would recurse.
            // An AWSCredentials in DI is used as given; a registered AWSOptions' SessionRoleArn wraps the credentials it
            // leads to (its Credentials, else the profile or the chain), as the SDK's client factory does.
            var aws = sp.GetRequiredService<CloudMapAwsOptionsSource>();
            var role = aws.IsRegistered ? CloudMapAssumeRole.From(aws.Options) : null;
            if (sp.GetService<AWSCredentials>() is { } fromDi)
            {
                return new CloudMapClientEnvironment(fromDi) { ProfilesLocation = aws.ProfilesLocation };
            }

            var fromOptions = aws.IsRegistered ? aws.Options?.Credentials : null;
            return new CloudMapClientEnvironment(fromOptions is null ? null : role?.Wrap(fromOptions) ?? fromOptions)
            {
                ProfilesLocation = aws.ProfilesLocation,
                AssumeRole = role,
            };
        });
        services.TryAddSingleton<CloudMapClientMetrics>();
        services.TryAddSingleton<CloudMapCallPipeline>();
        services.TryAddSingleton<HttpCloudMapClient>();
        services.TryAddSingleton<ICloudMapClient>(static sp => sp.GetRequiredService<HttpCloudMapClient>());
        return services;
    }

    /// <summary>
    /// Registers <see cref="ICloudMapDiscoveryClient"/> as the same <see cref="HttpCloudMapClient"/> (one transport, one
    /// pipeline), after <see cref="TryAddCloudMapClient"/>. For tests, scenarios and the features that discover; the
    /// lifecycle never calls it. An <see cref="ICloudMapDiscoveryClient"/> registered earlier is kept.
    /// </summary>
    internal static IServiceCollection TryAddCloudMapDiscoveryClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddCloudMapClient();
        services.TryAddSingleton<ICloudMapDiscoveryClient>(static sp => sp.GetRequiredService<HttpCloudMapClient>());
        return services;
    }

    /// <summary>Marks the collection as already holding the client registrations.</summary>
    private sealed class CloudMapClientMarker;
}
