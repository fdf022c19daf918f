// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging.Testing;

namespace CloudMap.Lifecycle.TestInfrastructure;

/// <summary>
/// What <see cref="FakeLogCollector"/> (Microsoft.Extensions.Diagnostics.Testing) lacks for lifecycle tests: waiting
/// for the n-th occurrence of an event by its stable name, without polling. The library's event names mark the
/// lifecycle steps (<c>Registered</c>, <c>Draining</c>, ...), so a test waits for a step instead of sleeping.
/// </summary>
public static class FakeLogCollectorWaits
{
    /// <summary>The default hang guard of a wait (real time; never a timing assumption).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Completes with the <paramref name="occurrence"/>-th record named <paramref name="eventName"/>, logged before or after the call.</summary>
    /// <param name="logs">The collector.</param>
    /// <param name="eventName">The <see cref="Microsoft.Extensions.Logging.EventId.Name"/> to wait for.</param>
    /// <param name="occurrence">Which occurrence (1 = the first).</param>
    /// <param name="timeout">The hang guard; <see cref="DefaultTimeout"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The record.</returns>
    /// <exception cref="TimeoutException">Not logged within the guard; the message lists what was logged.</exception>
    public static Task<FakeLogRecord> WaitForEventAsync(
        this FakeLogCollector logs,
        string eventName,
        int occurrence = 1,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        logs.WaitForAsync(r => r.Id.Name == eventName, occurrence, $"event '{eventName}' #{occurrence}", timeout, cancellationToken);

    /// <summary>Completes with the <paramref name="occurrence"/>-th record that matches, logged before or after the call.</summary>
    /// <param name="logs">The collector.</param>
    /// <param name="match">The records to count.</param>
    /// <param name="occurrence">Which occurrence (1 = the first).</param>
    /// <param name="description">What is awaited, for the timeout message.</param>
    /// <param name="timeout">The hang guard; <see cref="DefaultTimeout"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The record.</returns>
    /// <exception cref="TimeoutException">No such record within the guard; the message lists what was logged.</exception>
    public static async Task<FakeLogRecord> WaitForAsync(
        this FakeLogCollector logs,
        Func<FakeLogRecord, bool> match,
        int occurrence = 1,
        string description = "a matching record",
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentNullException.ThrowIfNull(match);
        ArgumentOutOfRangeException.ThrowIfLessThan(occurrence, 1);
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        guard.CancelAfter(timeout ?? DefaultTimeout);
        var seen = 0;
        try
        {
            // GetLogsAsync yields the records collected so far, then each new one as it is logged.
            await foreach (var record in logs.GetLogsAsync(guard.Token).ConfigureAwait(false))
            {
                if (match(record) && ++seen == occurrence)
                {
                    return record;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The guard expired: reported below with the log.
        }

        throw new TimeoutException($"Waited {timeout ?? DefaultTimeout} for {description}; saw {seen}. Logged:{Environment.NewLine}{logs.Describe()}");
    }

    /// <summary>Counts the records named <paramref name="eventName"/> logged so far.</summary>
    /// <param name="logs">The collector.</param>
    /// <param name="eventName">The event name.</param>
    /// <returns>The count.</returns>
    public static int CountEvents(this FakeLogCollector logs, string eventName)
    {
        ArgumentNullException.ThrowIfNull(logs);
        return logs.GetSnapshot().Count(r => r.Id.Name == eventName);
    }

    /// <summary>One line per record (level, category, event id and name, message, exception), for assertion messages.</summary>
    /// <param name="logs">The collector.</param>
    /// <returns>The text.</returns>
    public static string Describe(this FakeLogCollector logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        return string.Join(
            Environment.NewLine,
            logs.GetSnapshot().Select(r => $"{r.Level} {r.Category}[{r.Id.Id} {r.Id.Name}] {r.Message}{(r.Exception is null ? string.Empty : " " + r.Exception.Message)}"));
    }
}
