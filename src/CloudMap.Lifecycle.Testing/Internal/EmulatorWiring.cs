// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Runtime;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// What every <c>UseCloudMapEmulator</c> overload applies, whatever the builder: configuration keys (seen by the app's
/// own code, e.g. a sample deciding whether to start an emulator of its own) and code-level options (which win over
/// anything the app configured), so one call points one registration at the emulator.
/// </summary>
internal sealed class EmulatorWiring
{
    /// <summary>The address registered when the app's server has no address of its own (TestServer).</summary>
    public const string InMemoryServerAddress = "127.0.0.1";

    /// <summary>The port registered when the app's server has no address of its own (TestServer).</summary>
    public const int InMemoryServerPort = 80;

    /// <summary>The dummy access key id the app signs with (the emulator verifies nothing unless told to).</summary>
    public const string AccessKeyId = "cloudmap-emulator";

    private readonly CloudMapEmulator _emulator;
    private readonly string _serviceId;
    private readonly string _name;

    private EmulatorWiring(CloudMapEmulator emulator, string serviceId, string name)
    {
        _emulator = emulator;
        _serviceId = serviceId;
        _name = name;
    }

    /// <summary>Gets the configuration keys to set: the <c>AWS</c> section keys the library and the AWS SDK read.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
    {
        ["AWS:ServiceURL"] = _emulator.Endpoint.ToString(),
        ["AWS:Region"] = _emulator.Region,
    };

    /// <summary>Validates the arguments of a public overload (parameter names as the public overloads name them).</summary>
    public static EmulatorWiring Create(CloudMapEmulator emulator, string serviceId, string? registrationName)
    {
        ArgumentNullException.ThrowIfNull(emulator);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceId);
        return new EmulatorWiring(emulator, serviceId, registrationName ?? Options.DefaultName);
    }

    /// <summary>Registers the dummy credentials and the options that point the client and the registration at the emulator.</summary>
    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton<AWSCredentials>(new BasicAWSCredentials(AccessKeyId, AccessKeyId));

        // Post-configured, so values the app set in code or in appsettings (another endpoint, a profile) lose.
        services.AddOptions<CloudMapClientOptions>().PostConfigure<TimeProvider>((o, time) =>
        {
            o.ServiceUrl = _emulator.Endpoint;
            o.Region = _emulator.Region;

            // The emulator serves both planes on one host: no "data-" in front of 127.0.0.1.
            o.DisableHostPrefixInjection = true;

            // Under a fake clock a per-attempt timeout is a timer on the clock the test moves: a step taken while a
            // call is in flight would abandon it. The emulator is in process and answers at once.
            if (time != TimeProvider.System)
            {
                o.AttemptTimeout = Timeout.InfiniteTimeSpan;
            }
        });

        services.AddOptions<CloudMapRegistrationOptions>(_name).PostConfigure<IServiceProvider>((o, sp) =>
        {
            // The service id wins over the app's own target: appsettings naming NamespaceName + ServiceName would
            // otherwise conflict with it ("set either ServiceId or NamespaceName plus ServiceName, not both").
            o.ServiceId = _serviceId;
            o.NamespaceName = null;
            o.ServiceName = null;

            // TestServer runs in memory: nothing listens on an address or a port, and the addresses it reports are
            // only the configured URLs echoed back (none, or the app's UseUrls). Register a placeholder unless the app
            // says otherwise; a real server (Kestrel, WebApplicationFactory.UseKestrel) keeps reporting its own.
            if (HasInMemoryServer(sp))
            {
                o.Address ??= InMemoryServerAddress;
                o.Port ??= InMemoryServerPort;
            }
        });
    }

    /// <summary>The type of ASP.NET Core's in-memory test server (Microsoft.AspNetCore.TestHost), named so this package needs no reference to it.</summary>
    internal const string TestServerTypeName = "Microsoft.AspNetCore.TestHost.TestServer";

    private static bool HasInMemoryServer(IServiceProvider services) =>
        services.GetService<IServer>() is { } server
        && (server.GetType().FullName == TestServerTypeName || server.Features.Get<IServerAddressesFeature>() is null);
}
