// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// Runs the application's health-check registrations for the lifecycle (readiness polls, running health): the same
/// registrations, scopes, factories and <see cref="HealthCheckRegistration.Timeout"/>s as the framework's
/// <see cref="HealthCheckService"/>, but every run is bounded, a check that ignores cancellation is abandoned rather than
/// awaited, and nothing is logged.
/// </summary>
/// <remarks>
/// <para>
/// Why not the framework's service: it awaits every check to its end (a registration's timeout only cancels the
/// token, so a check that ignores it holds the caller, and with it the readiness timeout and the host's stop, forever),
/// and it logs an Error for every Unhealthy result, which for a readiness check that is simply not ready yet is one
/// <c>fail:</c> line per poll. Neither can be changed for the lifecycle alone without changing the application's own
/// health endpoints, which keep the framework's service (this type is handed to the lifecycle only, never registered
/// as <see cref="HealthCheckService"/>). No maintained package runs health checks with a bound.
/// </para>
/// <para>
/// The framework's contract is kept: one scope per check, the registration in the context, its
/// <see cref="HealthCheckRegistration.FailureStatus"/> for an exception, the caller's cancellation propagated. Unlike
/// the framework the checks are invoked on the caller's thread up to their first incomplete await, so a check that
/// completes synchronously (the common case) arms no timer and costs no thread-pool hop; a check that blocks its
/// thread before returning a task cannot be abandoned by any runner that does not move it to another thread.
/// </para>
/// <para>
/// An abandoned check is not started again while it is still running: the next run reports it as timed out at once,
/// so a check that hangs forever costs one stuck call, not one per poll.
/// </para>
/// </remarks>
internal sealed class HealthCheckRunner(IServiceScopeFactory scopes, IOptions<HealthCheckServiceOptions> options, TimeProvider time) : HealthCheckService
{
    private readonly ConcurrentDictionary<HealthCheckRegistration, Task> _abandoned = new();

    /// <inheritdoc />
    /// <remarks>Bounded only by each registration's own <see cref="HealthCheckRegistration.Timeout"/>.</remarks>
    public override async Task<HealthReport> CheckHealthAsync(Func<HealthCheckRegistration, bool>? predicate, CancellationToken cancellationToken = default) =>
        (await RunAsync(predicate ?? (static _ => true), Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false)).Report;

    /// <summary>
    /// Runs the checks <paramref name="predicate"/> selects, each for at most <paramref name="timeout"/> (or its own
    /// shorter <see cref="HealthCheckRegistration.Timeout"/>). Returns by then whatever the checks do.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; running checks are abandoned at once.</exception>
    internal async Task<HealthCheckRun> RunAsync(Func<HealthCheckRegistration, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        cancellationToken.ThrowIfCancellationRequested();
        var started = time.GetTimestamp();
        var registrations = options.Value.Registrations.Where(predicate).ToArray();
        var runs = new Task<(HealthReportEntry Entry, bool TimedOut)>[registrations.Length];
        for (var i = 0; i < registrations.Length; i++)
        {
            runs[i] = RunOneAsync(registrations[i], timeout, cancellationToken);
        }

        var results = await Task.WhenAll(runs).ConfigureAwait(false);
        var entries = new Dictionary<string, HealthReportEntry>(StringComparer.OrdinalIgnoreCase);
        var timedOut = new List<string>();
        for (var i = 0; i < registrations.Length; i++)
        {
            entries[registrations[i].Name] = results[i].Entry;
            if (results[i].TimedOut)
            {
                timedOut.Add(registrations[i].Name);
            }
        }

        timedOut.Sort(StringComparer.Ordinal);
        return new HealthCheckRun(new HealthReport(entries, time.GetElapsedTime(started)), timedOut);
    }

    /// <summary>
    /// Bounds a run of any other <see cref="HealthCheckService"/> (the lifecycle is handed one in tests, or by an
    /// application that replaces the service): the whole report is awaited for at most <paramref name="timeout"/>, then
    /// abandoned, and every selected check counts as timed out (which one hung cannot be known from outside).
    /// </summary>
    internal static async Task<HealthCheckRun> RunBoundedAsync(
        HealthCheckService service,
        Func<HealthCheckRegistration, bool> predicate,
        TimeSpan timeout,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(predicate);
        var selected = new ConcurrentQueue<string>();
        bool Recording(HealthCheckRegistration registration)
        {
            var chosen = predicate(registration);
            if (chosen)
            {
                selected.Enqueue(registration.Name);
            }

            return chosen;
        }

        var started = time.GetTimestamp();
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var report = service.CheckHealthAsync(Recording, cancel.Token);
        try
        {
            var run = new HealthCheckRun(await TimedWait.WithinAsync(report, timeout, time, cancellationToken).ConfigureAwait(false), []);
            cancel.Dispose();
            return run;
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            Abandon(report, cancel);
            if (ex is OperationCanceledException)
            {
                throw;
            }

            return HealthCheckRun.AllTimedOut([.. selected.Order(StringComparer.Ordinal)], timeout, time.GetElapsedTime(started));
        }
    }

    /// <summary>The entry of a check that did not complete in time.</summary>
    internal static HealthReportEntry TimedOutEntry(TimeSpan timeout, TimeSpan elapsed, IEnumerable<string>? tags, bool stillRunning = false)
    {
        var description = stillRunning
            ? string.Create(CultureInfo.InvariantCulture, $"Still running from an earlier run that did not complete within {timeout}; not started again until it completes.")
            : string.Create(CultureInfo.InvariantCulture, $"Did not complete within {timeout}; abandoned (cancelled, not awaited).");
        return new HealthReportEntry(HealthStatus.Unhealthy, description, elapsed, new TimeoutException(description), null, tags);
    }

    /// <summary>Cancels work that is no longer awaited and releases its token source once it completes (if it ever does).</summary>
    private static void Abandon(Task work, CancellationTokenSource cancel)
    {
        try
        {
            cancel.Cancel();
        }
        catch (AggregateException)
        {
            // A check's own cancellation callback threw: the check is abandoned either way.
        }

        _ = work.ContinueWith(
            static (task, state) =>
            {
                // Observed, so that an abandoned check failing later is not an unobserved task exception.
                _ = task.Exception;
                ((CancellationTokenSource)state!).Dispose();
            },
            cancel,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private static TimeSpan Shorter(TimeSpan timeout, TimeSpan registrationTimeout)
    {
        // The framework applies a registration's timeout only when it is positive (InfiniteTimeSpan by default).
        if (registrationTimeout <= TimeSpan.Zero)
        {
            return timeout;
        }

        return timeout == Timeout.InfiniteTimeSpan || registrationTimeout < timeout ? registrationTimeout : timeout;
    }

    private async Task<(HealthReportEntry Entry, bool TimedOut)> RunOneAsync(HealthCheckRegistration registration, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var limit = Shorter(timeout, registration.Timeout);
        if (_abandoned.TryGetValue(registration, out var previous))
        {
            if (!previous.IsCompleted)
            {
                return (TimedOutEntry(limit, TimeSpan.Zero, registration.Tags, stillRunning: true), true);
            }

            _abandoned.TryRemove(new KeyValuePair<HealthCheckRegistration, Task>(registration, previous));
        }

        var started = time.GetTimestamp();
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var check = InvokeAsync(registration, cancel.Token);
        try
        {
            // A check that completed synchronously returns here without arming a timer.
            var result = await TimedWait.WithinAsync(check, limit, time, cancellationToken).ConfigureAwait(false);
            cancel.Dispose();
            return (new HealthReportEntry(result.Status, result.Description, time.GetElapsedTime(started), result.Exception, result.Data, registration.Tags), false);
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            _abandoned[registration] = check;
            Abandon(check, cancel);
            if (ex is OperationCanceledException)
            {
                throw;
            }

            return (TimedOutEntry(limit, time.GetElapsedTime(started), registration.Tags), true);
        }
    }

    private async Task<HealthCheckResult> InvokeAsync(HealthCheckRegistration registration, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            try
            {
                var check = registration.Factory(scope.ServiceProvider);
                return await check.CheckHealthAsync(new HealthCheckContext { Registration = registration }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return new HealthCheckResult(registration.FailureStatus, ex.Message, ex);
            }
        }
    }
}
