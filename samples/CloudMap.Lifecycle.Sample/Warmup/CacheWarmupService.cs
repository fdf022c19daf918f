// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Sample.Warmup;

/// <summary>
/// Fills <see cref="ProductCache"/> in the background after start, taking <see cref="SampleOptions.WarmupSeconds"/>
/// (measured on the <see cref="TimeProvider"/> from DI, so tests can move through it without waiting).
/// </summary>
internal sealed partial class CacheWarmupService(
    ProductCache cache,
    IOptions<SampleOptions> options,
    TimeProvider timeProvider,
    ILogger<CacheWarmupService> logger) : BackgroundService
{
    private const int EntryCount = 1_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var duration = TimeSpan.FromSeconds(Math.Max(0, options.Value.WarmupSeconds));
        LogWarmupStarted(logger, duration.TotalSeconds);
        var started = timeProvider.GetTimestamp();

        // A real service would query its database here; the delay is the realistic part.
        if (duration > TimeSpan.Zero)
        {
            await Task.Delay(duration, timeProvider, stoppingToken).ConfigureAwait(false);
        }

        var products = Enumerable.Range(1, EntryCount).ToDictionary(i => i, i => $"product-{i}");
        cache.Fill(products);
        LogWarmupCompleted(logger, products.Count, timeProvider.GetElapsedTime(started).TotalSeconds);
    }

    [LoggerMessage(EventId = 10, EventName = "WarmupStarted", Level = LogLevel.Information,
        Message = "Warming up the product cache ({Seconds} s): GET / answers 503 and /health/ready fails until it is filled.")]
    private static partial void LogWarmupStarted(ILogger logger, double seconds);

    [LoggerMessage(EventId = 11, EventName = "WarmupCompleted", Level = LogLevel.Information,
        Message = "Product cache filled with {Count} entries in {Seconds:0.0} s: the app is ready to serve.")]
    private static partial void LogWarmupCompleted(ILogger logger, int count, double seconds);
}
