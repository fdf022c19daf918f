// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>Adds a Cloud Map registration bound from the application's configuration.</summary>
public static class CloudMapRegistrationHostApplicationBuilderExtensions
{
    /// <summary>
    /// Adds the default Cloud Map registration bound from the <c>CloudMap</c> configuration section
    /// (<see cref="CloudMapRegistrationOptions.SectionName"/>), then adjusted by <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="configure">Configures the options after binding, or <see langword="null"/>.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static IHostApplicationBuilder AddCloudMapRegistration(this IHostApplicationBuilder builder, Action<CloudMapRegistrationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddCloudMapRegistration(Options.Options.DefaultName, builder.Configuration.GetSection(CloudMapRegistrationOptions.SectionName), configure);
        return builder;
    }

    /// <summary>Adds a named Cloud Map registration bound from the <c>CloudMap:&lt;name&gt;</c> configuration section.</summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="name">The registration name.</param>
    /// <param name="configure">Configures the options after binding, or <see langword="null"/>.</param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="name"/> is <see langword="null"/>.</exception>
    public static IHostApplicationBuilder AddCloudMapRegistration(this IHostApplicationBuilder builder, string name, Action<CloudMapRegistrationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);
        var sectionPath = string.IsNullOrEmpty(name)
            ? CloudMapRegistrationOptions.SectionName
            : CloudMapRegistrationOptions.SectionName + ConfigurationPath.KeyDelimiter + name;
        builder.Services.AddCloudMapRegistration(name, builder.Configuration.GetSection(sectionPath), configure);
        return builder;
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
