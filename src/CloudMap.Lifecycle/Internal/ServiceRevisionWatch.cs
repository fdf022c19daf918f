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
/// does not carry: they are looked up once (ListNamespaces, control plane) on the first read and kept.
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
/// between them. The lock is not held across the discovery reads (<see cref="HoldsAsync"/>, <see cref="ListAllAsync"/>),
/// which change nothing here.
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

    private readonly TimeProvider _time = timeProvider;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long? _lastReadAt;
    private string? _namespaceName;

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
    /// Lists every instance of the service on the data plane: DiscoverInstances with <c>HealthStatus=ALL</c> (an
    /// instance that reported UNHEALTHY is still registered) and <c>MaxResults</c> 1,000 (the most a service holds), one
    /// call and no paging. Crash cleanup calls it only when the revision moved.
    /// </summary>
    /// <exception cref="CloudMapException">A failure; the caller tries again on its next sweep.</exception>
    public async Task<CloudMapDiscoveryResult> ListAllAsync(CancellationToken cancellationToken)
    {
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
        return result.Instances.Any(i => string.Equals(i.InstanceId, instanceId, StringComparison.Ordinal)
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
