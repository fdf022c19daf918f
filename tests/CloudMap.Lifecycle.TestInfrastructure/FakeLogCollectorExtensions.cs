// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Logging.Testing;

namespace CloudMap.Lifecycle.TestInfrastructure;

/// <summary>Reading a <see cref="FakeLogCollector"/> by the library's stable event names.</summary>
public static class FakeLogCollectorExtensions
{
    /// <summary>Counts the records named <paramref name="eventName"/> logged so far.</summary>
    /// <param name="logs">The collector.</param>
    /// <param name="eventName">The event name.</param>
    /// <returns>The count.</returns>
    public static int CountEvents(this FakeLogCollector logs, string eventName)
    {
        ArgumentNullException.ThrowIfNull(logs);
        return logs.GetSnapshot().Count(r => r.Id.Name == eventName);
    }

    /// <summary>Gets the records named <paramref name="eventName"/> logged so far, in the order they were logged.</summary>
    /// <param name="logs">The collector.</param>
    /// <param name="eventName">The event name.</param>
    /// <returns>The records.</returns>
    public static IReadOnlyList<FakeLogRecord> GetEvents(this FakeLogCollector logs, string eventName)
    {
        ArgumentNullException.ThrowIfNull(logs);
        return [.. logs.GetSnapshot().Where(r => r.Id.Name == eventName)];
    }

    /// <summary>Tells whether a record named <paramref name="eventName"/> has been logged.</summary>
    /// <param name="logs">The collector.</param>
    /// <param name="eventName">The event name.</param>
    /// <returns><see langword="true"/> when at least one was logged.</returns>
    public static bool HasEvent(this FakeLogCollector logs, string eventName)
    {
        ArgumentNullException.ThrowIfNull(logs);
        return logs.GetSnapshot().Any(r => r.Id.Name == eventName);
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
