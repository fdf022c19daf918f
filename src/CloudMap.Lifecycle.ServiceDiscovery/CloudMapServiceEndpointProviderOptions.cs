// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.ServiceDiscovery;

/// <summary>
/// How the Cloud Map service endpoint provider maps names to Cloud Map services and keeps their instance lists fresh
/// (configuration section <c>CloudMapDiscovery</c>).
/// </summary>
/// <remarks>
/// <para>
/// A name such as <c>http://orders.shop.local</c> is the service <c>orders</c> in the namespace <c>shop.local</c> when
/// <c>shop.local</c> is <see cref="DefaultNamespace"/> or one of <see cref="Namespaces"/>; <c>http://orders</c> is the
/// service <c>orders</c> in <see cref="DefaultNamespace"/>; <c>http://_grpc.orders</c> selects each instance's endpoint
/// named <c>grpc</c> (the attribute <see cref="EndpointAttributePrefix"/><c>grpc</c>). Any other name (an IP address,
/// <c>localhost</c>, a host in another domain) is left to the other providers.
/// </para>
/// <para>
/// Staleness: a registration or deregistration is seen within <see cref="RevisionInterval"/> plus one round trip
/// (DiscoverInstancesRevision, then DiscoverInstances; when the revision moved but the list did not, the list is read
/// again at the next tick, as a revision can count a registration whose instance is listed only once its operation
/// completes). A health change does
/// not change the revision, so it is seen within <see cref="RefreshInterval"/>. Both polls of one service are shared by every name and client that resolves it.
/// </para>
/// </remarks>
public sealed class CloudMapServiceEndpointProviderOptions
{
    /// <summary>The configuration section the options are bound from: <c>CloudMapDiscovery</c>.</summary>
    public const string SectionName = "CloudMapDiscovery";

    /// <summary>
    /// The prefix of the instance attributes that declare named endpoints: <c>CLOUDMAP_ENDPOINT_</c>. An instance registered
    /// with <c>CLOUDMAP_ENDPOINT_grpc=8081</c> (or <c>CLOUDMAP_ENDPOINT_grpc=https:8081</c>) serves the endpoint named
    /// <c>grpc</c> on port 8081 of its address; <c>CLOUDMAP_ENDPOINT_https=8443</c> is what <c>https+http://orders</c> prefers.
    /// </summary>
    public const string EndpointAttributePrefix = "CLOUDMAP_ENDPOINT_";

    /// <summary>The default of <see cref="RevisionInterval"/>: 2 seconds.</summary>
    public static readonly TimeSpan DefaultRevisionInterval = TimeSpan.FromSeconds(2);

    /// <summary>The default of <see cref="RefreshInterval"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultRefreshInterval = TimeSpan.FromSeconds(30);

    /// <summary>The default of <see cref="MaxBackoff"/>: 1 minute.</summary>
    public static readonly TimeSpan DefaultMaxBackoff = TimeSpan.FromMinutes(1);

    /// <summary>The shortest <see cref="RevisionInterval"/>: 100 milliseconds.</summary>
    public static readonly TimeSpan MinRevisionInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest <see cref="RevisionInterval"/>: 10 minutes.</summary>
    public static readonly TimeSpan MaxRevisionInterval = TimeSpan.FromMinutes(10);

    /// <summary>The shortest <see cref="RefreshInterval"/>: 1 second.</summary>
    public static readonly TimeSpan MinRefreshInterval = TimeSpan.FromSeconds(1);

    /// <summary>The longest <see cref="RefreshInterval"/> and <see cref="MaxBackoff"/>: 1 hour.</summary>
    public static readonly TimeSpan MaxRefreshInterval = TimeSpan.FromHours(1);

    /// <summary>
    /// Gets or sets the namespace of single-label names (<c>http://orders</c>); it is also one of the namespaces whose
    /// dotted names this provider resolves.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: single-label names are left to the other providers.</value>
    public string? DefaultNamespace { get; set; }

    /// <summary>
    /// Gets the namespaces (their HttpName) whose names this provider resolves: <c>orders.shop.local</c> is resolved when
    /// <c>shop.local</c> is listed here or is <see cref="DefaultNamespace"/>.
    /// </summary>
    /// <value>The default value is empty. At least one namespace (here or <see cref="DefaultNamespace"/>) is required.</value>
    public IList<string> Namespaces { get; } = new List<string>();

    /// <summary>Gets or sets which instances are used, by health.</summary>
    /// <value>
    /// The default value is <see cref="CloudMapDiscoveryHealthFilter.HealthyOrElseAll"/>: fail open, as Cloud Map's DNS
    /// answers, so a health check that fails everywhere at once (a shared dependency, a bad check) does not turn into a
    /// client-side outage. CloudMap.Lifecycle already keeps unready and stopping instances out of Cloud Map entirely.
    /// </value>
    public CloudMapDiscoveryHealthFilter HealthFilter { get; set; } = CloudMapDiscoveryHealthFilter.HealthyOrElseAll;

    /// <summary>
    /// Gets the attribute filters sent as DiscoverInstances' <c>QueryParameters</c>: only instances whose attributes have
    /// all of these values are used (for example <c>AVAILABILITY_ZONE</c>, or a version attribute of your own).
    /// </summary>
    /// <value>The default value is empty: no filter.</value>
    public IDictionary<string, string> QueryParameters { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets how often each watched service's DiscoverInstancesRevision is read.</summary>
    /// <value>
    /// The default value is <see cref="DefaultRevisionInterval"/> (2 s); between <see cref="MinRevisionInterval"/> and
    /// <see cref="MaxRevisionInterval"/>, and not longer than <see cref="RefreshInterval"/>.
    /// </value>
    public TimeSpan RevisionInterval { get; set; } = DefaultRevisionInterval;

    /// <summary>
    /// Gets or sets how often the instance list is read again (DiscoverInstances) whatever the revision says: the revision
    /// does not change on health changes.
    /// </summary>
    /// <value>
    /// The default value is <see cref="DefaultRefreshInterval"/> (30 s); between <see cref="MinRefreshInterval"/> and
    /// <see cref="MaxRefreshInterval"/>.
    /// </value>
    public TimeSpan RefreshInterval { get; set; } = DefaultRefreshInterval;

    /// <summary>
    /// Gets or sets the longest wait between polls after failures: each failed poll doubles the wait (from
    /// <see cref="RevisionInterval"/>, from at least 1 s after throttling such as <c>RequestLimitExceeded</c>), with jitter.
    /// </summary>
    /// <value>
    /// The default value is <see cref="DefaultMaxBackoff"/> (1 minute); between <see cref="RevisionInterval"/> and
    /// <see cref="MaxRefreshInterval"/>.
    /// </value>
    public TimeSpan MaxBackoff { get; set; } = DefaultMaxBackoff;
}
