// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal.Cleanup;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// Crash cleanup (G7), the sweep: while this instance's own registration is confirmed, ours and healthy, it watches a
/// few peers of its service, probes them for proof of life, and removes the registrations that positive evidence shows
/// dead. The rules live in <see cref="CleanupPlanner"/> and <see cref="PeerEvidence"/>; this file gathers the evidence
/// and acts on the plan.
/// </summary>
/// <remarks>
/// <para>
/// Scheduling: a sweep rides the health loop's timer (<see cref="StartCleanupSweepIfDue"/> at each tick) rather than a
/// timer of its own, and runs beside the health cycle, never inside it: probes and removals never delay a health push
/// (G5), and a sweep still running at the next tick is not started twice. A sweep is due at the first tick at least
/// 90 % of <see cref="CloudMapCleanupOptions.ProbeInterval"/> after the last one started, so the effective interval is
/// ProbeInterval rounded up to health intervals. No jitter is added: each instance's health loop has its own phase
/// (it starts when that instance registered), which spreads the fleet's probes already.
/// </para>
/// <para>
/// Cost per sweep: the service revision from the <see cref="ServiceRevisionWatch"/> the ownership check reads anyway
/// (shared: at most one DiscoverInstancesRevision per health interval between the two); one DiscoverInstances
/// (<c>HealthStatus=ALL</c>, 1,000 at most) when the revision moved, shared with the ownership check, plus its
/// follow-ups (the watch's rule, <see cref="ServiceRevisionWatch.GetListingAsync"/>); <see cref="CloudMapCleanupOptions.WatchedPeers"/>
/// probes, peer to peer. A removal costs one GetInstance (the re-check) and one DeregisterInstance; its operation is not
/// polled (Cloud Map finishes it on its own; should it fail, the peer is still listed and judged again).
/// </para>
/// <para>
/// Stop: <c>StoppingAsync</c> cancels the sweep before anything else and never waits for it, so cleanup cannot delay the
/// deregistration; <c>StopAsync</c> waits for it at most <see cref="StopGrace"/>, so it does not outlive the host. A probe
/// that ignores cancellation is let go (the sweep stops waiting for it).
/// </para>
/// </remarks>
internal sealed partial class CloudMapRegistrationService
{
    /// <summary>A sweep is due once this share of the probe interval has passed since the last one began (ticks are not exact).</summary>
    private const double SweepDueShare = 0.9;

    /// <summary>How much longer than its own timeout a probe is waited for before the sweep takes it as unknown.</summary>
    private static readonly TimeSpan ProbeOverrun = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _cleanupStop = new();
    private readonly Dictionary<string, PeerEvidence> _evidence = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _vanished = new(StringComparer.Ordinal);
    private Task _cleanupSweep = Task.CompletedTask;
    private bool _cleanupActive;
    private long? _lastSweepStartedAt;
    private CloudMapDiscoveryResult? _appliedListing;
    private bool _relist;
    private List<PeerTarget> _cleanupMembers = [];
    private int _serviceInstances;
    private bool _cleanupHeld;
    private bool _sweepFailing;

    /// <summary>Gets or sets the prober of peers' proof of life; <see langword="null"/> (none registered) runs no cleanup.</summary>
    internal IPeerProber? PeerProber { get; set; }

    /// <summary>Gets the sweep in flight (or the last one, completed).</summary>
    internal Task CleanupSweep
    {
        get
        {
            lock (_lifecycleLock)
            {
                return _cleanupSweep;
            }
        }
    }

    /// <summary>Gets what this observer knows of each peer, by instance id (for tests).</summary>
    internal IReadOnlyDictionary<string, PeerEvidence> Evidence => _evidence;

    /// <summary>
    /// Switches cleanup on for this registration once it is registered, when it can run: enabled, a prober registered,
    /// a data-plane client for the revision watch. Says once which it is. Called before the health loop starts, so the
    /// watch is created before two loops share it.
    /// </summary>
    internal void ActivateCleanup()
    {
        var cleanup = Options.Cleanup;
        if (!cleanup.Enabled || _cleanupActive || Target is not { } target)
        {
            return;
        }

        var reason = PeerProber is null ? "no proof-of-life prober is registered"
            : GetRevisionWatch() is null ? "the Cloud Map client does not serve the data plane (DiscoverInstances)"
            : null;
        if (reason is not null)
        {
            Log.CleanupUnavailable(_logger, _displayName, reason);
            return;
        }

        _cleanupActive = true;
        var interval = cleanup.ProbeInterval > Options.Health.Interval ? cleanup.ProbeInterval : Options.Health.Interval;
        Log.CleanupStarted(_logger, _displayName, interval.TotalSeconds, cleanup.WatchedPeers, target.Service.Id, cleanup.FailuresBeforeRemoval, cleanup.MinimumEvidenceSpan.TotalSeconds);
    }

    /// <summary>
    /// At a health-loop tick: starts a sweep beside the health cycle when one is due and none is running. Never waits
    /// for it and never throws.
    /// </summary>
    internal void StartCleanupSweepIfDue()
    {
        lock (_lifecycleLock)
        {
            if (!_cleanupActive || _cleanupStop.IsCancellationRequested || !_cleanupSweep.IsCompleted)
            {
                return;
            }

            if (_lastSweepStartedAt is { } last && _time.GetElapsedTime(last) < Options.Cleanup.ProbeInterval * SweepDueShare)
            {
                return;
            }

            _lastSweepStartedAt = _time.GetTimestamp();
            var token = _cleanupStop.Token;
            _cleanupSweep = Task.Run(() => RunCleanupSweepSafelyAsync(token), CancellationToken.None);
        }
    }

    /// <summary>Cancels cleanup for good (the first thing a stop does); never waits.</summary>
    private async Task CancelCleanupAsync()
    {
        try
        {
            await _cleanupStop.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // Disposed with the service: nothing runs any more.
        }
    }

    private async Task RunCleanupSweepSafelyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunCleanupSweepAsync(cancellationToken).ConfigureAwait(false);
            _sweepFailing = false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            var first = !_sweepFailing;
            _sweepFailing = true;
            LogFailure(ex, (text, exception) =>
            {
                if (first)
                {
                    Log.CleanupSweepFailed(_logger, _displayName, text, exception);
                }
                else
                {
                    Log.CleanupSweepStillFailing(_logger, _displayName, text, exception);
                }
            });
        }
    }

    /// <summary>
    /// One sweep: the service view (re-listed only when the revision moved), the watched peers probed concurrently, the
    /// plan, and each planned removal re-checked and sent. Throws Cloud Map failures of the reads (the next sweep tries
    /// again); a failed removal is logged and does not end the sweep.
    /// </summary>
    internal async Task<CleanupSweepOutcome> RunCleanupSweepAsync(CancellationToken cancellationToken)
    {
        if (WhyNotCleaning() is { } skipped)
        {
            Log.CleanupSweepSkipped(_logger, _displayName, skipped);
            return CleanupSweepOutcome.Skipped(skipped);
        }

        var target = Target!;
        var prober = PeerProber!;
        var watch = GetRevisionWatch()!;
        var options = Options.Cleanup;
        using var activity = StartActivity(LifecycleTelemetry.SweepStep, target);
        try
        {
            return await SweepAsync(target, prober, watch, options, activity, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            MarkFailed(activity, ex);
            throw;
        }
    }

    private async Task<CleanupSweepOutcome> SweepAsync(
        RegistrationTarget target, IPeerProber prober, ServiceRevisionWatch watch, CloudMapCleanupOptions options, System.Diagnostics.Activity? activity, CancellationToken cancellationToken)
    {
        if (NamespaceLookupWaits(watch))
        {
            activity?.SetTag(LifecycleTelemetry.SweepSkippedTag, true);
            Log.CleanupSweepSkipped(_logger, _displayName, "this process was throttled by Cloud Map in the last two health intervals");
            return CleanupSweepOutcome.Skipped("throttled");
        }

        // Shared with the ownership check: a revision read up to one health interval ago is taken as it is.
        var revision = await watch.ReadAsync(Options.Health.Interval, cancellationToken).ConfigureAwait(false);
        if (revision is not { } current)
        {
            ReportWatchUnavailable(watch);
            activity?.SetTag(LifecycleTelemetry.SweepSkippedTag, true);
            Log.CleanupSweepSkipped(_logger, _displayName, "the service revision cannot be read");
            return CleanupSweepOutcome.Skipped("the service revision cannot be read");
        }

        // When to list again is the watch's rule (shared with the ownership check, which reuses the same listing).
        var listed = await watch.GetListingAsync(current, force: _relist, cancellationToken).ConfigureAwait(false);
        _relist = false;
        if (!ReferenceEquals(listed, _appliedListing))
        {
            UpdateMembers(listed);
        }

        var watchedIds = PeerRing.Watched(_cleanupMembers.Select(m => m.InstanceId), target.InstanceId, options.WatchedPeers);
        var watched = watchedIds.Select(id => _evidence[id]).ToList();
        var results = await Task.WhenAll(watched.Select(e => ProbeAsync(prober, e.Target, options.ProbeTimeout, cancellationToken))).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        for (var i = 0; i < watched.Count; i++)
        {
            watched[i].Record(results[i], now);
            _telemetry.CleanupProbes.Add(1, RegistrationTag(), new(TelemetryTags.ProbeOutcome, TelemetryTags.ProbeOutcomeName(results[i].Outcome)));
        }

        // Platform evidence (issue 14): ECS/EC2 verdicts on the peers whose probe did not prove life, before the plan.
        await RecordPlatformEvidenceAsync(watched, cancellationToken).ConfigureAwait(false);

        var plan = CleanupPlanner.Plan(watched, _serviceInstances, CleanupRules.From(options), now);
        var confirmed = 0;
        if (!plan.Held && watched.Any(e => e.LooksDead))
        {
            (plan, confirmed) = await ApplyFleetRulesAsync(prober, target.InstanceId, plan, watched, options, cancellationToken).ConfigureAwait(false);
        }

        ReportHold(plan);
        var removed = new List<string>();
        var leftAlone = new List<string>();
        foreach (var evidence in plan.Removals)
        {
            if (WhyNotCleaning() is not null)
            {
                break; // our own registration changed during the sweep: whoever is wrong, it may be us
            }

            if (await RemoveDeadPeerAsync(target.Service.Id, evidence, cancellationToken).ConfigureAwait(false))
            {
                removed.Add(evidence.InstanceId);
            }
            else
            {
                leftAlone.Add(evidence.InstanceId);
            }
        }

        var counts = new int[4];
        foreach (var result in results)
        {
            counts[(int)result.Outcome]++;
        }

        Log.CleanupSweep(
            _logger,
            _displayName,
            _cleanupMembers.Count,
            _serviceInstances,
            watched.Count,
            counts[(int)PeerProbeOutcome.Alive],
            counts[(int)PeerProbeOutcome.Refused],
            counts[(int)PeerProbeOutcome.Foreign],
            counts[(int)PeerProbeOutcome.Unknown],
            plan.Removable,
            removed.Count,
            plan.Cap,
            plan.Held ? "; held (self-preservation)" : string.Empty);
        activity?.SetTag(LifecycleTelemetry.SweepPeersWatchedTag, watched.Count);
        activity?.SetTag(LifecycleTelemetry.SweepProbesTag, watched.Count + confirmed);
        activity?.SetTag(LifecycleTelemetry.SweepConfirmationProbesTag, confirmed);
        activity?.SetTag(LifecycleTelemetry.SweepAliveTag, counts[(int)PeerProbeOutcome.Alive]);
        activity?.SetTag(LifecycleTelemetry.SweepRefusedTag, counts[(int)PeerProbeOutcome.Refused]);
        activity?.SetTag(LifecycleTelemetry.SweepForeignTag, counts[(int)PeerProbeOutcome.Foreign]);
        activity?.SetTag(LifecycleTelemetry.SweepUnknownTag, counts[(int)PeerProbeOutcome.Unknown]);
        activity?.SetTag(LifecycleTelemetry.SweepRemovableTag, plan.Removable);
        activity?.SetTag(LifecycleTelemetry.SweepRemovalsTag, removed.Count);
        activity?.SetTag(LifecycleTelemetry.SweepHeldTag, plan.Held);
        return new CleanupSweepOutcome(null, plan, watchedIds, removed, leftAlone) { ConfirmationProbes = confirmed };
    }

    /// <summary>
    /// The fleet-wide rules (<see cref="FleetBudget"/>), for a sweep in which a watched peer looks dead: probes a wider
    /// sample of the ring; holds when more than half of all it probed look dead; otherwise keeps only the removals in
    /// this epoch's batch. Returns the plan and the number of confirmation probes sent.
    /// </summary>
    private async Task<(CleanupPlan Plan, int Probes)> ApplyFleetRulesAsync(
        IPeerProber prober, string self, CleanupPlan plan, List<PeerEvidence> watched, CloudMapCleanupOptions options, CancellationToken cancellationToken)
    {
        var sampleIds = FleetBudget.ConfirmationSample(_cleanupMembers.Select(m => m.InstanceId), self, watched.Count, FleetBudget.MaxConfirmationProbes);
        var sample = sampleIds.Select(id => _evidence[id].Target).ToList();
        var results = new List<PeerProbeResult>(sample.Count);
        foreach (var chunk in sample.Chunk(FleetBudget.ConfirmationConcurrency))
        {
            results.AddRange(await Task.WhenAll(chunk.Select(p => ProbeAsync(prober, p, options.ProbeTimeout, cancellationToken))).ConfigureAwait(false));
        }

        foreach (var result in results)
        {
            _telemetry.CleanupProbes.Add(1, RegistrationTag(), new(TelemetryTags.ProbeOutcome, TelemetryTags.ProbeOutcomeName(result.Outcome)));
        }

        var probed = watched.Count + sample.Count;
        var lookingDead = watched.Count(e => e.LooksDead) + results.Count(r => r.Outcome != PeerProbeOutcome.Alive);
        if (FleetBudget.IsHeld(lookingDead, probed))
        {
            return (plan with { Held = true, LookingDead = lookingDead, Watched = probed, Removals = [] }, sample.Count);
        }

        var epoch = FleetBudget.Epoch(_time.GetUtcNow(), options.ProbeInterval);
        foreach (var old in _vanished.Where(v => v.Value != epoch).Select(v => v.Key).ToList())
        {
            _vanished.Remove(old);
        }

        var gone = watched.Where(e => e.IsGone).Select(e => e.InstanceId)
            .Concat(sample.Where((_, i) => results[i].IsGone).Select(p => p.InstanceId))
            .Concat(_vanished.Keys);
        // The cap from the service as listed now; the instances that left it this epoch still take their rank (see
        // FleetBudget: so a removal by another observer never opens room for a new one within the epoch).
        var cap = CleanupPlanner.MaxRemovals(_serviceInstances, options.MaxRemovalShare);
        var batch = FleetBudget.Batch(gone, epoch, cap, viewed: probed + 1, ringSize: _cleanupMembers.Count + 1);
        return (plan with { Removals = plan.Removals.Where(e => batch.Contains(e.InstanceId)).ToList() }, sample.Count);
    }

    /// <summary>Why this instance may not clean up now (see <see cref="CleanupPlanner.WhyNotObserving"/>), or <see langword="null"/>.</summary>
    private string? WhyNotCleaning() =>
        CleanupPlanner.WhyNotObserving(new CleanupObserver(_ledger.IsConfirmed, _ledger.IsSuperseded, EffectiveStatus == CloudMapHealthStatus.Healthy));

    /// <summary>Takes a fresh list of the service: the members are the registrations that can be verified; evidence of any other is dropped.</summary>
    private void UpdateMembers(CloudMapDiscoveryResult listed)
    {
        var now = _time.GetUtcNow();
        var serviceId = Target!.Service.Id;
        var members = new List<PeerTarget>();
        foreach (var instance in listed.Instances)
        {
            if (ToPeerTarget(serviceId, instance) is not { } peer || string.Equals(peer.InstanceId, Target.InstanceId, StringComparison.Ordinal))
            {
                continue;
            }

            members.Add(peer);
            if (!_evidence.TryGetValue(peer.InstanceId, out var known) || !known.Matches(peer))
            {
                _evidence[peer.InstanceId] = new PeerEvidence(peer, now);
            }

            _evidence[peer.InstanceId].Platform ??= Platform.PlatformIdentity.FromAttributes(instance.Attributes); // platform evidence (issue 14)
        }

        var current = members.Select(m => m.InstanceId).ToHashSet(StringComparer.Ordinal);
        var epoch = FleetBudget.Epoch(now, Options.Cleanup.ProbeInterval);
        foreach (var left in _cleanupMembers.Where(m => !current.Contains(m.InstanceId)))
        {
            _vanished[left.InstanceId] = epoch; // still counts as gone in this epoch's fleet budget (FleetBudget)
        }

        foreach (var gone in _evidence.Keys.Where(id => !current.Contains(id)).ToList())
        {
            _evidence.Remove(gone);
        }

        _cleanupMembers = members;
        _serviceInstances = listed.Instances.Count;
        _appliedListing = listed;
    }

    /// <summary>
    /// The peer a listed registration is, when it can be judged: it advertises proof of life, carries an owner token
    /// and a valid address and port. Anything else is never judged.
    /// </summary>
    internal static PeerTarget? ToPeerTarget(string serviceId, CloudMapDiscoveredInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var attributes = instance.Attributes;
        if (ProofOfLifeAdvert.Read(attributes) is not { } advert
            || !attributes.TryGetValue(RegistrationAttributes.OwnerKey, out var owner) || string.IsNullOrEmpty(owner)
            || AddressOf(attributes) is not { } address
            || PortOf(attributes) is not { } port)
        {
            return null;
        }

        return new PeerTarget(serviceId, instance.InstanceId, owner, address, port, advert);
    }

    private static IPAddress? AddressOf(IReadOnlyDictionary<string, string> attributes) =>
        (attributes.TryGetValue(RegistrationAttributes.Ipv4Key, out var v4) && IPAddress.TryParse(v4, out var ipv4) && ipv4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ? ipv4
        : (attributes.TryGetValue(RegistrationAttributes.Ipv6Key, out var v6) && IPAddress.TryParse(v6, out var ipv6) && ipv6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6) ? ipv6
        : null;

    private static int? PortOf(IReadOnlyDictionary<string, string> attributes) =>
        attributes.TryGetValue(RegistrationAttributes.PortKey, out var text)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= IPEndPoint.MaxPort
            ? port
            : null;

    /// <summary>One probe, never throwing but for the sweep's cancellation; a prober that overruns its timeout tells nothing.</summary>
    private async Task<PeerProbeResult> ProbeAsync(IPeerProber prober, PeerTarget peer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await TimedWait.WithinAsync(prober.ProbeAsync(peer, timeout, cancellationToken), timeout + ProbeOverrun, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutException)
        {
            return new PeerProbeResult(PeerProbeOutcome.Unknown, "no outcome within the probe timeout");
        }
        catch (Exception ex)
        {
            return new PeerProbeResult(PeerProbeOutcome.Unknown, "the probe failed: " + ex.GetType().Name);
        }
    }

    /// <summary>Says when self-preservation starts and ends holding removals, and shows it in the state (and the gauge).</summary>
    private void ReportHold(CleanupPlan plan)
    {
        if (plan.Held == _cleanupHeld)
        {
            return;
        }

        _cleanupHeld = plan.Held;
        _state.Update(s => s with { IsCleanupHeld = plan.Held });
        if (plan.Held)
        {
            Log.CleanupHeld(_logger, _displayName, plan.LookingDead, plan.Watched);
        }
        else
        {
            Log.CleanupReleased(_logger, _displayName, plan.LookingDead, plan.Watched);
        }
    }

    /// <summary>
    /// Re-checks <paramref name="evidence"/>'s registration on the control plane and removes it only if it is still the
    /// one judged: same owner token, address and port (G4: a process that registered the same id meanwhile is left
    /// alone). Returns whether DeregisterInstance was accepted. Never throws but for cancellation.
    /// </summary>
    private async Task<bool> RemoveDeadPeerAsync(string serviceId, PeerEvidence evidence, CancellationToken cancellationToken)
    {
        var peer = evidence.Target;
        try
        {
            CloudMapInstance instance;
            try
            {
                instance = await _client.GetInstanceAsync(serviceId, peer.InstanceId, cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.InstanceNotFound)
            {
                ForgetPeer(peer.InstanceId, relist: false);
                Log.CleanupLeftAlone(_logger, _displayName, peer.InstanceId, serviceId, "it is no longer registered");
                return false;
            }

            var owner = RegistrationAttributes.OwnerOf(instance);
            var address = AddressOf(instance.Attributes);
            var port = PortOf(instance.Attributes);
            if (!evidence.IsStill(owner, address, port))
            {
                // Registered again (a restart with the same id, another process) since it was judged: a new registration.
                ForgetPeer(peer.InstanceId, relist: true);
                var reason = string.Create(
                    CultureInfo.InvariantCulture,
                    $"it was registered again since it was judged (now owner {Prefix(owner)}… at {address?.ToString() ?? "(no address)"}:{port?.ToString(CultureInfo.InvariantCulture) ?? "(no port)"}; judged: owner {Prefix(peer.OwnerToken)}… at {peer.Address}:{peer.Port})");
                Log.CleanupLeftAlone(_logger, _displayName, peer.InstanceId, serviceId, reason);
                return false;
            }

            try
            {
                _ = await _client.DeregisterInstanceAsync(serviceId, peer.InstanceId, cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.InstanceNotFound)
            {
                ForgetPeer(peer.InstanceId, relist: false);
                Log.CleanupLeftAlone(_logger, _displayName, peer.InstanceId, serviceId, "it is no longer registered");
                return false;
            }
            catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.DuplicateRequest)
            {
                // Another operation on that instance is under way (another watcher's removal, or its owner registering
                // again): not ours to race. The next sweep looks again.
                var reason = "another operation on it is under way (" + ErrorText(ex) + ")";
                Log.CleanupLeftAlone(_logger, _displayName, peer.InstanceId, serviceId, reason);
                return false;
            }

            ForgetPeer(peer.InstanceId, relist: false);
            _telemetry.CleanupRemovals.Add(1, RegistrationTag());
            var lastAlive = evidence.LastAliveAt is { } alive ? alive.ToString("o", CultureInfo.InvariantCulture) : "never";
            if (evidence.IsRemovableByPlatform(CleanupRules.From(Options.Cleanup))) // platform evidence (issue 14)
            {
                Log.CleanupRemovedByPlatform(_logger, _displayName, peer.InstanceId, peer.Address, peer.Port, Prefix(peer.OwnerToken), serviceId, evidence.LastPlatformVerdict!.Value.Detail, evidence.PlatformDeadCount, evidence.PlatformDeadSince!.Value, evidence.GoneCount, evidence.UnknownCount, lastAlive);
                return true;
            }

            Log.CleanupRemoved(
                _logger,
                _displayName,
                peer.InstanceId,
                peer.Address,
                peer.Port,
                Prefix(peer.OwnerToken),
                serviceId,
                evidence.GoneCount,
                evidence.RefusedCount,
                evidence.ForeignCount,
                evidence.LastDetail ?? "-",
                evidence.FirstGoneAt!.Value,
                evidence.LastGoneAt!.Value,
                evidence.GoneSpan.TotalSeconds,
                evidence.UnknownCount,
                lastAlive);
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            RecordError(ex);
            LogFailure(ex, (text, exception) => Log.CleanupRemovalFailed(_logger, _displayName, peer.InstanceId, serviceId, text, exception));
            return false;
        }
    }

    /// <summary>Drops a peer from this observer's view; <paramref name="relist"/> makes the next sweep list the service again.</summary>
    private void ForgetPeer(string instanceId, bool relist)
    {
        if (!relist)
        {
            _vanished[instanceId] = FleetBudget.Epoch(_time.GetUtcNow(), Options.Cleanup.ProbeInterval);
        }

        _evidence.Remove(instanceId);
        _cleanupMembers.RemoveAll(m => string.Equals(m.InstanceId, instanceId, StringComparison.Ordinal));
        if (relist)
        {
            _relist = true;
        }
    }

    /// <summary>The first 8 characters of an owner token: enough to tell registrations apart in a log.</summary>
    private static string Prefix(string? ownerToken) =>
        ownerToken is null ? "(none)" : ownerToken.Length <= 8 ? ownerToken : ownerToken[..8];
}

/// <summary>What one sweep did (for tests and the sweep summary).</summary>
/// <param name="SkippedBecause">Why no sweep ran, or <see langword="null"/> when one did.</param>
/// <param name="Plan">The plan, when a sweep ran.</param>
/// <param name="Watched">The instance ids probed.</param>
/// <param name="Removed">The instance ids removed.</param>
/// <param name="LeftAlone">The instance ids planned for removal but left alone after the re-check (or whose removal failed).</param>
internal sealed record CleanupSweepOutcome(
    string? SkippedBecause,
    CleanupPlan? Plan,
    IReadOnlyList<string> Watched,
    IReadOnlyList<string> Removed,
    IReadOnlyList<string> LeftAlone)
{
    /// <summary>Gets how many confirmation probes the sweep sent beyond its watched peers (<see cref="FleetBudget"/>).</summary>
    public int ConfirmationProbes { get; init; }

    public static CleanupSweepOutcome Skipped(string reason) => new(reason, null, [], [], []);
}
