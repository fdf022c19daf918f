// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Reporting;

/// <summary>
/// How a capped real-time wait becomes a figure: a sample when the awaited thing happened, otherwise a note saying how
/// long it was awaited (never a made-up number).
/// </summary>
internal static class Verdicts
{
    /// <summary>SIGTERM → host stopped, in seconds; a stop over the host's shutdown timeout says so, a stop that never ended says how long it was awaited.</summary>
    public static void RecordStop(Metric metric, RegistrationMode mode, TimeSpan? elapsed, TimeSpan cap, TimeSpan shutdownTimeout)
    {
        ArgumentNullException.ThrowIfNull(metric);
        if (elapsed is not { } stopped)
        {
            metric.Note(mode, Format.Invariant($"did not stop within {Seconds(cap)} s (ShutdownTimeout {Seconds(shutdownTimeout)} s)"));
            return;
        }

        metric.Add(mode, stopped.TotalSeconds);
        if (stopped > shutdownTimeout)
        {
            metric.Note(mode, Format.Invariant($"over ShutdownTimeout ({Seconds(shutdownTimeout)} s)"));
        }
    }

    /// <summary>The time from <paramref name="from"/> to <paramref name="at"/> (<see cref="Clock"/> timestamps) in seconds, or <paramref name="never"/> when it did not happen.</summary>
    public static void RecordElapsed(Metric metric, RegistrationMode mode, long from, long? at, string never)
    {
        ArgumentNullException.ThrowIfNull(metric);
        if (at is { } happened)
        {
            metric.Add(mode, Math.Max(0, Clock.MillisecondsBetween(from, happened)) / 1000);
        }
        else
        {
            metric.Note(mode, never);
        }
    }

    public static string Seconds(TimeSpan time) => Format.Number(time.TotalSeconds);
}
