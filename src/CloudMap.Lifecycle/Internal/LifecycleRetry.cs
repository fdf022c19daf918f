// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Polly;
using Polly.Retry;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// The lifecycle's one retry loop (resolve, register, deregister): try, and after a retryable failure report it and wait
/// <see cref="Backoff.Delay"/> before the next attempt, until an attempt succeeds or the wait is cancelled.
/// </summary>
/// <remarks>
/// <para>
/// Cancellation has two roles, which is how "stop waiting" differs from "abandon" in the service. The
/// <c>cancellationToken</c> ends the wait between attempts and keeps a new attempt from starting; an attempt already
/// running is bounded only by the token it chooses to use (registration finishes a sent RegisterInstance on the abort
/// token). When the wait is cancelled the caller sees an <see cref="OperationCanceledException"/> (Polly's rule), even
/// when the last attempt failed with something else: the failure was reported, and the stop is what ended the loop.
/// </para>
/// <para>
/// The Cloud Map client retries each API call on its own (throttling, transient faults); this loop retries a whole step.
/// </para>
/// </remarks>
internal static class LifecycleRetry
{
    /// <summary>Runs <paramref name="attempt"/> until it succeeds; see the type remarks for cancellation.</summary>
    /// <param name="attempt">One attempt; it receives <paramref name="cancellationToken"/>.</param>
    /// <param name="isRetryable">Whether a failure is retried; any other exception ends the loop and propagates.</param>
    /// <param name="onFailedAttempt">Reports a retryable failure with its 1-based attempt number, before the wait.</param>
    /// <param name="timeProvider">The clock for the waits.</param>
    /// <param name="cancellationToken">Ends the wait between attempts.</param>
    public static async Task<T> RunAsync<T>(
        Func<CancellationToken, Task<T>> attempt,
        Func<Exception, bool> isRetryable,
        Action<int, Exception> onFailedAttempt,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        // Built per run: a step runs its retry loop once or twice per process, and the predicate is the step's own.
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } error && isRetryable(error)),
                DelayGenerator = static args => ValueTask.FromResult<TimeSpan?>(Backoff.Delay(args.AttemptNumber)),
            })
            .Build();

        var attempts = 0;
        return await pipeline.ExecuteAsync(
            async token =>
            {
                attempts++;
                try
                {
                    return await attempt(token).ConfigureAwait(false);
                }
                catch (Exception ex) when (isRetryable(ex))
                {
                    // Reported here, not in OnRetry: a failure after which the stop ends the loop is reported too.
                    onFailedAttempt(attempts, ex);
                    throw;
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="RunAsync{T}"/>
    public static Task RunAsync(
        Func<CancellationToken, Task> attempt,
        Func<Exception, bool> isRetryable,
        Action<int, Exception> onFailedAttempt,
        TimeProvider timeProvider,
        CancellationToken cancellationToken) =>
        RunAsync(
            async token =>
            {
                await attempt(token).ConfigureAwait(false);
                return true;
            },
            isRetryable,
            onFailedAttempt,
            timeProvider,
            cancellationToken);
}
