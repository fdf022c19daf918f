// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// Part of step 4, running health: before the status is reflected in Cloud Map, each cycle makes sure the registration
/// is still there and still ours, so a superseded process never writes onto its replacement's entry (G4, G5) and a
/// vanished registration is back within two health intervals (G6).
/// </summary>
/// <remarks>
/// <para>
/// How it knows without a call per push: one <c>DiscoverInstancesRevision</c> per health interval (data plane,
/// <see cref="ServiceRevisionWatch"/>). Cloud Map changes the revision on every register and deregister in the service,
/// so while it equals the revision at which our entry was last verified, nobody replaced or removed it. Only when it
/// moved is the entry looked at: first on the data plane (DiscoverInstances narrowed to our owner token, at most one
/// instance in the answer whatever the size of the service), and only when that does not show what we expect, with one
/// authoritative GetInstance (control plane) that tells "gone" from "someone else's".
/// </para>
/// <para>
/// Why not GetInstance on every change: in a 1,000-instance service a rolling deploy changes the revision every few
/// seconds, and 1,000 instances each asking the control plane (rate limits unpublished, tens per second) would throttle
/// the account; DiscoverInstances has 1,000 per second per account, and the narrowed answer stays tiny. Why not an
/// unnarrowed DiscoverInstances: up to 1,000 instances per answer on every change, and it hides instances reported
/// UNHEALTHY unless <c>HealthStatus=ALL</c>.
/// </para>
/// <para>
/// Without a discovery client (<see cref="DiscoveryClient"/>), or when the watch is refused (permissions), the checks
/// are as before: a push answering InstanceNotFound and the re-assert-interval GetInstance.
/// </para>
/// </remarks>
internal sealed partial class CloudMapRegistrationService
{
    private ServiceRevisionWatch? _revisionWatch;
    private long? _verifiedRevision;
    private bool _watchUnavailableLogged;
    private string? _announcedSupersedingOwner;

    /// <summary>
    /// Gets or sets the data-plane client the ownership watch reads the service revision with; <see langword="null"/>
    /// (no watch) keeps the slower checks only.
    /// </summary>
    internal ICloudMapDiscoveryClient? DiscoveryClient { get; set; }

    /// <summary>Gets the revision watch once created (after the target is resolved and a discovery client is set).</summary>
    internal ServiceRevisionWatch? RevisionWatch => _revisionWatch;

    /// <summary>How many health intervals without throttling the watch's first read waits for (see <see cref="NamespaceLookupWaits"/>).</summary>
    internal const int FirstCheckQuietWindow = 2;

    /// <summary>
    /// Whether the watch's first read, which costs a control-plane ListNamespaces for a service given by id, waits: while
    /// the account's limit throttles this process (a process that registered under throttling and has sent nothing since
    /// cannot tell whether it still would), the fleet's registrations and stops need that request more than the ownership
    /// check or a cleanup sweep do. It waits for <see cref="FirstCheckQuietWindow"/> health intervals without throttling,
    /// and, in a fleet that spreads its start over <see cref="CloudMapRegistrationOptions.StartupJitter"/>, for that long
    /// after registering: the fleet's registrations are spread over the jitter, and so are these lookups, after them.
    /// </summary>
    private bool NamespaceLookupWaits(ServiceRevisionWatch watch) =>
        watch.NamespaceName is null
        && (_client.ThrottledWithin(FirstCheckQuietWindow * Options.Health.Interval)
            || (Options.StartupJitter > TimeSpan.Zero && _state.RegisteredAt is { } registered && _time.GetUtcNow() - registered < Options.StartupJitter));

    /// <summary>
    /// One ownership check, at the start of a health cycle, for a registration that is confirmed or superseded. Never
    /// throws but for cancellation: a failure is logged and the cycle carries on as it did before this check existed.
    /// </summary>
    internal async Task<OwnershipVerdict> CheckOwnershipAsync(CancellationToken cancellationToken)
    {
        if (!_ledger.IsConfirmed && !_ledger.IsSuperseded)
        {
            return OwnershipVerdict.NotRegistered;
        }

        var unverified = _ledger.IsSuperseded ? OwnershipVerdict.Superseded : OwnershipVerdict.Unverified;
        var watch = GetRevisionWatch();
        if (watch is null)
        {
            return unverified;
        }

        if (NamespaceLookupWaits(watch))
        {
            return unverified;
        }

        var target = Target!;
        try
        {
            // Half an interval: every cycle reads afresh, while other work of the same cycle can share the read.
            var revision = await watch.ReadAsync(Options.Health.Interval / 2, cancellationToken).ConfigureAwait(false);
            if (revision is not { } current)
            {
                ReportWatchUnavailable(watch);
                return unverified;
            }

            if (current == _verifiedRevision)
            {
                return _ledger.IsSuperseded ? OwnershipVerdict.Superseded : OwnershipVerdict.Ours;
            }

            return await VerifyEntryAsync(watch, current, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !_abort.IsCancellationRequested)
        {
            RecordError(ex);
            LogFailure(ex, (text, exception) => Log.OwnershipCheckFailed(_logger, _displayName, target.InstanceId, text, exception));
            return unverified;
        }
    }

    /// <summary>The revision moved: is the entry still the one we expect (ours, or the one that superseded ours)?</summary>
    private async Task<OwnershipVerdict> VerifyEntryAsync(ServiceRevisionWatch watch, long revision, CancellationToken cancellationToken)
    {
        var target = Target!;
        var expectedOwner = _ledger.IsSuperseded ? _ledger.SupersedingOwner : _ownerToken;
        if (expectedOwner is not null && await HoldsAsync(watch, revision, target.InstanceId, expectedOwner, cancellationToken).ConfigureAwait(false))
        {
            _verifiedRevision = revision;
            if (_ledger.IsSuperseded)
            {
                return OwnershipVerdict.Superseded;
            }

            _ledger.Verified();
            Log.RegistrationVerified(_logger, _displayName, target.Service.Id, revision, target.InstanceId);
            return OwnershipVerdict.Ours;
        }

        // The data plane does not show what we expect: ask the control plane, which tells "gone" from "someone else's".
        CloudMapInstance instance;
        try
        {
            instance = await _client.GetInstanceAsync(target.Service.Id, target.InstanceId, cancellationToken).ConfigureAwait(false);
        }
        catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.InstanceNotFound)
        {
            if (_ledger.IsWithinVisibilityGrace)
            {
                // Registered moments ago and not visible yet: not verified, so the next cycle looks again.
                Log.InstanceNotPropagatedYet(_logger, _displayName, target.InstanceId);
                return OwnershipVerdict.Unverified;
            }

            RecordError(ex);
            if (_ledger.IsSuperseded)
            {
                Log.SupersedingRegistrationVanished(_logger, _displayName, target.InstanceId, _ledger.SupersedingOwner ?? "(none)", target.Service.Id);
            }
            else
            {
                Log.RegistrationVanished(_logger, _displayName, target.InstanceId, target.Service.Id);
            }

            _ledger.Vanished();
            _announcedSupersedingOwner = null;
            _verifiedRevision = null;
            SetSuperseded(false);
            return OwnershipVerdict.Vanished;
        }

        _verifiedRevision = revision;
        if (RegistrationAttributes.IsOwnedBy(instance, _ownerToken))
        {
            // Ours after all (the data plane lagged behind the control plane).
            _ledger.Verified();
            Log.RegistrationVerified(_logger, _displayName, target.Service.Id, revision, target.InstanceId);
            return OwnershipVerdict.Ours;
        }

        OnSuperseded(instance);
        return OwnershipVerdict.Superseded;
    }

    /// <summary>
    /// Whether the data plane shows our entry: from the service's full listing when crash cleanup runs (it lists the
    /// service after every move anyway, so both share one DiscoverInstances), otherwise with the narrowed query.
    /// </summary>
    private Task<bool> HoldsAsync(ServiceRevisionWatch watch, long revision, string instanceId, string ownerToken, CancellationToken cancellationToken) =>
        _cleanupActive
            ? HoldsInListingAsync(watch, revision, instanceId, ownerToken, cancellationToken)
            : watch.HoldsAsync(instanceId, ownerToken, cancellationToken);

    private static async Task<bool> HoldsInListingAsync(ServiceRevisionWatch watch, long revision, string instanceId, string ownerToken, CancellationToken cancellationToken) =>
        ServiceRevisionWatch.Holds(await watch.GetListingAsync(revision, force: false, cancellationToken).ConfigureAwait(false), instanceId, ownerToken);

    /// <summary>
    /// Cloud Map shows <paramref name="instance"/> under our instance id with another owner (or none): from now on this
    /// process writes nothing to it (G4, G5). Said once per superseding registration, not once per cycle.
    /// </summary>
    private void OnSuperseded(CloudMapInstance instance)
    {
        var target = Target!;
        var owner = RegistrationAttributes.OwnerOf(instance);
        _ledger.LeftToAnotherOwner(owner);
        SetSuperseded(true);
        if (!string.Equals(_announcedSupersedingOwner, owner ?? string.Empty, StringComparison.Ordinal))
        {
            _announcedSupersedingOwner = owner ?? string.Empty;
            Log.Superseded(_logger, _displayName, target.InstanceId, target.Service.Id, owner ?? "(none)");
        }
    }

    private ServiceRevisionWatch? GetRevisionWatch()
    {
        if (_revisionWatch is null && DiscoveryClient is { } discovery && Target is { } target)
        {
            _revisionWatch = new ServiceRevisionWatch(discovery, _client, target.Service, _time);
        }

        return _revisionWatch;
    }

    private void ReportWatchUnavailable(ServiceRevisionWatch watch)
    {
        if (_watchUnavailableLogged)
        {
            return;
        }

        _watchUnavailableLogged = true;
        var error = watch.DisabledBy is { } disabledBy ? ErrorText(disabledBy) : "switched off";
        Log.RevisionWatchUnavailable(_logger, _displayName, watch.Service.Id, error, Options.Health.ReassertInterval.TotalSeconds);
    }

    private void SetSuperseded(bool superseded) => _state.Update(s => s.IsSuperseded == superseded ? s : s with { IsSuperseded = superseded });
}
