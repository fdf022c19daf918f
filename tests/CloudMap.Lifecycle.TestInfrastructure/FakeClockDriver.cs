// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.TestInfrastructure;

/// <summary>
/// Drives a <see cref="TimerCountingFakeTimeProvider"/> deterministically: the clock moves only once the code under test is parked
/// on its timers (<see cref="TimerCountingFakeTimeProvider.WaitForTimersAsync(int, CancellationToken)"/>: "the code has armed N
/// timers"), so a step never lands while a cycle is still running. No sleeps, no polling.
/// </summary>
public static class FakeClockDriver
{
    /// <summary>The default hang guard of one wait (real time; never a timing assumption).</summary>
    public static readonly TimeSpan DefaultGuard = TimeSpan.FromSeconds(30);

    /// <summary>Waits until at least <paramref name="timers"/> timers are armed, under a hang guard.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="timers">How many armed timers mean "parked".</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the code is parked.</returns>
    /// <exception cref="TimeoutException">Not parked within <see cref="DefaultGuard"/>.</exception>
    public static async Task WaitUntilParkedAsync(this TimerCountingFakeTimeProvider time, int timers = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(time);
        try
        {
            await time.WaitForTimersAsync(timers, cancellationToken).WaitAsync(DefaultGuard, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"The code under test did not arm {timers} timer(s) on the fake clock within {DefaultGuard} (armed: {time.ArmedTimerCount}, clock at {time}).", ex);
        }
    }

    /// <summary>Waits until the code under test is parked on <paramref name="timers"/> timers, then advances by <paramref name="step"/>.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="step">How far to move.</param>
    /// <param name="timers">How many armed timers mean "parked".</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes once the clock has moved.</returns>
    public static async Task StepAsync(this TimerCountingFakeTimeProvider time, TimeSpan step, int timers = 1, CancellationToken cancellationToken = default)
    {
        await time.WaitUntilParkedAsync(timers, cancellationToken).ConfigureAwait(false);
        time.Advance(step);
    }

    /// <summary>
    /// Advances by <paramref name="step"/> each time the code under test is parked on <paramref name="timers"/> timers,
    /// until <paramref name="until"/> completes (at most <paramref name="maxSteps"/> steps).
    /// </summary>
    /// <param name="time">The clock.</param>
    /// <param name="until">What the steps lead to (a logged event, a stopping host).</param>
    /// <param name="step">How far each step moves.</param>
    /// <param name="timers">How many armed timers mean "parked".</param>
    /// <param name="maxSteps">A bound on the steps.</param>
    /// <param name="cancellationToken">Cancels the waits.</param>
    /// <returns>A task that completes when <paramref name="until"/> does (and faults with it).</returns>
    public static async Task AdvanceUntilAsync(this TimerCountingFakeTimeProvider time, Task until, TimeSpan step, int timers = 1, int maxSteps = 100, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(until);
        for (var i = 0; i < maxSteps && !until.IsCompleted; i++)
        {
            await Task.WhenAny(until, time.WaitForTimersAsync(timers, cancellationToken)).WaitAsync(DefaultGuard, cancellationToken).ConfigureAwait(false);
            if (!until.IsCompleted)
            {
                time.Advance(step);
            }
        }

        await until.WaitAsync(DefaultGuard, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves the clock through <paramref name="duration"/> in steps of <paramref name="step"/>, awaiting
    /// <paramref name="settled"/> before every step and after the last one, so the work each step set off has
    /// finished before the clock moves again (or before the caller counts).
    /// </summary>
    /// <param name="time">The clock.</param>
    /// <param name="duration">How far to move in all.</param>
    /// <param name="step">How far each step moves.</param>
    /// <param name="settled">Given the number of steps taken so far; completes once the code under test is idle again.</param>
    /// <param name="cancellationToken">Cancels the waits.</param>
    /// <returns>The number of steps taken.</returns>
    public static async Task<int> AdvanceThroughAsync(this TimerCountingFakeTimeProvider time, TimeSpan duration, TimeSpan step, Func<int, Task> settled, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(settled);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(step, TimeSpan.Zero);
        var steps = 0;
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += step)
        {
            await settled(steps).WaitAsync(DefaultGuard, cancellationToken).ConfigureAwait(false);
            time.Advance(step);
            steps++;
        }

        await settled(steps).WaitAsync(DefaultGuard, cancellationToken).ConfigureAwait(false);
        return steps;
    }
}
