// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using Amazon.Runtime;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Platform;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Janitor;

/// <summary>
/// <c>cloudmap-janitor</c>: parses the command line, wires the library's Cloud Map client (its credentials chain,
/// region and endpoint rules, signing, retries), then sweeps once or runs the interval worker.
/// </summary>
internal static class JanitorProgram
{
    /// <summary>Runs the command; returns its exit code (<see cref="JanitorExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, JanitorRuntime runtime, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(runtime);
        JanitorSettings settings;
        try
        {
            settings = JanitorCommandLine.Parse(args);
        }
        catch (ArgumentException e)
        {
            await runtime.Stderr.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            await runtime.Stderr.WriteLineAsync("Run 'cloudmap-janitor --help' for the options.").ConfigureAwait(false);
            return JanitorExitCodes.BadArguments;
        }

        if (settings.ShowHelp)
        {
            await runtime.Stdout.WriteLineAsync(JanitorCommandLine.Usage).ConfigureAwait(false);
            return JanitorExitCodes.Ok;
        }

        using var host = Build(settings, runtime);
        string region;
        try
        {
            region = host.Services.GetRequiredService<JanitorRegion>().Name;
        }
        catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
        {
            await runtime.Stderr.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
            return JanitorExitCodes.BadArguments;
        }

        var logger = host.Services.GetRequiredService<ILogger<JanitorEngine>>();
        var targets = string.Join(", ", settings.Services.Select(s => "service " + s).Concat(settings.Namespaces.Select(n => "namespace " + n)));
        var mode = settings.Interval is { } every ? string.Create(CultureInfo.InvariantCulture, $"every {every.TotalSeconds:0.###} s") : "once";
        JanitorEngine.Log.Starting(logger, mode, targets, region, settings.MaxPerSweep, settings.ConfirmDelay.TotalSeconds, settings.DryRun ? "; dry run: nothing is removed" : string.Empty);
        if (settings.DeregisterUnhealthyTasks)
        {
            JanitorEngine.Log.UnhealthyTasksRuleOn(logger);
        }

        if (settings.Interval is null)
        {
            try
            {
                var report = await host.Services.GetRequiredService<JanitorEngine>().SweepAsync(stop).ConfigureAwait(false);
                return report.ExitCode;
            }
            catch (JanitorConfigurationException e)
            {
                JanitorEngine.Log.Misconfigured(logger, e.Message);
                await runtime.Stderr.WriteLineAsync("error: " + e.Message).ConfigureAwait(false);
                return JanitorExitCodes.BadArguments;
            }
        }

        var worker = host.Services.GetRequiredService<JanitorWorker>();
        await host.RunAsync(stop).ConfigureAwait(false);
        return worker.ExitCode;
    }

    private static IHost Build(JanitorSettings settings, JanitorRuntime runtime)
    {
        // Empty: no appsettings, no environment-variable configuration; AWS settings come from the options and the
        // environment as the AWS CLI reads them.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ssZ ";
        });

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(sp => new CloudMapClientEnvironment(sp.GetService<AWSCredentials>()) { GetEnvironmentVariable = runtime.GetEnvironmentVariable });
        services.Configure<CloudMapClientOptions>(o =>
        {
            o.Region ??= settings.Region;
            o.Profile ??= settings.Profile;
            o.ServiceUrl ??= settings.EndpointUrl;
        });
        services.TryAddCloudMapDiscoveryClient();
        services.AddSingleton(sp => new JanitorRegion(CloudMapEndpoint.Resolve(sp.GetRequiredService<IOptions<CloudMapClientOptions>>().Value, sp.GetRequiredService<CloudMapClientEnvironment>()).Region));
        services.AddSingleton(sp => new JanitorEngine(
            sp.GetRequiredService<ICloudMapClient>(),
            sp.GetRequiredService<ICloudMapDiscoveryClient>(),
            new PlatformEndpoints(
                sp.GetService<IPlatformClient>() ?? (IPlatformClient)sp.GetRequiredService<HttpCloudMapClient>(),
                settings.EcsEndpointUrl ?? settings.EndpointUrl,
                settings.Ec2EndpointUrl ?? settings.EndpointUrl),
            settings,
            sp.GetRequiredService<JanitorRegion>().Name,
            runtime.Time,
            sp.GetRequiredService<ILogger<JanitorEngine>>()));
        if (settings.Interval is { } interval)
        {
            services.AddSingleton(sp => new JanitorWorker(sp.GetRequiredService<JanitorEngine>(), interval, runtime.Time, sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<JanitorEngine>>()));
            services.AddHostedService(sp => sp.GetRequiredService<JanitorWorker>());
        }

        runtime.ConfigureServices?.Invoke(services);
        return builder.Build();
    }

    /// <summary>The region swept, resolved as every call resolves it (fails with a message naming every place looked).</summary>
    private sealed record JanitorRegion(string Name);
}
