// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.ServiceDiscovery;
using CloudMap.Lifecycle.ServiceDiscovery.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the AWS Cloud Map service endpoint provider to Microsoft.Extensions.ServiceDiscovery.</summary>
public static class CloudMapServiceEndpointProviderServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Cloud Map provider, with options bound from the <c>CloudMapDiscovery</c> configuration section (when the
    /// container has an <see cref="IConfiguration"/>) and validated on start. AWS settings (region, endpoint, profile,
    /// credentials) are read as CloudMap.Lifecycle reads them: a registered <c>AWSOptions</c>, else the <c>AWS</c> section.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <example><c>services.AddServiceDiscovery().AddCloudMapServiceEndpointProvider();</c></example>
    public static IServiceCollection AddCloudMapServiceEndpointProvider(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return AddCore(services, section: null, configure: null);
    }

    /// <summary>Adds the Cloud Map provider; <paramref name="configure"/> runs after the <c>CloudMapDiscovery</c> section is bound.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets options in code (code wins over configuration).</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddCloudMapServiceEndpointProvider(this IServiceCollection services, Action<CloudMapServiceEndpointProviderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        return AddCore(services, section: null, configure);
    }

    /// <summary>Adds the Cloud Map provider with options bound from <paramref name="section"/> instead of <c>CloudMapDiscovery</c>.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The configuration section holding the provider's options.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddCloudMapServiceEndpointProvider(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        return AddCore(services, section, configure: null);
    }

    private static IServiceCollection AddCore(IServiceCollection services, IConfigurationSection? section, Action<CloudMapServiceEndpointProviderOptions>? configure)
    {
        if (!services.Any(d => d.ServiceType == typeof(CloudMapServiceWatchRegistry)))
        {
            services.AddServiceDiscoveryCore();

            // One decision, as the library's client makes it: the region check applies only when its transport is the client.
            var ownTransport = !services.Any(d => d.ServiceType == typeof(ICloudMapDiscoveryClient));
            services.TryAddCloudMapDiscoveryClient();
            if (ownTransport)
            {
                services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CloudMapClientOptions>, CloudMapDiscoveryEndpointValidator>());
            }

            services.AddMetrics();
            services.AddSingleton(new CloudMapDiscoveryConfigurationPath(section?.Path ?? CloudMapServiceEndpointProviderOptions.SectionName));
            services.AddOptions<CloudMapServiceEndpointProviderOptions>().ValidateOnStart();
            services.AddSingleton<IConfigureOptions<CloudMapServiceEndpointProviderOptions>>(sp => new ConfigureNamedOptions<CloudMapServiceEndpointProviderOptions>(Options.Options.DefaultName, options =>
            {
                var source = section ?? sp.GetService<IConfiguration>()?.GetSection(CloudMapServiceEndpointProviderOptions.SectionName);
                if (source is not null && source.Exists())
                {
                    CloudMapDiscoveryOptionsBinder.Bind(options, source);
                }
            }));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CloudMapServiceEndpointProviderOptions>, CloudMapServiceEndpointProviderOptionsValidator>());
            services.AddSingleton<CloudMapServiceWatchRegistry>();
            services.AddSingleton<CloudMapDiscoveryMetrics>();
            services.AddSingleton<IServiceEndpointProviderFactory>(static sp =>
            {
                // Created with the factory, so the instruments exist as soon as anything resolves a name.
                _ = sp.GetRequiredService<CloudMapDiscoveryMetrics>();
                return ActivatorUtilities.CreateInstance<CloudMapServiceEndpointProviderFactory>(sp);
            });
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return services;
    }
}
