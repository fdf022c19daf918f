// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Sample.Warmup;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace CloudMap.Lifecycle.Sample;

/// <summary>The sample's HTTP surface.</summary>
internal static partial class SampleEndpoints
{
    /// <summary>The tag of the readiness checks (the library waits for them before registering).</summary>
    public const string ReadyTag = "ready";

    /// <summary>The tag of the liveness checks.</summary>
    public const string LiveTag = "live";

    public static void Map(WebApplication app)
    {
        // The "business" endpoint: like a real service without its cache, it cannot answer until warmed up.
        app.MapGet("/", (ProductCache cache, ISampleRegistration registration) => cache.IsWarm
            ? Results.Text(registration.InstanceId)
            : Results.Text("Warming up: the product cache is not filled yet.", statusCode: StatusCodes.Status503ServiceUnavailable));

        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag) });
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) });

        app.MapPost("/admin/unhealthy", (ReadinessToggle toggle, ILoggerFactory loggers) => SetReadiness(toggle, loggers, healthy: false));
        app.MapPost("/admin/healthy", (ReadinessToggle toggle, ILoggerFactory loggers) => SetReadiness(toggle, loggers, healthy: true));
        app.MapGet("/admin/registration", (ISampleRegistration registration) => Results.Json(registration.Snapshot()));
    }

    private static IResult SetReadiness(ReadinessToggle toggle, ILoggerFactory loggers, bool healthy)
    {
        toggle.IsHealthy = healthy;
        LogReadinessToggled(loggers.CreateLogger(typeof(SampleEndpoints).FullName!), healthy ? "passing" : "failing");
        return Results.Text(healthy ? "healthy" : "unhealthy");
    }

    [LoggerMessage(EventId = 20, EventName = "ReadinessToggled", Level = LogLevel.Information,
        Message = "Readiness toggle set to {State} on demand: the health checks tagged 'ready' follow, and Cloud Map after the thresholds.")]
    private static partial void LogReadinessToggled(ILogger logger, string state);
}
