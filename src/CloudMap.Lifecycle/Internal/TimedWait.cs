// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// Waits on the injected clock. For a task, for at most a timeout, leaving no timer armed once the wait returns: the one
/// way the library bounds a wait (a stop's background work, a probe, the start's resolution, a health check). For a
/// time, at least that time (<see cref="DelayAtLeastAsync"/>: the operation polls).
/// </summary>
/// <remarks>
/// The deadline is a <see cref="CancellationTokenSource"/> on the injected clock, disposed before the wait returns.
/// <c>Task.WaitAsync(TimeSpan, TimeProvider)</c> left its timer armed now and then when the work ended while the wait
/// was being set up (1 run in ~10 of <c>SampleFactoryTests.Dispose_FakeClock_NothingOutlivesTheHost</c> under load):
/// harmless on the system clock, a timer that never fires on a test's fake clock. It is banned in src/BannedSymbols.txt.
/// </remarks>
internal static class TimedWait
{
    private static readonly TimeSpan OneMillisecond = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Waits at least <paramref name="delay"/> as <paramref name="time"/>'s timestamps measure it. The runtime's timers
    /// count whole milliseconds, so a <c>Task.Delay</c> on the system clock can end up to a millisecond before its time
    /// (seen in scenario 5: an operation read 999.x ms after the call that started it, which found the operation still
    /// PENDING and cost the fleet a call); what is left is waited again, a millisecond at the least.
    /// </summary>
    /// <param name="delay">The least time to wait.</param>
    /// <param name="time">The clock.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    public static async Task DelayAtLeastAsync(TimeSpan delay, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var left = delay;
        while (left > TimeSpan.Zero)
        {
            await Task.Delay(left < OneMillisecond ? OneMillisecond : left, time, cancellationToken).ConfigureAwait(false);
            left = delay - time.GetElapsedTime(started);
        }
    }

    /// <summary>
    /// Whether <paramref name="work"/> completes (in any state) within <paramref name="timeout"/>. A completed task is not
    /// awaited: its outcome is the caller's to observe.
    /// </summary>
    /// <param name="work">The task to wait for.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits until the work or the token ends.</param>
    /// <param name="time">The clock the timeout runs on.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/> (the work goes on).</param>
    /// <returns><see langword="true"/> when the work completed; <see langword="false"/> when the timeout passed first.</returns>
    public static async Task<bool> EndsWithinAsync(Task work, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!work.IsCompleted)
        {
            using var deadline = new CancellationTokenSource(timeout, time);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
            await work.WaitAsync(either.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // Work that ended as the deadline fired counts as ended: its result is there to take.
        if (work.IsCompleted)
        {
            return true;
        }

        cancellationToken.ThrowIfCancellationRequested();
        return false;
    }

    /// <summary>
    /// The result of <paramref name="work"/> if it completes within <paramref name="timeout"/>: what
    /// <c>Task.WaitAsync(TimeSpan, TimeProvider, CancellationToken)</c> returns, without a timer left behind.
    /// </summary>
    /// <typeparam name="T">The type of the result.</typeparam>
    /// <param name="work">The task to wait for.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits until the work or the token ends.</param>
    /// <param name="time">The clock the timeout runs on.</param>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/> (the work goes on).</param>
    /// <returns>The work's result; its exception, if it failed, is thrown.</returns>
    /// <exception cref="TimeoutException">The work did not complete within <paramref name="timeout"/>.</exception>
    public static async Task<T> WithinAsync<T>(Task<T> work, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!await EndsWithinAsync(work, timeout, time, cancellationToken).ConfigureAwait(false))
        {
            throw new TimeoutException($"The operation did not complete within {timeout}.");
        }

        return await work.ConfigureAwait(false);
    }
}
