// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// Step 5, deregister: only a registration that is still ours (G4), after whatever registration left pending, never
/// taking "not visible yet" for "gone" (G3), and never spending the budget on one answer that does not come.
/// </summary>
internal sealed partial class CloudMapRegistrationService
{
    /// <summary>The first wait between two GetOperation polls at stop.</summary>
    private static readonly TimeSpan FirstOperationPoll = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The longest wait between two GetOperation polls here: the budget is seconds, so an operation that finishes is
    /// seen within a second (<c>WaitForOperationAsync</c> backs off to 5 s, which suits registration, not a stop).
    /// </summary>
    private static readonly TimeSpan MaxOperationPoll = TimeSpan.FromSeconds(1);

    /// <summary>A DeregisterInstance of ours may have been applied since the latest RegisterInstance (its answer may have been lost).</summary>
    private bool _deregisterMayBeApplied;

    /// <summary>The deregistration under way saw our instance in Cloud Map (so clients may have seen it too).</summary>
    private bool _sawOwnInstance;

    /// <summary>The last status seen of the pending RegisterInstance operation, if it was read.</summary>
    private CloudMapOperationStatus? _pendingRegistrationStatus;

    /// <summary>The accepted DeregisterInstance operation not seen to finish yet, and its last status.</summary>
    private (string Id, CloudMapOperationStatus Status)? _deregisterOperation;

    /// <summary>
    /// The control-plane rate the stop budget is judged at (<see cref="StopBudget"/>): 100 requests/s. Cloud Map does
    /// not publish its control-plane limits; this is an assumption, stated in the message.
    /// </summary>
    internal const double StopBudgetAssumedRate = 100;

    /// <summary>
    /// How many instances of a service stopping at once <paramref name="deregistrationTimeout"/> lets deregister at
    /// <paramref name="rate"/> requests/s when each stop costs <paramref name="callsPerStop"/> calls:
    /// ⌊timeout (s) × rate ÷ calls⌋.
    /// </summary>
    internal static long StopBudget(TimeSpan deregistrationTimeout, double rate, int callsPerStop) =>
        (long)Math.Floor(deregistrationTimeout.TotalSeconds * rate / callsPerStop);

    /// <summary>
    /// Once, when the service is first known (event 1154; at start, unless the start did not wait for the answer): warns
    /// when the service already holds more instances than a simultaneous stop of all of them can deregister within the
    /// deregistration timeout at <see cref="StopBudgetAssumedRate"/>, with the arithmetic.
    /// </summary>
    private void WarnIfStopBudgetIsShortForTheService(CloudMapRegistrationOptions options, CloudMapService service)
    {
        if (Interlocked.Exchange(ref _stopBudgetChecked, 1) != 0 || service.InstanceCount is not { } existing)
        {
            return;
        }

        // The id is not resolved yet: an explicit or host-derived id costs GetInstance + DeregisterInstance, and an
        // ECS task id (unknown until the task metadata is read) one call less; the warning takes the dearer case.
        const int callsPerStop = 2;
        var fleet = existing + 1;
        var timeout = options.Shutdown.DeregistrationTimeout;
        var supported = StopBudget(timeout, StopBudgetAssumedRate, callsPerStop);
        if (fleet > supported)
        {
            var needed = fleet * callsPerStop / StopBudgetAssumedRate;
            Log.StopBudgetShortForService(_logger, _displayName, service.Id, fleet, timeout.TotalSeconds, StopBudgetAssumedRate, callsPerStop, supported, needed, _marker.KeyPrefix + ":Shutdown:DeregistrationTimeout");
        }
    }

    /// <summary>Deregisters within <paramref name="timeout"/> as the stop does without a drain (see <see cref="DeregisterWithinAsync"/>); returns whether a registration was removed.</summary>
    internal async Task<bool> DeregisterAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        await DeregisterWithinAsync(timeout, cancellationToken).ConfigureAwait(false) == DeregisterOutcome.Deregistered;

    /// <summary>
    /// Deregisters within <paramref name="timeout"/>, retrying with backoff, only if the registration is still ours.
    /// Every Cloud Map attempt is cut to half of the time left (<see cref="CloudMapCallContext.LimitAttempts"/>), so a
    /// hung answer leaves room for a retry. Never throws: a failure is logged as warning 1045 saying what is known.
    /// </summary>
    internal async Task<DeregisterOutcome> DeregisterWithinAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var target = Target;
        if (target is null)
        {
            return DeregisterOutcome.NotFound;
        }

        _state.Phase = CloudMapRegistrationPhase.Deregistering;
        _sawOwnInstance = false;
        _deregisterOperation = null;
        Log.Deregistering(_logger, _displayName, target.InstanceId, target.Service.Id);
        string? lastError = null;
        if (timeout > TimeSpan.Zero)
        {
            using var timeoutSource = new CancellationTokenSource(timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
            using var activity = StartActivity("Deregister", target);
            using var attempts = CloudMapCallContext.LimitAttempts(_time, timeout);
            try
            {
                // WaitAsync: whatever the transport does with the token, the budget ends the wait.
                var outcome = await LifecycleRetry.RunAsync(
                    ct => DeregisterOwnedOnceAsync(ct, confirm: false),
                    isRetryable: ex => ex is not OperationCanceledException || !linked.IsCancellationRequested,
                    onFailedAttempt: (attempt, ex) =>
                    {
                        lastError = ErrorText(ex);
                        RecordError(ex);
                        LogFailure(ex, (text, exception) => Log.DeregistrationAttemptFailed(_logger, _displayName, attempt, text, exception));
                    },
                    _time,
                    linked.Token).WaitAsync(linked.Token).ConfigureAwait(false);
                RecordDeregisterOutcome(outcome);
                if (outcome == DeregisterOutcome.Deregistered)
                {
                    // Accepted (its operation is read once after the drain) or gone after an answer that was lost.
                    Log.Deregistered(_logger, _displayName, target.InstanceId, target.Service.Id);
                }

                return outcome;
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
                MarkFailed(activity, error: null);
            }
        }

        if (_deregisterOperation is { } accepted)
        {
            // DeregisterInstance was accepted: Cloud Map finishes it whether or not we keep polling.
            Log.DeregistrationUnconfirmed(_logger, _displayName, target.InstanceId, accepted.Id, OperationStatusText(accepted.Status));
            RecordDeregisterOutcome(DeregisterOutcome.Deregistered);
            Log.Deregistered(_logger, _displayName, target.InstanceId, target.Service.Id);
            _deregisterOperation = null; // already reported unconfirmed: nothing to read after the drain
            return DeregisterOutcome.Deregistered;
        }

        var seconds = timeout.TotalSeconds;
        lastError = _ledger.PendingOperationId is { } pending
            ? string.Create(CultureInfo.InvariantCulture, $"RegisterInstance operation '{pending}' was last seen {(_pendingRegistrationStatus is { } status ? OperationStatusText(status) : "never (GetOperation did not answer)")}; Cloud Map refuses DeregisterInstance until it finishes, and the instance appears if it succeeds")
            : lastError ?? string.Create(CultureInfo.InvariantCulture, $"no answer from Cloud Map within {seconds:0.###} s");
        Log.DeregistrationFailed(_logger, _displayName, target.InstanceId, target.Service.Id, seconds, lastError);
        return DeregisterOutcome.Failed;
    }

    /// <summary>
    /// One ownership-checked deregistration (G4): GetInstance (only where another process can own the same instance
    /// id, see <see cref="RegistrationTarget.IdIsPerTask"/>), then DeregisterInstance, then, when
    /// <paramref name="confirm"/>, GetOperation until SUCCESS. Without <paramref name="confirm"/> (the stop) it returns
    /// once the DeregisterInstance is accepted, leaving the operation in <c>_deregisterOperation</c> for
    /// <see cref="ConfirmDeregistrationAsync"/> after the drain: Cloud Map completes an accepted operation whether or
    /// not it is polled, so polling before the drain only costs calls the whole fleet competes for.
    /// </summary>
    /// <remarks>
    /// Cloud Map has no conditional delete, so a takeover between the GetInstance and the DeregisterInstance cannot be
    /// excluded; the window is one round trip, and a taking-over process re-asserts its registration on its next cycle.
    /// A per-task id (an ECS task id) is never used by another process at the same time (a restarted container of the
    /// task starts after this process ended), so the check would cost a call and protect nothing.
    /// </remarks>
    internal async Task<DeregisterOutcome> DeregisterOwnedOnceAsync(CancellationToken cancellationToken, bool confirm = true)
    {
        var target = Target!;
        var checkOwner = !target.IdIsPerTask;
        if (_ledger.PendingOperationId is { } pending)
        {
            // A RegisterInstance was accepted but never seen to finish (e.g. GetOperation failed, then the stop came):
            // its instance appears only when the operation succeeds, so wait for it before looking for the instance.
            Log.WaitingForPendingRegistration(_logger, _displayName, pending);
            CloudMapOperation? registration = null;
            try
            {
                registration = await PollOperationAsync(pending, status => _pendingRegistrationStatus = status, cancellationToken).ConfigureAwait(false);
            }
            catch (CloudMapException ex)
            {
                // GetOperation keeps failing: the registration may have succeeded, so look for the instance anyway. While
                // the operation still runs, DeregisterInstance answers DuplicateRequest naming it, and that is waited for.
                Log.PendingRegistrationUnknown(_logger, _displayName, pending, ErrorText(ex));
            }

            if (registration is not null)
            {
                _ledger.OperationFinished();
                if (registration.Status == CloudMapOperationStatus.Success)
                {
                    _ledger.MayNotBeVisibleYet();
                }
                else
                {
                    _ledger.Rejected();
                }
            }
        }

        try
        {
            for (var duplicateRounds = 0; ; duplicateRounds++)
            {
                if (checkOwner)
                {
                    var instance = await _client.GetInstanceAsync(target.Service.Id, target.InstanceId, cancellationToken).ConfigureAwait(false);
                    if (!RegistrationAttributes.IsOwnedBy(instance, _ownerToken))
                    {
                        Log.NotOwned(_logger, _displayName, target.InstanceId, RegistrationAttributes.OwnerOf(instance) ?? "(none)");
                        return DeregisterOutcome.NotOwned;
                    }

                    _sawOwnInstance = true;
                }

                var earlier = _deregisterMayBeApplied;
                _deregisterMayBeApplied = true; // from here on, unless Cloud Map answers that it applied nothing
                string operationId;
                try
                {
                    operationId = await _client.DeregisterInstanceAsync(target.Service.Id, target.InstanceId, cancellationToken).ConfigureAwait(false);
                }
                catch (CloudMapException ex) when (ex.StatusCode is { } status && (int)status is >= 400 and < 500 && ex.ErrorCode != CloudMapErrorCodes.InstanceNotFound)
                {
                    // Refused (throttled, duplicate, invalid): this request applied nothing.
                    _deregisterMayBeApplied = earlier;
                    if (ex.ErrorCode != CloudMapErrorCodes.DuplicateRequest || ex.DuplicateOperationId is not { } duplicate || duplicateRounds >= 3)
                    {
                        throw;
                    }

                    Log.DuplicateRequest(_logger, _displayName, "DeregisterInstance", duplicate);
                    await PollOperationAsync(duplicate, _ => { }, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                _sawOwnInstance = true; // accepted: the instance was there (ours, for a per-task id)
                _deregisterOperation = (operationId, CloudMapOperationStatus.Submitted);
                if (!confirm)
                {
                    return DeregisterOutcome.Deregistered;
                }

                var operation = await PollOperationAsync(operationId, status => _deregisterOperation = (operationId, status), cancellationToken).ConfigureAwait(false);
                _deregisterOperation = null;
                if (operation.Status != CloudMapOperationStatus.Success)
                {
                    _deregisterMayBeApplied = earlier;
                    throw new CloudMapException(CloudMapErrorCodes.OperationFailed, $"DeregisterInstance operation '{operationId}' failed: {operation.ErrorCode} {operation.ErrorMessage}", statusCode: null, requestId: null);
                }

                return DeregisterOutcome.Deregistered;
            }
        }
        catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.InstanceNotFound)
        {
            if (!checkOwner)
            {
                // From DeregisterInstance, without a GetInstance that saw the instance first: "not visible yet" is
                // possible even after a request of ours that may have been applied, so the grace is waited out first.
                ThrowIfNotVisibleYet(ex);
            }

            if (_deregisterMayBeApplied)
            {
                // We saw our instance and sent DeregisterInstance; now it is gone: that request was applied (its answer,
                // or the answer of the attempt the client retried, was lost). Not "not visible yet": it was visible.
                Log.DeregisteredAnswerLost(_logger, _displayName, target.InstanceId);
                return DeregisterOutcome.Deregistered;
            }

            // From GetInstance: the instance is gone, or not visible yet.
            ThrowIfNotVisibleYet(ex);
            Log.AlreadyGone(_logger, _displayName, target.InstanceId);
            return DeregisterOutcome.NotFound;
        }
    }

    /// <summary>
    /// After the drain: reads the accepted DeregisterInstance operation once (when the drain gave it time to finish,
    /// <paramref name="drained"/>; 1054 when it is still running). A FAIL is retried with <paramref name="budgetLeft"/> (what the
    /// deregistration before the drain did not spend); an operation still running is left to Cloud Map, which completes
    /// accepted operations. Without a drain nothing is read: one call right after the DeregisterInstance would only show
    /// it SUBMITTED. Never throws but for cancellation.
    /// </summary>
    /// <returns>How the deregistration ended after the confirmation.</returns>
    internal async Task<DeregisterOutcome> ConfirmDeregistrationAsync(bool drained, TimeSpan budgetLeft, CancellationToken cancellationToken)
    {
        if (Target is not { } target || _deregisterOperation is not { } accepted)
        {
            return DeregisterOutcome.Deregistered;
        }

        _deregisterOperation = null;
        if (!drained || budgetLeft <= TimeSpan.Zero)
        {
            return DeregisterOutcome.Deregistered;
        }

        try
        {
            using var attempts = CloudMapCallContext.LimitAttempts(_time, budgetLeft);
            var operation = await _client.GetOperationAsync(accepted.Id, cancellationToken).ConfigureAwait(false);
            switch (operation.Status)
            {
                case CloudMapOperationStatus.Fail:
                    // Nothing was removed: deregister again (ownership-checked) within what is left of the budget.
                    Log.DeregistrationOperationFailed(_logger, _displayName, target.InstanceId, accepted.Id, operation.ErrorCode ?? "(no code)", budgetLeft.TotalSeconds);
                    return await DeregisterWithinAsync(budgetLeft, cancellationToken).ConfigureAwait(false);
                case CloudMapOperationStatus.Success:
                    Log.DeregistrationOperationSeen(_logger, _displayName, accepted.Id, operation.Status);
                    break;
                default:
                    Log.DeregistrationUnconfirmed(_logger, _displayName, target.InstanceId, accepted.Id, OperationStatusText(operation.Status));
                    break;
            }
        }
        catch (Exception ex) when (ex is CloudMapException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The operation was accepted: an unreadable status changes nothing Cloud Map does.
            Log.DeregistrationOperationUnread(_logger, _displayName, accepted.Id, ex);
        }

        return DeregisterOutcome.Deregistered;
    }

    /// <summary>Tells the ledger how an ownership-checked deregistration ended.</summary>
    private void RecordDeregisterOutcome(DeregisterOutcome outcome)
    {
        switch (outcome)
        {
            case DeregisterOutcome.NotOwned:
                _ledger.LeftToAnotherOwner();
                break;
            case DeregisterOutcome.Failed:
                break; // Cloud Map may still hold it.
            default:
                _deregisterMayBeApplied = false;
                _ledger.Removed();
                break;
        }
    }

    /// <summary>
    /// GetOperation until SUCCESS or FAIL (at most <see cref="OperationTimeout"/>), reporting every status seen to
    /// <paramref name="seen"/> so that a budget running out can say where the operation was.
    /// </summary>
    private async Task<CloudMapOperation> PollOperationAsync(string operationId, Action<CloudMapOperationStatus> seen, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var delay = FirstOperationPoll;
        while (true)
        {
            var operation = await _client.GetOperationAsync(operationId, cancellationToken).ConfigureAwait(false);
            seen(operation.Status);
            if (operation.Status is CloudMapOperationStatus.Success or CloudMapOperationStatus.Fail)
            {
                return operation;
            }

            var remaining = OperationTimeout - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Cloud Map operation '{operationId}' was still {OperationStatusText(operation.Status)} after {OperationTimeout}.");
            }

            await Task.Delay(delay < remaining ? delay : remaining, _time, cancellationToken).ConfigureAwait(false);
            delay = delay * 2 < MaxOperationPoll ? delay * 2 : MaxOperationPoll;
        }
    }

    private static string OperationStatusText(CloudMapOperationStatus status) => status.ToString().ToUpperInvariant();

    /// <summary>
    /// InstanceNotFound for a registration sent (or seen to succeed) moments ago may only mean "not visible yet": taking
    /// it as "already gone" would leave a zombie once the instance appears. Throwing makes the caller retry with backoff
    /// within its deregistration timeout.
    /// </summary>
    private void ThrowIfNotVisibleYet(CloudMapException notFound)
    {
        if (_ledger.IsWithinVisibilityGrace)
        {
            Log.InstanceNotPropagatedYet(_logger, _displayName, Target!.InstanceId);
            throw new CloudMapException(
                CloudMapErrorCodes.InstanceNotFound,
                $"Instance '{Target!.InstanceId}' was registered {_ledger.VisibilityGraceElapsed.TotalSeconds:0.#} s ago and is not visible yet; retrying the deregistration.",
                notFound.StatusCode,
                notFound.RequestId,
                notFound);
        }
    }
}
