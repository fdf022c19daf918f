// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CloudMap.Lifecycle.Sample.Baseline;

/// <summary>Adds the hand-rolled baseline registration (the benchmarks' comparison column) to a host.</summary>
public static class BaselineServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="BaselineRegistrationService"/> as a hosted service, with its own <see cref="BaselineCloudMapClient"/>
    /// signing with an <see cref="AWSCredentials"/> registered in DI, or else AWSSDK.Core's default chain.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="settings">Builds who registers and where; from the <c>CloudMap</c> configuration keys when <see langword="null"/>.</param>
    /// <param name="client">Builds the client options; from the <c>AWS</c> configuration section when <see langword="null"/>.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddBaselineRegistration(
        this IServiceCollection services,
        Func<IServiceProvider, BaselineRegistrationSettings>? settings = null,
        Func<IServiceProvider, BaselineClientOptions>? client = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        settings ??= static sp => BaselineRegistrationSettings.FromConfiguration(sp.GetRequiredService<IConfiguration>());
        client ??= static sp => BaselineClientOptions.FromConfiguration(sp.GetRequiredService<IConfiguration>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new BaselineCloudMapClient(client(sp), sp.GetRequiredService<TimeProvider>(), sp.GetService<AWSCredentials>()));
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<BaselineRegistrationService>(sp, settings(sp)));
        services.AddHostedService(sp => sp.GetRequiredService<BaselineRegistrationService>());
        return services;
    }
}
