// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CloudMap.Lifecycle.Internal;

/// <summary>Step 2, readiness: nothing is sent until the readiness checks pass (G1).</summary>
internal sealed partial class CloudMapRegistrationService
{
    /// <summary>
    /// Polls the readiness checks until <see cref="CloudMapReadinessOptions.ConsecutiveSuccesses"/> pass in a row.
    /// Returns <see langword="false"/> when the timeout policy stopped the application.
    /// </summary>
    internal async Task<bool> WaitForReadinessAsync(CancellationToken cancellationToken)
    {
        var readiness = Options.Readiness;
        _state.Phase = CloudMapRegistrationPhase.WaitingForReadiness;
        Log.WaitingForReadiness(_logger, _displayName, readiness.Predicate is null ? readiness.Tag : "(predicate)", readiness.ConsecutiveSuccesses);
        var started = _time.GetTimestamp();
        var nextTimeoutReport = readiness.Timeout;
        var successes = 0;
        while (true)
        {
            successes = await IsHealthyAsync(ReadinessPredicate, cancellationToken).ConfigureAwait(false) ? successes + 1 : 0;
            if (successes >= readiness.ConsecutiveSuccesses)
            {
                var now = _time.GetTimestamp();
                _readyTimestamp = now;
                var waitedForReady = _time.GetElapsedTime(started, now).TotalSeconds;
                Log.ReadinessPassed(_logger, _displayName, waitedForReady);
                return true;
            }

            var waited = _time.GetElapsedTime(started);
            if (readiness.Timeout != Timeout.InfiniteTimeSpan && waited >= nextTimeoutReport)
            {
                if (readiness.TimeoutBehavior == ReadinessTimeoutBehavior.StopApplication)
                {
                    _state.LastError = string.Create(CultureInfo.InvariantCulture, $"The readiness checks did not pass within {readiness.Timeout}.");
                    _state.Phase = CloudMapRegistrationPhase.Failed;
                    Log.ReadinessTimedOutStopping(_logger, _displayName, readiness.Timeout.TotalSeconds);
                    _lifetime.StopApplication();
                    return false;
                }

                Log.ReadinessTimedOutWaiting(_logger, _displayName, waited.TotalSeconds);
                nextTimeoutReport += readiness.Timeout;
            }

            await Task.Delay(readiness.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The library's own <c>cloudmap</c> check reports the registration; it never gates it.</summary>
    private static bool IsOwnCheck(HealthCheckRegistration registration) =>
        registration.Tags.Contains(CloudMapRegistrationHealthCheck.Tag);

    private bool ReadinessPredicate(HealthCheckRegistration registration)
    {
        var readiness = Options.Readiness;
        return !IsOwnCheck(registration)
            && (readiness.Predicate?.Invoke(registration) ?? registration.Tags.Contains(readiness.Tag));
    }

    /// <summary>
    /// Runs the checks <paramref name="predicate"/> selects (readiness here, running health in the health step). Healthy
    /// or Degraded counts as passing (Degraded still serves); a throwing check service counts as failing.
    /// </summary>
    private async Task<bool> IsHealthyAsync(Func<HealthCheckRegistration, bool> predicate, CancellationToken cancellationToken)
    {
        try
        {
            var report = await _healthChecks.CheckHealthAsync(predicate, cancellationToken).ConfigureAwait(false);
            return report.Status != HealthStatus.Unhealthy;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.HealthCheckThrew(_logger, _displayName, ex);
            return false;
        }
    }
}
