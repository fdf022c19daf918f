// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Testing.Internal;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Points a web host (the one <c>WebApplicationFactory&lt;T&gt;.ConfigureWebHost</c> hands you) at a <see cref="CloudMapEmulator"/>.</summary>
public static class CloudMapEmulatorWebHostBuilderExtensions
{
    /// <summary>
    /// Points the app's Cloud Map registration at <paramref name="emulator"/>: endpoint and region (<c>AWS:ServiceURL</c>,
    /// <c>AWS:Region</c>), dummy credentials, no <c>data-</c> host prefix, and <paramref name="serviceId"/> as the target
    /// (the app's own <c>ServiceId</c>, <c>NamespaceName</c> and <c>ServiceName</c> are overridden). Under TestServer,
    /// which has no address or port, the registration registers <c>127.0.0.1:80</c> unless <c>CloudMap:Address</c> or
    /// <c>CloudMap:Port</c> is set.
    /// </summary>
    /// <param name="builder">The web host builder.</param>
    /// <param name="emulator">The running emulator.</param>
    /// <param name="serviceId">The service to register in, as <see cref="CloudMapEmulator.CreateService"/> returned it.</param>
    /// <param name="registrationName">
    /// The named registration to point (<c>AddCloudMapRegistration("grpc", ...)</c>); <see langword="null"/> for the default one.
    /// </param>
    /// <returns><paramref name="builder"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="emulator"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="serviceId"/> is <see langword="null"/>, empty or white space.</exception>
    /// <remarks>
    /// The settings are host settings, so an app built with <c>WebApplication.CreateBuilder</c> sees them in
    /// <c>builder.Configuration</c> before <c>Build()</c>. When the emulator runs on a fake clock and the app is given that
    /// clock (<c>services.AddSingleton&lt;TimeProvider&gt;(clock)</c>), the Cloud Map client's per-attempt timeout is turned
    /// off, so moving the clock never abandons a call in flight.
    /// </remarks>
    public static IWebHostBuilder UseCloudMapEmulator(this IWebHostBuilder builder, CloudMapEmulator emulator, string serviceId, string? registrationName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var wiring = EmulatorWiring.Create(emulator, serviceId, registrationName);
        foreach (var (key, value) in wiring.Settings)
        {
            builder.UseSetting(key, value);
        }

        return builder.ConfigureServices(wiring.AddServices);
    }
}
