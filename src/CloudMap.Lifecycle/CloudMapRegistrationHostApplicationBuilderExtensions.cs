// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>Adds a Cloud Map registration bound from the application's configuration.</summary>
/// <remarks>
/// Every overload funnels into
/// <see cref="CloudMapRegistrationServiceCollectionExtensions.AddCloudMapRegistration(IServiceCollection, string, IConfigurationSection?, Action{CloudMapRegistrationOptions}?)"/>.
/// Only the overload with the most parameters has an optional parameter, so adding a parameter later cannot make
/// an existing call bind differently (Roslyn's rule RS0026/RS0027 for optional parameters in a public API).
/// </remarks>
public static class CloudMapRegistrationHostApplicationBuilderExtensions
{
    /// <summary>
    /// Adds the default Cloud Map registration bound from the <c>CloudMap</c> configuration section
    /// (<see cref="CloudMapRegistrationOptions.SectionName"/>).
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IHostApplicationBuilder AddCloudMapRegistration(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCloudMapRegistration(Options.Options.DefaultName, configure: null);
    }

    /// <summary>
    /// Adds the default Cloud Map registration bound from the <c>CloudMap</c> configuration section
    /// (<see cref="CloudMapRegistrationOptions.SectionName"/>), then adjusted by <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="configure">Configures the options after binding, or <see langword="null"/>.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IHostApplicationBuilder AddCloudMapRegistration(this IHostApplicationBuilder builder, Action<CloudMapRegistrationOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddCloudMapRegistration(Options.Options.DefaultName, configure);
    }

    /// <summary>
    /// Adds a named Cloud Map registration bound from the <c>CloudMap:&lt;name&gt;</c> configuration section
    /// (the <c>CloudMap</c> section itself for the empty, default name).
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="name">The registration name.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="name"/> is <see langword="null"/>.</exception>
    public static IHostApplicationBuilder AddCloudMapRegistration(this IHostApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);
        return builder.AddCloudMapRegistration(name, configure: null);
    }

    /// <summary>
    /// Adds a named Cloud Map registration bound from the <c>CloudMap:&lt;name&gt;</c> configuration section
    /// (the <c>CloudMap</c> section itself for the empty, default name), then adjusted by <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="name">The registration name.</param>
    /// <param name="configure">Configures the options after binding, or <see langword="null"/>.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="name"/> is <see langword="null"/>.</exception>
    public static IHostApplicationBuilder AddCloudMapRegistration(this IHostApplicationBuilder builder, string name, Action<CloudMapRegistrationOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);
        var sectionPath = string.IsNullOrEmpty(name)
            ? CloudMapRegistrationOptions.SectionName
            : CloudMapRegistrationOptions.SectionName + ConfigurationPath.KeyDelimiter + name;
        return builder.AddCloudMapRegistration(name, builder.Configuration.GetSection(sectionPath), configure);
    }

    /// <summary>Adds a named Cloud Map registration bound from the given configuration section.</summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="name">The registration name.</param>
    /// <param name="section">The configuration section to bind.</param>
    /// <param name="configure">Configures the options after binding, or <see langword="null"/>.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/>, <paramref name="name"/> or <paramref name="section"/> is <see langword="null"/>.</exception>
    public static IHostApplicationBuilder AddCloudMapRegistration(this IHostApplicationBuilder builder, string name, IConfigurationSection section, Action<CloudMapRegistrationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(section);
        builder.Services.AddCloudMapRegistration(name, section, configure);
        return builder;
    }
}
