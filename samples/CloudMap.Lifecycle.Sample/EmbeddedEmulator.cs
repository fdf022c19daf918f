// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Runtime;
using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Sample;

/// <summary>
/// The in-process Cloud Map emulator the sample falls back to when no Cloud Map endpoint or target is configured, so
/// that <c>dotnet run</c> works on a fresh machine (<c>Sample:EmbeddedEmulator</c> decides: <c>auto</c>, <c>true</c>, <c>false</c>). The library itself never does this: it is the application's choice.
/// </summary>
internal sealed class EmbeddedEmulator : IAsyncDisposable
{
    /// <summary>The HTTP namespace created in the emulator.</summary>
    public const string NamespaceName = "demo.local";

    /// <summary>The service (with custom health) created in the emulator.</summary>
    public const string ServiceName = "sample";

    private readonly CloudMapEmulator _emulator;

    private EmbeddedEmulator(CloudMapEmulator emulator)
    {
        _emulator = emulator;
    }

    public string Endpoint => _emulator.Endpoint.ToString().TrimEnd('/');

    public string Dashboard => _emulator.DashboardUrl.ToString();

    /// <summary>The keys that point the app at a Cloud Map (an endpoint, or a target in it): any of them turns <c>auto</c> off.</summary>
    internal static readonly string[] TargetKeys = ["AWS:ServiceURL", "CloudMap:ServiceId", "CloudMap:NamespaceName", "CloudMap:ServiceName"];

    // Keys the emulator cannot honour: it has its own endpoint, and it makes up its own service ids.
    private static readonly string[] ConflictingKeys = ["AWS:ServiceURL", "CloudMap:ServiceId"];

    /// <summary>Decides from <see cref="SampleOptions.EmbeddedEmulator"/>: see there for <c>auto</c>, <c>true</c> and <c>false</c>.</summary>
    /// <exception cref="InvalidOperationException"><c>true</c> while <c>AWS:ServiceURL</c> or <c>CloudMap:ServiceId</c> is set.</exception>
    public static bool ShouldStart(IConfiguration configuration, SampleOptions sample)
    {
        switch (sample.EmbeddedEmulator)
        {
            case false:
                return false;
            case null:
                return !TargetKeys.Any(key => !string.IsNullOrWhiteSpace(configuration[key]));
            default:
                var conflict = ConflictingKeys.FirstOrDefault(key => !string.IsNullOrWhiteSpace(configuration[key]));
                if (conflict is null)
                {
                    return true;
                }

                throw new InvalidOperationException(
                    $"Configuration key 'Sample:EmbeddedEmulator' is 'true' but '{conflict}' is set to '{configuration[conflict]}', which the embedded emulator cannot honour; remove one of them ('Sample:EmbeddedEmulator=auto' uses the configured Cloud Map).");
        }
    }

    /// <summary>Starts the emulator, creates <c>demo.local</c>/<c>sample</c>, and points the app's configuration at it.</summary>
    public static async Task<EmbeddedEmulator> StartAsync(WebApplicationBuilder builder, CancellationToken cancellationToken)
    {
        var emulator = await CloudMapEmulator.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            // Only Sample:EmbeddedEmulator=true gets here with a name configured: that namespace and service are created.
            var namespaceName = NullIfBlank(builder.Configuration["CloudMap:NamespaceName"]) ?? NamespaceName;
            var serviceName = NullIfBlank(builder.Configuration["CloudMap:ServiceName"]) ?? ServiceName;
            var namespaceId = emulator.CreateHttpNamespace(namespaceName);
            emulator.CreateService(namespaceId, serviceName, EmulatedHealthCheck.Custom);

            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AWS:ServiceURL"] = emulator.Endpoint.ToString(),
                ["AWS:Region"] = emulator.Region,
                ["CloudMap:NamespaceName"] = namespaceName,
                ["CloudMap:ServiceName"] = serviceName,
            });

            // The emulator serves both planes on one host: no "data-" prefix in front of 127.0.0.1.
            builder.Services.Configure<CloudMapClientOptions>(o => o.DisableHostPrefixInjection = true);

            // Dummy credentials for the emulator only: against real Cloud Map the default AWS chain applies.
            builder.Services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("embedded-emulator", "embedded-emulator"));

            var embedded = new EmbeddedEmulator(emulator);

            // Created by a factory so the container disposes it with the host, after the library has deregistered.
            builder.Services.AddSingleton(_ => embedded);
            return embedded;
        }
        catch
        {
            await emulator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask DisposeAsync() => _emulator.DisposeAsync();

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
