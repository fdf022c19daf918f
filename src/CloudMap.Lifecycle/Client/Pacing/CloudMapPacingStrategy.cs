// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Polly;

namespace CloudMap.Lifecycle.Client.Pacing;

/// <summary>
/// The pacing step of <see cref="CloudMapCallPipeline"/>, between its retry and its attempt timeout: before each attempt
/// it takes a token from the endpoint's <see cref="CloudMapAdaptiveRateLimiter"/> (adaptive mode), after it feeds the
/// answer back (a throttle lowers the rate) and, on success, gives the <see cref="CloudMapRetryQuota"/> back what the
/// call's last retry cost. <see cref="ShouldRetry"/> is the quota's half of the retry decision.
/// </summary>
/// <remarks>
/// The wait happens before the attempt timeout starts, so a paced attempt is never cut short for having waited.
/// </remarks>
internal sealed class CloudMapPacingStrategy : ResilienceStrategy
{
    private static readonly ResiliencePropertyKey<int> RetryCostKey = new("cloudmap.retryCost");

    private readonly CloudMapPacing _pacing;
    private readonly bool _adaptive;
    private readonly Func<ResilienceContext, TimeSpan> _maxWait;
    private readonly Func<ResilienceContext, CloudMapCallPriority> _priority;

    /// <summary>Initializes a new instance of the <see cref="CloudMapPacingStrategy"/> class.</summary>
    /// <param name="pacing">The endpoint's quota and limiter.</param>
    /// <param name="mode">The client's retry mode: the limiter is used in <see cref="CloudMapRetryMode.Adaptive"/> only.</param>
    /// <param name="maxWait">How long the attempt of a call may be held back (<see cref="Timeout.InfiniteTimeSpan"/>: as long as the bucket says).</param>
    /// <param name="priority">Which waiting attempts the call's attempts go before (<see cref="CloudMapCallPriorities.Of"/>).</param>
    public CloudMapPacingStrategy(CloudMapPacing pacing, CloudMapRetryMode mode, Func<ResilienceContext, TimeSpan> maxWait, Func<ResilienceContext, CloudMapCallPriority> priority)
    {
        _pacing = pacing ?? throw new ArgumentNullException(nameof(pacing));
        _maxWait = maxWait ?? throw new ArgumentNullException(nameof(maxWait));
        _priority = priority ?? throw new ArgumentNullException(nameof(priority));
        _adaptive = mode == CloudMapRetryMode.Adaptive;
    }

    /// <summary>
    /// Decides, for a failure the classifier retries, whether the quota pays for the retry (and spends it). Call it only
    /// when a retry would follow (not after the last attempt).
    /// </summary>
    public bool ShouldRetry(ResilienceContext context, Exception failure)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(failure);
        if (!_pacing.Quota.TryAcquire(CloudMapRetryClassifier.IsTransportFailure(failure, context.CancellationToken), out var cost))
        {
            return false;
        }

        context.Properties.Set(RetryCostKey, cost);
        return true;
    }

    /// <inheritdoc />
    protected override async ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
        ResilienceContext context,
        TState state)
    {
        if (_adaptive)
        {
            try
            {
                await _pacing.Limiter.AcquireAsync(_priority(context), _maxWait(context), context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
            }
            catch (OperationCanceledException ex)
            {
                return Outcome.FromException<TResult>(ex);
            }
        }

        var outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
        if (outcome.Exception is null)
        {
            _pacing.Quota.Release(context.Properties.TryGetValue(RetryCostKey, out var cost) ? cost : CloudMapRetryQuota.NoRetryRefund);
        }

        var throttled = outcome.Exception is { } failure && CloudMapRetryClassifier.IsThrottling(failure);
        if (throttled)
        {
            _pacing.OnThrottled();
        }

        if (_adaptive && !(outcome.Exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested))
        {
            _pacing.Limiter.OnAttemptEnded(throttled);
        }

        return outcome;
    }
}
