// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Identity;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Internal.Cleanup;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds a Cloud Map registration (register when ready, truthful health, deregister first on stop) to a service collection.</summary>
/// <remarks>
/// <para>
/// Every overload funnels into <see cref="AddCloudMapRegistration(IServiceCollection, string, IConfigurationSection?, Action{CloudMapRegistrationOptions}?)"/>.
/// Adding the same name again is idempotent: the services are added once; the extra configuration (section and/or
/// delegate) is applied on top of the earlier one.
/// </para>
/// <para>
/// What gets added per name: options validated on start, a registration driven by one shared hosted lifecycle
/// service (so several registrations deregister together and drain once), and a health check named
/// <c>cloudmap</c> (or <c>cloudmap-&lt;name&gt;</c>) tagged <c>cloudmap</c> that reports the registration's phase.
/// Shared: <see cref="ICloudMapRegistrationStateProvider"/>, <see cref="ICloudMapRegistrationState"/> (for the
/// default name), <see cref="TimeProvider.System"/> unless one is registered, metrics and health checks.
/// </para>
/// </remarks>
public static class CloudMapRegistrationServiceCollectionExtensions
{
    /// <summary>Adds the default Cloud Map registration, configured by other means (for example <c>Configure&lt;CloudMapRegistrationOptions&gt;</c>).</summary>
    /// <param name="services">The service collection.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddCloudMapRegistration(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddCloudMapRegistration(Options.Options.DefaultName, section: null, configure: null);
    }

    /// <summary>Adds the default Cloud Map registration configured by a delegate.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IServiceCollection AddCloudMapRegistration(this IServiceCollection services, Action<CloudMapRegistrationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddCloudMapRegistration(Options.Options.DefaultName, section: null, configure);
    }

    /// <summary>Adds a named Cloud Map registration configured by a delegate.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The registration name; <see cref="Options.Options.DefaultName"/> (empty) for the default registration.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IServiceCollection AddCloudMapRegistration(this IServiceCollection services, string name, Action<CloudMapRegistrationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddCloudMapRegistration(name, section: null, configure);
    }

    /// <summary>Adds the default Cloud Map registration bound from a configuration section (unknown keys fail startup).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The configuration section, usually <c>CloudMap</c>.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IServiceCollection AddCloudMapRegistration(this IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        return services.AddCloudMapRegistration(Options.Options.DefaultName, section, configure: null);
    }

    /// <summary>Adds the default Cloud Map registration bound from a configuration section, then adjusted by a delegate.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The configuration section, usually <c>CloudMap</c>.</param>
    /// <param name="configure">Configures the options after binding.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IServiceCollection AddCloudMapRegistration(this IServiceCollection services, IConfigurationSection section, Action<CloudMapRegistrationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddCloudMapRegistration(Options.Options.DefaultName, section, configure);
    }

    /// <summary>
    /// Adds a named Cloud Map registration, so one application can register several ports (for example HTTP and gRPC)
    /// in several services. The core overload all others call.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The registration name; <see cref="Options.Options.DefaultName"/> (empty) for the default registration.</param>
    /// <param name="section">A configuration section to bind (unknown keys fail startup), or <see langword="null"/>.</param>
    /// <param name="configure">Configures the options after binding, or <see langword="null"/>.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="name"/> is <see langword="null"/>.</exception>
    public static IServiceCollection AddCloudMapRegistration(this IServiceCollection services, string name, IConfigurationSection? section, Action<CloudMapRegistrationOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);

        var builder = services.AddOptions<CloudMapRegistrationOptions>(name);
        if (section is not null)
        {
            builder.Configure<IEnumerable<CloudMapRegistrationMarker>>((options, markers) => Bind(options, section, name, markers));
        }

        if (configure is not null)
        {
            builder.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(CloudMapRegistrationMarker) && d.ImplementationInstance is CloudMapRegistrationMarker m && m.Name == name))
        {
            return services;
        }

        var marker = new CloudMapRegistrationMarker(name, section?.Path);
        services.AddSingleton(marker);
        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CloudMapRegistrationOptions>, CloudMapRegistrationOptionsValidator>());

        services.AddOptions();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CloudMapRegistrationStateProvider>();
        services.TryAddSingleton<ICloudMapRegistrationStateProvider>(sp => sp.GetRequiredService<CloudMapRegistrationStateProvider>());
        if (string.IsNullOrEmpty(name))
        {
            services.TryAddSingleton<ICloudMapRegistrationState>(sp => sp.GetRequiredService<CloudMapRegistrationStateProvider>().Get(Options.Options.DefaultName));
        }

        services.TryAddSingleton<LifecycleTelemetry>();
        services.TryAddSingleton<IServerAddressSource, ServerAddressSource>();
        services.TryAddSingleton(_ => InstanceIdentityResolverOptions.FromEnvironment());
        services.TryAddSingleton<IInstanceIdentityResolver, InstanceIdentityResolver>();
        services.TryAddCloudMapClient();

        // --- Crash cleanup, proof of life (issue 11): the answering side and the prober. ---
        // The startup filter goes first in the collection so that it is the outermost one: host filtering, HTTPS
        // redirection, authentication and routing (all added by filters or the app inside it) never see a probe.
        services.TryAddSingleton<ProofOfLifeResponder>();
        if (!services.Any(d => d.ServiceType == typeof(IStartupFilter) && d.ImplementationType == typeof(ProofOfLifeStartupFilter)))
        {
            services.Insert(0, ServiceDescriptor.Transient<IStartupFilter, ProofOfLifeStartupFilter>());
        }

        services.TryAddSingleton<IPeerProber, HttpPeerProber>();
        // --- End of proof of life. ---

        services.AddHealthChecks().Add(new HealthCheckRegistration(
            CloudMapRegistrationHealthCheck.CheckName(name),
            sp => new CloudMapRegistrationHealthCheck(sp.GetRequiredService<CloudMapRegistrationStateProvider>().Get(name)),
            failureStatus: null,
            tags: [CloudMapRegistrationHealthCheck.Tag]));

        // The lifecycle runs the app's checks through its own bounded, silent runner; the app's HealthCheckService (its
        // /health endpoints) stays the framework's.
        services.TryAddSingleton<HealthCheckRunner>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<CloudMapRegistrationService>(sp, marker, sp.GetRequiredService<HealthCheckRunner>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CloudMapStartupCheck>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CloudMapRegistrationCoordinator>());
        return services;
    }

    /// <summary>
    /// Binds <paramref name="section"/> with <c>ErrorOnUnknownConfiguration</c>, ignoring the child sections that belong
    /// to other named registrations (<c>CloudMap:grpc</c> is not an unknown key of the default <c>CloudMap</c> section).
    /// </summary>
    private static void Bind(CloudMapRegistrationOptions options, IConfigurationSection section, string name, IEnumerable<CloudMapRegistrationMarker> markers)
    {
        var prefix = section.Path + ConfigurationPath.KeyDelimiter;
        var foreignChildren = markers
            .Where(m => m.Name != name && m.ConfigurationPath is { } path && path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                && !path[prefix.Length..].Contains(ConfigurationPath.KeyDelimiter, StringComparison.Ordinal))
            .Select(m => m.ConfigurationPath!)
            .ToList();

        IConfiguration source = section;
        if (foreignChildren.Count > 0)
        {
            var kept = section.AsEnumerable()
                .Where(kv => kv.Value is not null && !foreignChildren.Any(child =>
                    string.Equals(kv.Key, child, StringComparison.OrdinalIgnoreCase)
                    || kv.Key.StartsWith(child + ConfigurationPath.KeyDelimiter, StringComparison.OrdinalIgnoreCase)));
            source = new ConfigurationBuilder().AddInMemoryCollection(kept).Build().GetSection(section.Path);
        }

        // Checked first so that a typo names the full key and the nearest valid one, and a bad enum value lists the
        // valid values; the binder's own check stays as a safety net.
        var problems = ConfigurationKeyChecker.Check(source, section.Path, typeof(CloudMapRegistrationOptions));
        if (problems.Count > 0)
        {
            // InvalidOperationException, as the binder throws for the same mistakes.
            throw new InvalidOperationException(string.Join(" ", problems));
        }

        source.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
    }
}
