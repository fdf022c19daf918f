// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Internal;

/// <summary>Step 2, readiness: nothing is sent until the readiness checks pass (G1).</summary>
internal sealed partial class CloudMapRegistrationService
{
    /// <summary>The purpose of a run of checks, as the logs name it.</summary>
    private const string ReadinessChecks = "readiness";

    /// <summary>The purpose of a run of checks, as the logs name it.</summary>
    private const string HealthChecks = "health";

    /// <summary>Per purpose, the checks that timed out in the last run (quoted, as logged); absent when none did.</summary>
    private readonly Dictionary<string, string> _timedOutChecks = new(StringComparer.Ordinal);

    /// <summary>
    /// Says that the registration waits for readiness (phase and event 1010), then polls the readiness checks until
    /// <see cref="CloudMapReadinessOptions.ConsecutiveSuccesses"/> pass in a row. Returns <see langword="false"/> when the
    /// timeout policy stopped the application.
    /// </summary>
    internal Task<bool> WaitForReadinessAsync(CancellationToken cancellationToken)
    {
        AnnounceReadinessWait();
        return PollReadinessAsync(cancellationToken);
    }

    /// <summary>The phase becomes <see cref="CloudMapRegistrationPhase.WaitingForReadiness"/>, and event 1010 says so.</summary>
    private void AnnounceReadinessWait()
    {
        var readiness = Options.Readiness;
        _state.Phase = CloudMapRegistrationPhase.WaitingForReadiness;
        Log.WaitingForReadiness(_logger, _displayName, readiness.Predicate is null ? readiness.Tag : "(predicate)", readiness.ConsecutiveSuccesses);
    }

    /// <summary>
    /// Polls the readiness checks until <see cref="CloudMapReadinessOptions.ConsecutiveSuccesses"/> pass in a row, without
    /// touching the phase: the background work runs it beside the resolution (<see cref="RunAsync"/>). Returns
    /// <see langword="false"/> when the timeout policy stopped the application.
    /// </summary>
    internal async Task<bool> PollReadinessAsync(CancellationToken cancellationToken)
    {
        var readiness = Options.Readiness;
        var started = _time.GetTimestamp();
        var nextTimeoutReport = readiness.Timeout;
        var successes = 0;
        while (true)
        {
            var run = await RunChecksAsync(ReadinessChecks, ReadinessPredicate, readiness.CheckTimeout, cancellationToken).ConfigureAwait(false);
            successes = run is { Passing: true } ? successes + 1 : 0;
            if (run is { Passing: false } && _logger.IsEnabled(LogLevel.Debug))
            {
                // The only line per unready poll, at Debug: an app that is warming up is not an error.
                var failing = Quote(run.Failing);
                Log.NotReadyYet(_logger, _displayName, failing);
            }

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
                    if (SetExitCode(LifecycleExitCodes.NeverReady))
                    {
                        Log.ExitCodeSet(_logger, _displayName, LifecycleExitCodes.NeverReady, "the application never became ready");
                    }

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
    /// Runs the checks <paramref name="predicate"/> selects (readiness here, running health in the health step) for at most
    /// <paramref name="timeout"/>; Healthy or Degraded counts as passing (Degraded still serves); a throwing check
    /// service or a check that did not complete in time counts as failing. The host's stop abandons a running check at once.
    /// </summary>
    private async Task<bool> IsHealthyAsync(string purpose, Func<HealthCheckRegistration, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken) =>
        await RunChecksAsync(purpose, predicate, timeout, cancellationToken).ConfigureAwait(false) is { Passing: true };

    /// <summary>One bounded run of the selected checks; <see langword="null"/> when the check service threw.</summary>
    private async Task<HealthCheckRun?> RunChecksAsync(string purpose, Func<HealthCheckRegistration, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken)
    {
        HealthCheckRun run;
        try
        {
            // The lifecycle is handed its own runner (bounded, silent); any other HealthCheckService is bounded from outside.
            run = _healthChecks is HealthCheckRunner runner
                ? await runner.RunAsync(predicate, timeout, cancellationToken).ConfigureAwait(false)
                : await HealthCheckRunner.RunBoundedAsync(_healthChecks, predicate, timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.HealthCheckThrew(_logger, _displayName, ex);
            return null;
        }

        ReportTimedOutChecks(purpose, run.TimedOut, timeout);
        return run;
    }

    /// <summary>
    /// Logs hung checks once: a warning when a check starts timing out, Debug while the same checks keep timing out,
    /// Information when they complete again. A check that hangs for an hour is one warning, not one per poll.
    /// </summary>
    private void ReportTimedOutChecks(string purpose, IReadOnlyList<string> timedOut, TimeSpan timeout)
    {
        _timedOutChecks.TryGetValue(purpose, out var before);
        if (timedOut.Count == 0)
        {
            if (before is not null)
            {
                _timedOutChecks.Remove(purpose);
                Log.ChecksCompleteAgain(_logger, _displayName, purpose, before);
            }

            return;
        }

        var names = Quote(timedOut);
        if (names == before)
        {
            Log.CheckStillTimedOut(_logger, _displayName, purpose, names, timeout.TotalSeconds);
            return;
        }

        _timedOutChecks[purpose] = names;
        Log.CheckTimedOut(_logger, _displayName, purpose, names, timeout.TotalSeconds);
    }

    private static string Quote(IReadOnlyList<string> names) => string.Join(", ", names.Select(n => "'" + n + "'"));
}
