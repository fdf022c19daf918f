// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Sample.Baseline;
using CloudMap.Lifecycle.Sample.Warmup;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Sample;

/// <summary>
/// Builds the sample application. <c>Program</c> only runs what this returns, so tests start exactly the same app.
/// </summary>
public static partial class SampleApp
{
    /// <summary>Where the sample listens when nothing else says: <c>http://127.0.0.1:5080</c>, the README's address.</summary>
    public const string LocalDefaultUrl = "http://127.0.0.1:5080";

    // The keys ASP.NET Core reads the listening address from: --urls, ASPNETCORE_URLS and DOTNET_URLS become "urls",
    // ASPNETCORE_HTTP_PORTS becomes "http_ports" (what every .NET container image and ECS task definition sets).
    private static readonly string[] ListenAddressKeys = ["urls", "http_ports", "https_ports"];

    /// <summary>Builds the sample: endpoints, warm-up, health checks, and Cloud Map registration.</summary>
    /// <param name="args">The command-line arguments (<c>--urls</c>, <c>--Sample:WarmupSeconds=2</c>, ...).</param>
    /// <remarks>
    /// The listening address is left to ASP.NET Core's own sources (<c>--urls</c>, <c>ASPNETCORE_URLS</c>,
    /// <c>ASPNETCORE_HTTP_PORTS</c>/<c>HTTPS_PORTS</c>, <c>Kestrel:Endpoints</c>); only when none of them is set does the
    /// sample listen on <see cref="LocalDefaultUrl"/>.
    /// </remarks>
    /// <param name="configure">
    /// Runs right after the builder is created, before the sample adds anything: tests use it to add configuration or
    /// a <see cref="TimeProvider"/>.
    /// </param>
    /// <param name="cancellationToken">Cancels starting the embedded emulator.</param>
    /// <returns>The built application, not started.</returns>
    public static async Task<WebApplication> BuildAsync(
        string[] args,
        Action<WebApplicationBuilder>? configure = null,
        CancellationToken cancellationToken = default)
    {
        // appsettings.json is read from next to the binary, so the app behaves the same from any working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        if (!IsListenAddressConfigured(builder.Configuration))
        {
            builder.WebHost.UseUrls(LocalDefaultUrl);
        }

        // Read once, strictly (typos and bad values fail here, naming the key); the app sees this very instance.
        var sample = SampleOptions.Read(builder.Configuration);
        builder.Services.AddSingleton(Options.Create(sample));
        builder.Services.TryAddSingleton(TimeProvider.System);

        // The sample (never the library) decides to fall back to an in-process emulator.
        var embedded = EmbeddedEmulator.ShouldStart(builder.Configuration, sample)
            ? await EmbeddedEmulator.StartAsync(builder, cancellationToken).ConfigureAwait(false)
            : null;
        try
        {
            builder.Services.AddSingleton<ProductCache>();
            builder.Services.AddHostedService<CacheWarmupService>();
            builder.Services.AddSingleton<ReadinessToggle>();
            builder.Services.AddHealthChecks()
                .AddCheck<CacheHealthCheck>(CacheHealthCheck.Name, tags: [SampleEndpoints.ReadyTag])
                .AddCheck<ReadinessToggle>(ReadinessToggle.Name, tags: [SampleEndpoints.ReadyTag])
                .AddCheck("self", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy("The process answers."), tags: [SampleEndpoints.LiveTag]);

            if (sample.RegistrationMode == SampleRegistrationMode.Baseline)
            {
                builder.Services.AddBaselineRegistration();
                builder.Services.AddSingleton<ISampleRegistration>(sp => sp.GetRequiredService<BaselineRegistrationService>());
            }
            else
            {
                // The one line a real service needs: binds the "CloudMap" section, validated on start.
                builder.AddCloudMapRegistration();
                builder.Services.AddSingleton<ISampleRegistration, LibraryRegistration>();
            }

            var app = builder.Build();

            // Resolved once so the container owns it and disposes it when the host is disposed (after deregistration).
            _ = app.Services.GetService<EmbeddedEmulator>();
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SampleApp).FullName!);
            if (embedded is not null)
            {
                LogEmbeddedEmulator(logger, embedded.Endpoint, embedded.Dashboard);
            }
            else
            {
                LogConfiguredCloudMap(logger, builder.Configuration["AWS:ServiceURL"] ?? "the AWS endpoint of the region");
            }

            LogStarting(logger, sample.RegistrationMode, sample.WarmupSeconds);
            SampleEndpoints.Map(app);
            return app;
        }
        catch
        {
            if (embedded is not null)
            {
                await embedded.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    private static bool IsListenAddressConfigured(IConfiguration configuration) =>
        ListenAddressKeys.Any(key => !string.IsNullOrWhiteSpace(configuration[key]))
        || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();

    [LoggerMessage(EventId = 1, EventName = "EmbeddedEmulator", Level = LogLevel.Information,
        Message = "No Cloud Map configured: using the embedded emulator at {Endpoint} (dashboard: {Dashboard}).")]
    private static partial void LogEmbeddedEmulator(ILogger logger, string endpoint, string dashboard);

    [LoggerMessage(EventId = 2, EventName = "ConfiguredCloudMap", Level = LogLevel.Information,
        Message = "Cloud Map configured: talking to {Endpoint}.")]
    private static partial void LogConfiguredCloudMap(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 3, EventName = "Starting", Level = LogLevel.Information,
        Message = "Sample starting: registration mode {Mode}, cache warm-up {WarmupSeconds} s.")]
    private static partial void LogStarting(ILogger logger, SampleRegistrationMode mode, double warmupSeconds);
}
