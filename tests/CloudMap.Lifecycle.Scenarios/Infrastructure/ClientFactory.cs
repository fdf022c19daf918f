// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Runtime;
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>Builds the library's own Cloud Map client pointed at an emulator (what a discovering client would use).</summary>
internal static class ClientFactory
{
    public const string Region = "us-east-1";

    public static ServiceProvider Create(Uri emulator, int maxAttempts = 4)
    {
        var services = new ServiceCollection();
        services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("AKIDSCENARIOS", "scenarios-secret"));
        services.TryAddCloudMapDiscoveryClient();
        services.Configure<CloudMapClientOptions>(o =>
        {
            o.ServiceUrl = emulator;
            o.Region = Region;

            // The emulator serves both planes on one host: data-127.0.0.1 would not resolve.
            o.DisableHostPrefixInjection = true;
            o.MaxAttempts = maxAttempts;
            o.AttemptTimeout = TimeSpan.FromSeconds(5);
        });
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}
