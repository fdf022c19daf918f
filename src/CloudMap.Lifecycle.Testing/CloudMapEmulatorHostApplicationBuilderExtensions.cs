// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Testing.Internal;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>Points a host built with <see cref="IHostApplicationBuilder"/> (<c>WebApplication.CreateBuilder</c>, <c>Host.CreateApplicationBuilder</c>) at a <see cref="CloudMapEmulator"/>.</summary>
public static class CloudMapEmulatorHostApplicationBuilderExtensions
{
    /// <summary>
    /// Points the app's Cloud Map registration at <paramref name="emulator"/>: endpoint and region (<c>AWS:ServiceURL</c>,
    /// <c>AWS:Region</c>), dummy credentials, no <c>data-</c> host prefix, and <paramref name="serviceId"/> as the target
    /// (the app's own <c>ServiceId</c>, <c>NamespaceName</c> and <c>ServiceName</c> are overridden). Under TestServer,
    /// which has no address or port, the registration registers <c>127.0.0.1:80</c> unless <c>CloudMap:Address</c> or
    /// <c>CloudMap:Port</c> is set.
    /// </summary>
    /// <param name="builder">The host application builder.</param>
    /// <param name="emulator">The running emulator.</param>
    /// <param name="serviceId">The service to register in, as <see cref="CloudMapEmulator.CreateService"/> returned it.</param>
    /// <param name="registrationName">
    /// The named registration to point (<c>AddCloudMapRegistration("grpc", ...)</c>); <see langword="null"/> for the default one.
    /// </param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="emulator"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="serviceId"/> is <see langword="null"/>, empty or white space.</exception>
    /// <remarks>
    /// The settings are added to <see cref="IHostApplicationBuilder.Configuration"/> at once, after the sources already
    /// there (appsettings, environment, command line), so they win over them and the app's code sees them before
    /// <c>Build()</c>.
    /// </remarks>
    public static IHostApplicationBuilder UseCloudMapEmulator(this IHostApplicationBuilder builder, CloudMapEmulator emulator, string serviceId, string? registrationName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var wiring = EmulatorWiring.Create(emulator, serviceId, registrationName);
        builder.Configuration.AddInMemoryCollection(wiring.Settings);
        wiring.AddServices(builder.Services);
        return builder;
    }
}
