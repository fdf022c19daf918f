// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Testing.Internal;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>Points a host built with <see cref="IHostBuilder"/> (<c>Host.CreateDefaultBuilder</c>) at a <see cref="CloudMapEmulator"/>.</summary>
public static class CloudMapEmulatorHostBuilderExtensions
{
    /// <summary>
    /// Points the app's Cloud Map registration at <paramref name="emulator"/>, as
    /// <see cref="CloudMapEmulatorHostApplicationBuilderExtensions.UseCloudMapEmulator(IHostApplicationBuilder, CloudMapEmulator, string, string?)"/> does, for a host built
    /// with <see cref="IHostBuilder"/>.
    /// </summary>
    /// <param name="builder">The host builder.</param>
    /// <param name="emulator">The running emulator.</param>
    /// <param name="serviceId">The service to register in, as <see cref="CloudMapEmulator.CreateService"/> returned it.</param>
    /// <param name="registrationName">
    /// The named registration to point (<c>AddCloudMapRegistration("grpc", ...)</c>); <see langword="null"/> for the default one.
    /// </param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="emulator"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="serviceId"/> is <see langword="null"/>, empty or white space.</exception>
    /// <remarks>The settings are added to the app configuration when the host is built, after the sources configured before this call.</remarks>
    public static IHostBuilder UseCloudMapEmulator(this IHostBuilder builder, CloudMapEmulator emulator, string serviceId, string? registrationName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var wiring = EmulatorWiring.Create(emulator, serviceId, registrationName);
        return builder
            .ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(wiring.Settings))
            .ConfigureServices(wiring.AddServices);
    }
}
