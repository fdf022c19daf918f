// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// Step 4, running health: checks on an interval, thresholds, and the result reflected in Cloud Map according to
/// <see cref="Mode"/> (G5); a registration that vanished is registered again (G6), one that another process took over
/// is left alone (G4; <c>.Ownership.cs</c>).
/// </summary>
internal sealed partial class CloudMapRegistrationService
{
    private int _disagreeingResults;

    internal CloudMapHealthStatus EffectiveStatus { get; private set; } = CloudMapHealthStatus.Healthy;

    internal async Task RunHealthLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(Options.Health.Interval, _time, cancellationToken).ConfigureAwait(false);
            StartCleanupSweepIfDue(); // beside the cycle, never awaited by it (.Cleanup.cs)
            await RunHealthCycleAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One running-health cycle: run the checks, apply the thresholds, check the registration is still there and ours
    /// (<see cref="CheckOwnershipAsync"/>), and reflect the result in Cloud Map according to <see cref="Mode"/>; a
    /// superseded registration gets nothing. Cloud Map failures are logged and retried on the next cycle; they never end the loop.
    /// </summary>
    internal async Task RunHealthCycleAsync(CancellationToken cancellationToken)
    {
        ObserveHealth(await IsHealthyAsync(HealthChecks, HealthPredicate, Options.Health.CheckTimeout, cancellationToken).ConfigureAwait(false));
        try
        {
            // Before anything is written to Cloud Map: is the entry still there, and still ours (G4, G6)?
            await CheckOwnershipAsync(cancellationToken).ConfigureAwait(false);
            if (_ledger.IsSuperseded)
            {
                return;
            }

            switch (Mode)
            {
                case HealthReportingMode.Custom:
                    await PushHealthAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case HealthReportingMode.DeregisterWhileUnhealthy:
                    await ReflectHealthByRegistrationAsync(cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await EnsureRegisteredAsync(cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !_abort.IsCancellationRequested)
        {
            RecordError(ex);
            LogFailure(ex, (text, exception) => Log.HealthCycleFailed(_logger, _displayName, text, exception));
        }
    }

    /// <summary>Applies the consecutive thresholds: the effective status flips only after enough results in a row disagree with it.</summary>
    internal void ObserveHealth(bool passing)
    {
        var observed = passing ? CloudMapHealthStatus.Healthy : CloudMapHealthStatus.Unhealthy;
        if (observed == EffectiveStatus)
        {
            _disagreeingResults = 0;
        }
        else
        {
            var health = Options.Health;
            var threshold = observed == CloudMapHealthStatus.Healthy ? health.HealthyThreshold : health.UnhealthyThreshold;
            if (++_disagreeingResults >= threshold)
            {
                EffectiveStatus = observed;
                _disagreeingResults = 0;
                Log.HealthChanged(_logger, _displayName, observed, threshold);
            }
        }

        _state.ObservedStatus = EffectiveStatus;
    }

    /// <summary>
    /// Custom health: pushes the effective status when it differs from the last pushed one or when the re-assert
    /// interval has elapsed. InstanceNotFound soon after registering is retried next cycle; later it means the
    /// registration vanished, so it is registered again (G6). CustomHealthNotFound switches to the fallback mode.
    /// </summary>
    internal async Task PushHealthAsync(CancellationToken cancellationToken)
    {
        if (_ledger.IsSuperseded)
        {
            // Another process's entry: its status is its owner's to report (G4, G5).
            return;
        }

        if (!_ledger.IsConfirmed)
        {
            await RegisterOnceAsync(EffectiveStatus).ConfigureAwait(false);
            return;
        }

        var status = EffectiveStatus;
        if (_state.LastPushedStatus == status && !_ledger.IsReassertDue(Options.Health.ReassertInterval))
        {
            return;
        }

        var target = Target!;
        try
        {
            await _client.UpdateInstanceCustomHealthStatusAsync(target.Service.Id, target.InstanceId, status, cancellationToken).ConfigureAwait(false);
        }
        catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.InstanceNotFound)
        {
            await OnInstanceNotFoundAsync(ex).ConfigureAwait(false);
            return;
        }
        catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.CustomHealthNotFound)
        {
            // The service has no custom health after all (e.g. ECS Service Connect created it): same as no health check.
            Mode = HealthReportingModes.For(ServiceHealthCheckKind.None, Options.Health.UnmanagedMode);
            Log.CustomHealthNotFound(_logger, _displayName, target.Service.Id, Mode);
            if (Mode == HealthReportingMode.DeregisterWhileUnhealthy)
            {
                await ReflectHealthByRegistrationAsync(cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var changed = _state.LastPushedStatus != status;
        _state.LastPushedStatus = status;
        _state.LastError = null;
        _ledger.Pushed();
        RecordPush(status);
        Log.HealthPushed(_logger, _displayName, status, changed ? "changed" : "re-asserted");
    }

    /// <summary>No custom health: deregister while unhealthy, register again once healthy (the only lever left).</summary>
    internal async Task ReflectHealthByRegistrationAsync(CancellationToken cancellationToken)
    {
        if (_ledger.IsSuperseded)
        {
            return;
        }

        if (EffectiveStatus == CloudMapHealthStatus.Unhealthy)
        {
            if (_ledger.IsConfirmed)
            {
                var outcome = await DeregisterOwnedOnceAsync(_abort.Token).ConfigureAwait(false);
                RecordDeregisterOutcome(outcome);
                _state.Phase = CloudMapRegistrationPhase.DeregisteredWhileUnhealthy;
                Log.DeregisteredWhileUnhealthy(_logger, _displayName, Target!.InstanceId);
            }

            return;
        }

        await EnsureRegisteredAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Registers again when not registered; otherwise checks, every re-assert interval, that the registration still exists
    /// (G6) and is still ours (G4). A safety net under the revision watch, and the only check without it.
    /// </summary>
    internal async Task EnsureRegisteredAsync(CancellationToken cancellationToken)
    {
        if (_ledger.IsSuperseded)
        {
            return;
        }

        if (!_ledger.IsConfirmed)
        {
            await RegisterOnceAsync(EffectiveStatus).ConfigureAwait(false);
            return;
        }

        if (!_ledger.IsVerificationDue(Options.Health.ReassertInterval))
        {
            return;
        }

        var target = Target!;
        try
        {
            var instance = await _client.GetInstanceAsync(target.Service.Id, target.InstanceId, cancellationToken).ConfigureAwait(false);
            if (!RegistrationAttributes.IsOwnedBy(instance, _ownerToken))
            {
                OnSuperseded(instance);
                return;
            }

            _ledger.Verified();
        }
        catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.InstanceNotFound)
        {
            await OnInstanceNotFoundAsync(ex).ConfigureAwait(false);
        }
    }

    private bool HealthPredicate(HealthCheckRegistration registration)
    {
        var health = Options.Health;
        if (IsOwnCheck(registration))
        {
            return false;
        }

        if (health.Predicate is not null)
        {
            return health.Predicate(registration);
        }

        return health.Tag is null ? ReadinessPredicate(registration) : registration.Tags.Contains(health.Tag);
    }

    /// <summary>
    /// InstanceNotFound for a confirmed registration (a push or a verification): within the visibility grace it may only
    /// mean "not visible yet" (try again next cycle); later the registration vanished and is registered again (G6).
    /// </summary>
    private async Task OnInstanceNotFoundAsync(CloudMapException error)
    {
        if (_ledger.IsWithinVisibilityGrace)
        {
            Log.InstanceNotPropagatedYet(_logger, _displayName, Target!.InstanceId);
            return;
        }

        RecordError(error);
        _ledger.Vanished();
        Log.RegistrationVanished(_logger, _displayName, Target!.InstanceId, Target.Service.Id);
        await RegisterOnceAsync(EffectiveStatus).ConfigureAwait(false);
    }
}
