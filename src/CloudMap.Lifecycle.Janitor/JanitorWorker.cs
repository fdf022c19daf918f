// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Janitor;

/// <summary>
/// <c>--interval</c>: the janitor as a long-running generic host (a container's main process). Sweeps, waits the
/// interval, sweeps again; a stop (SIGTERM, Ctrl+C) ends the wait at once and lets a sweep in progress finish its
/// removals under way (see <see cref="JanitorEngine"/>), within the host's shutdown timeout.
/// </summary>
internal sealed class JanitorWorker(JanitorEngine engine, TimeSpan interval, TimeProvider time, IHostApplicationLifetime lifetime, ILogger logger) : BackgroundService
{
    /// <summary>Gets the exit code: 0, or 2 when a named service or namespace does not exist.</summary>
    public int ExitCode { get; private set; } = JanitorExitCodes.Ok;

    /// <summary>Gets how many sweeps ran to their end.</summary>
    public int Sweeps { get; private set; }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _ = await engine.SweepAsync(stoppingToken).ConfigureAwait(false);
                Sweeps++;
            }
            catch (JanitorConfigurationException ex)
            {
                JanitorEngine.Log.Misconfigured(logger, ex.Message);
                ExitCode = JanitorExitCodes.BadArguments;
                lifetime.StopApplication();
                return;
            }
#pragma warning disable CA1031 // A worker outlives one bad sweep: the next one runs at the interval.
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                JanitorEngine.Log.SweepFailed(logger, ex);
            }

            try
            {
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        JanitorEngine.Log.Stopping(logger);
    }
}
