// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// Watches one service's <c>InstancesRevision</c> (data plane, <c>DiscoverInstancesRevision</c>), which Cloud Map changes
/// on every register and deregister in the service and never on a health change. An unchanged revision vouches that no
/// registration in the service was added, replaced or removed, so the work that depends on "is our entry still there"
/// (G4, G6) and, later, crash cleanup (G7) look closer only when it moved.
/// </summary>
/// <remarks>
/// <para>
/// One read serves every consumer: <see cref="ReadAsync"/> answers from the last read while it is younger than the
/// age the caller accepts, so several consumers of one registration share one call per interval. Each consumer keeps
/// the revision it last acted on and compares (<see cref="HasChanged"/>).
/// </para>
/// <para>
/// The data plane is addressed by the namespace's <c>HttpName</c> and the service name, which a service resolved by id
/// does not carry: they are looked up once (ListNamespaces, control plane) on the first read and kept, unless the
/// service was found by name (<see cref="CloudMapService.NamespaceHttpName"/>), which brings the namespace's name along.
/// </para>
/// <para>
/// An answer that retrying cannot fix (<see cref="DefinitiveErrors"/>: typically a policy without
/// <c>servicediscovery:DiscoverInstancesRevision</c>) switches the watch off for the process (<see cref="IsDisabled"/>);
/// the caller falls back to its slower checks. Anything else is thrown to the caller and tried again on its next read.
/// </para>
/// <para>
/// Shared by two loops of one registration: the health cycle's ownership check and the crash-cleanup sweep, which run
/// side by side. One <see cref="SemaphoreSlim"/> serialises the reads (and the one namespace lookup), so when both ask
/// at once the second waits for the first and takes its answer: one <c>DiscoverInstancesRevision</c> per interval
/// between them. The lock is not held across the discovery reads (<see cref="HoldsAsync"/>, <see cref="GetListingAsync"/>).
/// </para>
/// <para>
/// The full listing of the service (DiscoverInstances <c>HealthStatus=ALL</c>) is shared the same way, and the rule of
/// when it is taken again lives here (<see cref="GetListingAsync"/>): once per revision move, whoever asks first (the
/// ownership check after a move, or the cleanup sweep) and the other takes the same answer; then one follow-up at
/// each of <see cref="ListFollowUps"/> after the move (Cloud Map moves the revision when a RegisterInstance is accepted
/// but lists the instance only once its operation finished, so the listing at the move can miss it); and at the
/// latest every <see cref="ListRefreshInterval"/>.
/// </para>
/// </remarks>
internal sealed class ServiceRevisionWatch(
    ICloudMapDiscoveryClient discovery,
    ICloudMapClient controlPlane,
    CloudMapService service,
    TimeProvider timeProvider) : IDisposable
{
    /// <summary>The most instances one DiscoverInstances returns (and a Cloud Map service holds): 1,000.</summary>
    public const int MaxInstances = 1000;

    /// <summary>The longest time between two listings of the service, whatever the revision says.</summary>
    public static readonly TimeSpan ListRefreshInterval = TimeSpan.FromMinutes(5);

    /// <summary>
    /// After a revision move, the times at which the service is listed once more (each once, at the first ask at or
    /// after it): a registration accepted at the move may have been listed only once its operation finished.
    /// </summary>
    public static readonly IReadOnlyList<TimeSpan> ListFollowUps = [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)];

    private readonly TimeProvider _time = timeProvider;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _listingLock = new();
    private long? _lastReadAt;
    private string? _namespaceName = service.NamespaceHttpName;
    private long? _movedAt;
    private Task<CloudMapDiscoveryResult>? _listing;
    private long? _listingRevision;
    private long? _listingStartedAt;

    /// <summary>Gets the service watched.</summary>
    public CloudMapService Service { get; } = service;

    /// <summary>Gets the namespace's <c>HttpName</c> once looked up; otherwise <see langword="null"/>.</summary>
    public string? NamespaceName { get => Volatile.Read(ref _namespaceName); private set => Volatile.Write(ref _namespaceName, value); }

    /// <summary>
    /// Gets the revision of the last successful read, or <see langword="null"/> before the first one. Written under the
    /// lock; a consumer acts on the value <see cref="ReadAsync"/> returned to it rather than reading this again.
    /// </summary>
    public long? Current { get; private set; }

    /// <summary>Gets a value indicating whether the watch was switched off by an answer retrying cannot fix.</summary>
    public bool IsDisabled => DisabledBy is not null;

    /// <summary>Gets the error that switched the watch off, if any.</summary>
    public Exception? DisabledBy { get; private set; }

    /// <summary>Whether <paramref name="seen"/> (a consumer's last acted-on revision) differs from <see cref="Current"/>.</summary>
    public bool HasChanged(long? seen) => Current is null || Current != seen;

    /// <summary>
    /// Returns the service's current revision: the last one read when it is younger than <paramref name="maxAge"/>,
    /// otherwise one <c>DiscoverInstancesRevision</c> (plus, the first time, the namespace lookup). Returns
    /// <see langword="null"/> when the watch is (or has just been) switched off.
    /// </summary>
    /// <exception cref="CloudMapException">A transient failure; the next read tries again.</exception>
    public async Task<long?> ReadAsync(TimeSpan maxAge, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsDisabled)
            {
                return null;
            }

            if (Current is { } cached && _lastReadAt is { } at && _time.GetElapsedTime(at) < maxAge)
            {
                return cached;
            }

            var namespaceName = NamespaceName ??= await LookUpNamespaceNameAsync(cancellationToken).ConfigureAwait(false);
            var revision = await discovery.DiscoverInstancesRevisionAsync(namespaceName, Service.Name, cancellationToken).ConfigureAwait(false);
            if (Current != revision)
            {
                // The first read counts as a move too: its revision may include a registration still pending.
                lock (_listingLock)
                {
                    _movedAt = _time.GetTimestamp();
                }
            }

            Current = revision;
            _lastReadAt = _time.GetTimestamp();
            return revision;
        }
        catch (CloudMapException ex) when (DefinitiveErrors.IsDefinitive(ex))
        {
            DisabledBy = ex;
            return null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The full listing of the service at <paramref name="revision"/> (a revision this watch read): DiscoverInstances
    /// with <c>HealthStatus=ALL</c> (an instance that reported UNHEALTHY is still registered) and <c>MaxResults</c> 1,000
    /// (the most a service holds), one call and no paging. The last listing is returned again, without a call, unless
    /// a new one is due: none yet, or the last one failed; it was taken at another revision; <paramref name="force"/>;
    /// a follow-up of the last move (<see cref="ListFollowUps"/>) has come since it was taken; or it is older than
    /// <see cref="ListRefreshInterval"/>. One listing in flight serves every caller.
    /// </summary>
    /// <param name="revision">The revision the caller acts on (from <see cref="ReadAsync"/>).</param>
    /// <param name="force">Lists again whatever the rule says (a registration the caller looked at changed).</param>
    /// <param name="cancellationToken">
    /// Stops this caller's wait, and the listing when this caller started it (another caller sharing it then lists again).
    /// </param>
    /// <exception cref="CloudMapException">A failure; the caller tries again on its next sweep.</exception>
    public async Task<CloudMapDiscoveryResult> GetListingAsync(long revision, bool force, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            Task<CloudMapDiscoveryResult> listing;
            lock (_listingLock)
            {
                if (force || IsListingDueLocked(revision))
                {
                    _listingRevision = revision;
                    _listingStartedAt = _time.GetTimestamp();
                    _listing = ListAllAsync(cancellationToken);
                }

                listing = _listing!;
            }

            force = false;
            try
            {
                return await listing.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && attempt == 0)
            {
                // The caller that started the shared listing stopped (its token, not ours): list again for this caller.
            }
        }
    }

    /// <summary>Gets the number of DiscoverInstances listings this watch took (for tests and the cost figures).</summary>
    public int ListingCount { get; private set; }

    /// <summary>The rule of <see cref="GetListingAsync"/>, under <see cref="_listingLock"/>.</summary>
    private bool IsListingDueLocked(long revision)
    {
        if (_listing is not { } last || last.IsFaulted || last.IsCanceled || _listingRevision != revision || _listingStartedAt is not { } startedAt)
        {
            return true;
        }

        if (_time.GetElapsedTime(startedAt) >= ListRefreshInterval)
        {
            return true;
        }

        if (_movedAt is not { } movedAt)
        {
            return false;
        }

        var listedAfterMove = _time.GetElapsedTime(movedAt, startedAt);
        var sinceMove = _time.GetElapsedTime(movedAt);
        return ListFollowUps.Any(followUp => listedAfterMove < followUp && sinceMove >= followUp);
    }

    /// <summary>One listing, cancelled with the token of the caller that started it (nothing outlives a stop).</summary>
    private async Task<CloudMapDiscoveryResult> ListAllAsync(CancellationToken cancellationToken)
    {
        ListingCount++;
        var namespaceName = await GetNamespaceNameAsync(cancellationToken).ConfigureAwait(false);
        return await discovery.DiscoverInstancesAsync(
            new CloudMapDiscoveryQuery(namespaceName, Service.Name, HealthStatus: "ALL", MaxResults: MaxInstances),
            cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>
    /// Looks for our registration on the data plane: DiscoverInstances with <c>HealthStatus=ALL</c> (an instance we
    /// reported UNHEALTHY is hidden otherwise) narrowed by <paramref name="ownerToken"/> through <c>QueryParameters</c>,
    /// so the answer holds at most this one instance however large the service is.
    /// </summary>
    /// <returns>Whether <paramref name="instanceId"/> is there carrying <paramref name="ownerToken"/>.</returns>
    public async Task<bool> HoldsAsync(string instanceId, string ownerToken, CancellationToken cancellationToken)
    {
        var namespaceName = await GetNamespaceNameAsync(cancellationToken).ConfigureAwait(false);
        var result = await discovery.DiscoverInstancesAsync(
            new CloudMapDiscoveryQuery(
                namespaceName,
                Service.Name,
                HealthStatus: "ALL",
                QueryParameters: new Dictionary<string, string>(StringComparer.Ordinal) { [RegistrationAttributes.OwnerKey] = ownerToken }),
            cancellationToken).ConfigureAwait(false);
        return Holds(result, instanceId, ownerToken);
    }

    /// <summary>Whether <paramref name="listing"/> shows <paramref name="instanceId"/> carrying <paramref name="ownerToken"/>.</summary>
    public static bool Holds(CloudMapDiscoveryResult listing, string instanceId, string ownerToken)
    {
        ArgumentNullException.ThrowIfNull(listing);
        return listing.Instances.Any(i => string.Equals(i.InstanceId, instanceId, StringComparison.Ordinal)
            && i.Attributes.TryGetValue(RegistrationAttributes.OwnerKey, out var owner)
            && string.Equals(owner, ownerToken, StringComparison.Ordinal));
    }

    /// <summary>The namespace's HttpName, looked up once under the lock (both loops may ask first).</summary>
    private async Task<string> GetNamespaceNameAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _namespaceName) is { } known)
        {
            return known;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return NamespaceName ??= await LookUpNamespaceNameAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<string> LookUpNamespaceNameAsync(CancellationToken cancellationToken)
    {
        var namespaces = await controlPlane.ListNamespacesAsync(cancellationToken).ConfigureAwait(false);
        var match = namespaces.FirstOrDefault(n => string.Equals(n.Id, Service.NamespaceId, StringComparison.Ordinal))
            ?? throw new CloudMapException(
                CloudMapErrorCodes.NamespaceNotFound,
                $"Namespace '{Service.NamespaceId ?? "(none)"}' of service '{Service.Id}' is not among the namespaces this account lists.",
                statusCode: null,
                requestId: null);
        return match.HttpName ?? match.Name;
    }
}
