// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// Step 5, deregister: only a registration that is still ours (G4), after whatever registration left pending, and
/// never taking "not visible yet" for "gone" (G3).
/// </summary>
internal sealed partial class CloudMapRegistrationService
{
    /// <summary>
    /// Deregisters within <paramref name="timeout"/>, retrying with backoff, only if the registration is still ours.
    /// Returns whether a registration was removed. Never throws: a failure is logged as a warning.
    /// </summary>
    internal async Task<bool> DeregisterAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var target = Target;
        if (target is null)
        {
            return false;
        }

        _state.Phase = CloudMapRegistrationPhase.Deregistering;
        Log.Deregistering(_logger, _displayName, target.InstanceId, target.Service.Id);
        if (timeout > TimeSpan.Zero)
        {
            using var timeoutSource = new CancellationTokenSource(timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
            using var activity = StartActivity("Deregister", target);
            try
            {
                var outcome = await LifecycleRetry.RunAsync(
                    DeregisterOwnedOnceAsync,
                    isRetryable: ex => ex is not OperationCanceledException || !linked.IsCancellationRequested,
                    onFailedAttempt: (attempt, ex) =>
                    {
                        RecordError(ex);
                        LogFailure(ex, (text, exception) => Log.DeregistrationAttemptFailed(_logger, _displayName, attempt, text, exception));
                    },
                    _time,
                    linked.Token).ConfigureAwait(false);
                RecordDeregisterOutcome(outcome);
                if (outcome == DeregisterOutcome.Deregistered)
                {
                    Log.Deregistered(_logger, _displayName, target.InstanceId, target.Service.Id);
                }

                return outcome == DeregisterOutcome.Deregistered;
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
                MarkFailed(activity, error: null);
            }
        }

        Log.DeregistrationFailed(_logger, _displayName, target.InstanceId, target.Service.Id, timeout.TotalSeconds, _state.LastError);
        return false;
    }

    /// <summary>One ownership-checked deregistration (G4), waited to SUCCESS.</summary>
    /// <remarks>
    /// Cloud Map has no conditional delete, so a takeover between the GetInstance and the DeregisterInstance cannot be
    /// excluded; the window is one round trip, and a taking-over process re-asserts its registration on its next cycle.
    /// </remarks>
    internal async Task<DeregisterOutcome> DeregisterOwnedOnceAsync(CancellationToken cancellationToken)
    {
        var target = Target!;
        if (_ledger.PendingOperationId is { } pending)
        {
            // A RegisterInstance was accepted but never seen to finish (e.g. GetOperation failed, then the stop came):
            // its instance appears only when the operation succeeds, so wait for it before looking for the instance.
            Log.WaitingForPendingRegistration(_logger, _displayName, pending);
            var registration = await WaitForOperationAsync(pending, cancellationToken).ConfigureAwait(false);
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

        try
        {
            for (var duplicateRounds = 0; ; duplicateRounds++)
            {
                var instance = await _client.GetInstanceAsync(target.Service.Id, target.InstanceId, cancellationToken).ConfigureAwait(false);
                if (!RegistrationAttributes.IsOwnedBy(instance, _ownerToken))
                {
                    Log.NotOwned(_logger, _displayName, target.InstanceId, RegistrationAttributes.OwnerOf(instance) ?? "(none)");
                    return DeregisterOutcome.NotOwned;
                }

                string operationId;
                try
                {
                    operationId = await _client.DeregisterInstanceAsync(target.Service.Id, target.InstanceId, cancellationToken).ConfigureAwait(false);
                }
                catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.DuplicateRequest && ex.DuplicateOperationId is { } duplicate && duplicateRounds < 3)
                {
                    Log.DuplicateRequest(_logger, _displayName, "DeregisterInstance", duplicate);
                    await WaitForOperationAsync(duplicate, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var operation = await WaitForOperationAsync(operationId, cancellationToken).ConfigureAwait(false);
                if (operation.Status != CloudMapOperationStatus.Success)
                {
                    throw new CloudMapException(CloudMapErrorCodes.OperationFailed, $"DeregisterInstance operation '{operationId}' failed: {operation.ErrorCode} {operation.ErrorMessage}", statusCode: null, requestId: null);
                }

                return DeregisterOutcome.Deregistered;
            }
        }
        catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.InstanceNotFound)
        {
            // From GetInstance or DeregisterInstance: the instance is gone, or not visible yet.
            ThrowIfNotVisibleYet(ex);
            Log.AlreadyGone(_logger, _displayName, target.InstanceId);
            return DeregisterOutcome.NotFound;
        }
    }

    /// <summary>Tells the ledger how an ownership-checked deregistration ended.</summary>
    private void RecordDeregisterOutcome(DeregisterOutcome outcome)
    {
        if (outcome == DeregisterOutcome.NotOwned)
        {
            _ledger.LeftToAnotherOwner();
        }
        else
        {
            _ledger.Removed();
        }
    }

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
