// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Runtime;
using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Sample;

/// <summary>
/// The in-process Cloud Map emulator the sample falls back to when nothing is configured, so that
/// <c>dotnet run</c> works on a fresh machine. The library itself never does this: it is the application's choice.
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

    /// <summary>Embedded when no Cloud Map target is configured and <c>Sample:EmbeddedEmulator</c> is not <c>false</c>.</summary>
    public static bool ShouldStart(IConfiguration configuration, SampleOptions sample) =>
        sample.EmbeddedEmulator
        && string.IsNullOrWhiteSpace(configuration["CloudMap:ServiceId"])
        && string.IsNullOrWhiteSpace(configuration["CloudMap:NamespaceName"]);

    /// <summary>Starts the emulator, creates <c>demo.local</c>/<c>sample</c>, and points the app's configuration at it.</summary>
    public static async Task<EmbeddedEmulator> StartAsync(WebApplicationBuilder builder, CancellationToken cancellationToken)
    {
        var emulator = await CloudMapEmulator.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            var serviceName = builder.Configuration["CloudMap:ServiceName"] ?? ServiceName;
            var namespaceId = emulator.CreateHttpNamespace(NamespaceName);
            emulator.CreateService(namespaceId, serviceName, EmulatedHealthCheck.Custom);

            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AWS:ServiceURL"] = emulator.Endpoint.ToString(),
                ["AWS:Region"] = emulator.Region,
                ["CloudMap:NamespaceName"] = NamespaceName,
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
}
