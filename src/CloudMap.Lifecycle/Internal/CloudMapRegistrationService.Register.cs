// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Internal;

/// <summary>Step 3, register: RegisterInstance, then GetOperation until SUCCESS; every fact Cloud Map may now hold goes to the ledger.</summary>
internal sealed partial class CloudMapRegistrationService
{
    private long? _readyTimestamp;
    private bool _firstRegistrationRecorded;

    /// <summary>
    /// Registers, retrying failures with backoff and jitter until it succeeds. A stop before an attempt is sent
    /// (<paramref name="cancellationToken"/>) sends nothing; an attempt already sent is finished. It runs once, first
    /// thing after the target and readiness, so an operation the ledger holds as pending was accepted by one of its
    /// own attempts.
    /// </summary>
    internal async Task RegisterAsync(CloudMapHealthStatus initialStatus, CancellationToken cancellationToken)
    {
        _ = Target ?? throw new InvalidOperationException("The target must be resolved before registering.");
        _state.Phase = CloudMapRegistrationPhase.Registering;
        await LifecycleRetry.RunAsync(
            _ => RegisterOnceAsync(initialStatus, resume: true), // runs on the abort token: a sent attempt is finished, not abandoned
            isRetryable: ex => ex is not OperationCanceledException || !_abort.IsCancellationRequested,
            onFailedAttempt: (attempt, ex) =>
            {
                RecordError(ex);
                LogFailure(ex, (text, exception) => Log.RegistrationAttemptFailed(_logger, _displayName, attempt, text, exception));
            },
            _time,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One RegisterInstance, waited to SUCCESS. Runs on the abort token only: once sent, it is finished even while the
    /// host stops, so that deregistration can follow it (G3).
    /// </summary>
    /// <param name="initialStatus">The custom health status the instance starts with.</param>
    /// <param name="resume">
    /// When an earlier attempt of <see cref="RegisterAsync"/> had its RegisterInstance accepted and only the reading of
    /// its operation failed (throttled, timed out; the ledger's <see cref="RegistrationLedger.PendingOperationId"/>),
    /// read that operation again instead of registering again: a new RegisterInstance would cost a call, start a second
    /// operation Cloud Map refuses while the first runs (DuplicateRequest), and near the account's limit be throttled
    /// like the read was.
    /// </param>
    internal async Task RegisterOnceAsync(CloudMapHealthStatus initialStatus, bool resume = false)
    {
        var target = Target ?? throw new InvalidOperationException("The target must be resolved before registering.");
        var token = _abort.Token;
        _state.Phase = CloudMapRegistrationPhase.Registering;
        if (resume && _ledger.PendingOperationId is { } accepted)
        {
            if (await ResumeRegistrationAsync(accepted, initialStatus, token).ConfigureAwait(false))
            {
                return;
            }
        }

        // Crash cleanup (G7): answering for this identity starts before the registration that advertises it is sent.
        var proof = Options.Cleanup.AnswerProbes ? _proofOfLife?.Advertise(target.Service.Id, target.InstanceId, _ownerToken, target.ProofScheme) : null;
        var attributes = BuildAttributes(target, initialStatus, proof); // with the platform identity (issue 14)
        var request = new CloudMapInstanceRegistration(target.Service.Id, target.InstanceId, attributes, Guid.NewGuid().ToString("N"));
        Log.Registering(_logger, _displayName, target.InstanceId, target.Service.Id);
        using var activity = StartActivity("Register", target);
        try
        {
            string operationId;
            try
            {
                operationId = await SendRegisterAsync(request, token).ConfigureAwait(false);
            }
            catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.DuplicateRequest && ex.DuplicateOperationId is { } duplicate)
            {
                // Another RegisterInstance for this instance is still running (ours after a lost answer, or a
                // predecessor's). Let it finish, then re-check: if the registration is ours we are done, otherwise
                // register over it.
                Log.DuplicateRequest(_logger, _displayName, "RegisterInstance", duplicate);
                await WaitForOperationAsync(duplicate, token).ConfigureAwait(false);
                if (await IsOwnRegistrationAsync(token).ConfigureAwait(false))
                {
                    OnConfirmed(initialStatus);
                    return;
                }

                operationId = await SendRegisterAsync(request, token).ConfigureAwait(false);
            }

            var operation = await WaitForOperationAsync(operationId, token).ConfigureAwait(false);
            FinishRegistration(operationId, operation, initialStatus);
        }
        catch (Exception ex)
        {
            MarkFailed(activity, ex);
            throw;
        }
    }

    /// <summary>
    /// Reads again the operation of a RegisterInstance accepted by an earlier attempt (see <c>resume</c> of
    /// <see cref="RegisterOnceAsync"/>). Returns <see langword="false"/> when Cloud Map no longer knows the operation: the
    /// caller registers again.
    /// </summary>
    private async Task<bool> ResumeRegistrationAsync(string operationId, CloudMapHealthStatus initialStatus, CancellationToken cancellationToken)
    {
        var target = Target!;
        Log.ResumingRegistration(_logger, _displayName, target.InstanceId, operationId);
        using var activity = StartActivity("Register", target);
        try
        {
            var operation = await WaitForOperationAsync(operationId, cancellationToken).ConfigureAwait(false);
            FinishRegistration(operationId, operation, initialStatus);
            return true;
        }
        catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.OperationNotFound)
        {
            // Nothing more can be learnt from it, nor waited for; a new RegisterInstance tells (DuplicateRequest if it
            // still runs).
            _ledger.OperationFinished();
            return false;
        }
        catch (Exception ex)
        {
            MarkFailed(activity, ex);
            throw;
        }
    }

    /// <summary>Takes the outcome of a registration's operation: confirmed on SUCCESS, else an error for the retry.</summary>
    private void FinishRegistration(string operationId, CloudMapOperation operation, CloudMapHealthStatus initialStatus)
    {
        _ledger.OperationFinished();
        if (operation.Status != CloudMapOperationStatus.Success)
        {
            // Not taken as Rejected: the retry that follows starts a new grace anyway, and a stop right now still
            // treats InstanceNotFound as "not visible yet" until the grace of this attempt ends.
            throw new CloudMapException(CloudMapErrorCodes.OperationFailed, $"RegisterInstance operation '{operationId}' failed: {operation.ErrorCode} {operation.ErrorMessage}", statusCode: null, requestId: null);
        }

        OnConfirmed(initialStatus);
    }

    /// <summary>
    /// Sends one RegisterInstance and tells the ledger what a later deregistration must know about it: sent (it may
    /// appear), accepted with its operation (it appears once the operation succeeds), or rejected (nothing applied).
    /// A call that ends without an answer leaves it "sent": the outcome is unknown.
    /// </summary>
    private async Task<string> SendRegisterAsync(CloudMapInstanceRegistration request, CancellationToken cancellationToken)
    {
        _ledger.Sent();

        // A new registration: what an earlier deregistration may have applied, or an earlier operation showed, no longer holds.
        _deregisterMayBeApplied = false;
        _pendingRegistrationStatus = null;
        try
        {
            var operationId = await _client.RegisterInstanceAsync(request, cancellationToken).ConfigureAwait(false);
            _ledger.Accepted(operationId);
            return operationId;
        }
        catch (CloudMapException ex) when (ex.StatusCode is { } status && (int)status is >= 400 and < 500)
        {
            // Cloud Map answered with a client error (validation, throttling, duplicate): nothing was applied.
            _ledger.Rejected();
            throw;
        }
    }

    /// <summary>Whether the instance in Cloud Map carries our owner token (after a DuplicateRequest).</summary>
    private async Task<bool> IsOwnRegistrationAsync(CancellationToken cancellationToken)
    {
        var target = Target!;
        try
        {
            var instance = await _client.GetInstanceAsync(target.Service.Id, target.InstanceId, cancellationToken).ConfigureAwait(false);
            return RegistrationAttributes.IsOwnedBy(instance, _ownerToken);
        }
        catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.InstanceNotFound)
        {
            return false;
        }
    }

    /// <summary>GetOperation until SUCCESS or FAIL (register and deregister).</summary>
    private Task<CloudMapOperation> WaitForOperationAsync(string operationId, CancellationToken cancellationToken) =>
        _client.WaitForOperationAsync(operationId, _time, OperationTimeout, oneOfMany: Options.StartupJitter > TimeSpan.Zero, cancellationToken);

    private void OnConfirmed(CloudMapHealthStatus initialStatus)
    {
        var target = Target!;
        _ledger.Confirmed();
        if (target.Service.HealthCheckKind == ServiceHealthCheckKind.Custom)
        {
            _state.LastPushedStatus = initialStatus;
        }

        _state.RegisteredAt = _time.GetUtcNow();
        _state.LastError = null;
        _state.Phase = CloudMapRegistrationPhase.Registered;
        if (!_firstRegistrationRecorded && _readyTimestamp is { } ready)
        {
            _firstRegistrationRecorded = true;
            _telemetry.RegistrationDuration.Record(_time.GetElapsedTime(ready).TotalSeconds, RegistrationTag());
        }

        Log.Registered(_logger, _displayName, target.InstanceId, target.Service.Id, target.Address, target.Port);
    }
}
