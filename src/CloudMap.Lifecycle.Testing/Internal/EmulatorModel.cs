// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Testing.Internal;

// The emulated account as typed records. EmulatorState owns them and guards them with its lock; the API handlers, the
// admin state document and (later) a DNS server read the same records. Time-dependent values (operation status,
// visibility, effective health) are computed from stored timestamps when read, never written back by a read.

internal static class NamespaceTypes
{
    public const string Http = "HTTP";
    public const string DnsPrivate = "DNS_PRIVATE";
    public const string DnsPublic = "DNS_PUBLIC";
}

internal static class ServiceTypes
{
    public const string Http = "HTTP";
    public const string DnsHttp = "DNS_HTTP";
}

internal static class HealthStatuses
{
    public const string Healthy = "HEALTHY";
    public const string Unhealthy = "UNHEALTHY";
    public const string Unknown = "UNKNOWN";
}

internal static class RecordTypes
{
    public const string A = "A";
    public const string Aaaa = "AAAA";
    public const string Srv = "SRV";
    public const string Cname = "CNAME";
}

internal static class RoutingPolicies
{
    public const string Multivalue = "MULTIVALUE";
    public const string Weighted = "WEIGHTED";
}

internal static class OperationTypes
{
    public const string RegisterInstance = "REGISTER_INSTANCE";
    public const string DeregisterInstance = "DEREGISTER_INSTANCE";
    public const string CreateNamespace = "CREATE_NAMESPACE";
    public const string DeleteNamespace = "DELETE_NAMESPACE";
    public const string UpdateNamespace = "UPDATE_NAMESPACE";
}

internal static class OperationStatuses
{
    public const string Submitted = "SUBMITTED";
    public const string Pending = "PENDING";
    public const string Success = "SUCCESS";
    public const string Fail = "FAIL";
}

internal sealed class NamespaceRecord
{
    public required string Id { get; init; }

    public required string Arn { get; init; }

    public required string Name { get; init; }

    public required string Type { get; init; }

    public required string HttpName { get; init; }

    /// <summary>Gets or sets the description (UpdateHttpNamespace / UpdatePrivateDnsNamespace / UpdatePublicDnsNamespace change it).</summary>
    public string? Description { get; set; }

    public string? CreatorRequestId { get; init; }

    public string? Vpc { get; init; }

    /// <summary>
    /// The SOA TTL of a namespace created without <c>Properties</c>: 900 s, the SOA record Route 53 creates for every
    /// hosted zone (Route 53 Developer Guide, "NS and SOA records that Amazon Route 53 creates for a public hosted
    /// zone": TTL 900, MINIMUM 86400), which is what Cloud Map namespaces had before <c>SOA.TTL</c> could be set
    /// (aws/aws-app-mesh-roadmap#151: "by default CloudMap sets a 900s min TTL for NXDOMAIN").
    /// </summary>
    public const long DefaultSoaTtl = 900;

    /// <summary>The hosted zone of a DNS namespace; <see langword="null"/> for an HTTP namespace.</summary>
    public string? HostedZoneId { get; init; }

    /// <summary>
    /// The SOA record's TTL (Cloud Map's <c>DnsProperties.SOA.TTL</c>), which bounds negative caching (RFC 2308: the
    /// lesser of it and the SOA's MINIMUM field, 86400 here); irrelevant for an HTTP namespace.
    /// </summary>
    public long SoaTtl { get; set; } = DefaultSoaTtl;

    public required DateTimeOffset CreateDate { get; init; }
}

/// <summary>A service's <c>DnsConfig</c>, in the service model's member order (it is written to the wire as is).</summary>
internal sealed record ServiceDnsConfig(string NamespaceId, string RoutingPolicy, IReadOnlyList<DnsRecordConfig> DnsRecords);

/// <summary>One entry of <c>DnsConfig.DnsRecords</c>.</summary>
internal sealed record DnsRecordConfig(string Type, long TTL);

/// <summary>A service's <c>HealthCheckConfig</c> (a Route 53 health check); no path for TCP.</summary>
internal sealed record Route53HealthCheckConfig(string Type, string? ResourcePath, long FailureThreshold);

internal sealed class ServiceRecord
{
    public required string Id { get; init; }

    public required string Arn { get; init; }

    public required string Name { get; init; }

    public required string NamespaceId { get; init; }

    public required string Type { get; init; }

    public string? Description { get; init; }

    public string? CreatorRequestId { get; init; }

    public ServiceDnsConfig? DnsConfig { get; init; }

    public Route53HealthCheckConfig? HealthCheckConfig { get; init; }

    public required EmulatedHealthCheck HealthCheck { get; init; }

    public required DateTimeOffset CreateDate { get; init; }

    public Dictionary<string, InstanceRecord> Instances { get; } = new(StringComparer.Ordinal);

    /// <summary>The <c>InstancesRevision</c>: changes on register and deregister, not on health changes.</summary>
    public long Revision { get; set; } = 1;

    public bool HasRecord(string type) => DnsConfig?.DnsRecords.Any(r => r.Type == type) == true;
}

internal sealed class InstanceRecord
{
    public required string Id { get; init; }

    /// <summary>The attributes of the last registration; a registration replaces the map, nothing mutates it.</summary>
    public required IReadOnlyDictionary<string, string> Attributes { get; set; }

    public string? CreatorRequestId { get; set; }

    public DateTimeOffset RegisteredAt { get; set; }

    /// <summary>Until then instance-level calls answer <c>InstanceNotFound</c> and discovery leaves it out.</summary>
    public DateTimeOffset VisibleAt { get; set; }

    /// <summary>The status last in effect; a pushed status waits in <see cref="PendingHealth"/> for the change delay.</summary>
    public required string Health { get; set; }

    public string? PendingHealth { get; set; }

    public DateTimeOffset PendingSince { get; set; }

    /// <summary>
    /// Whether the Route 53 health check has a result yet (only while the emulator probes Route 53 checks): until then
    /// Cloud Map reports <c>UNKNOWN</c>, which counts as routable. A registration recreates the check.
    /// </summary>
    public bool Route53Reported { get; set; }

    /// <summary>Consecutive probe results against <see cref="Health"/>; <c>FailureThreshold</c> of them flip it.</summary>
    public int Route53Streak { get; set; }

    public bool IsVisible(DateTimeOffset now) => now >= VisibleAt;

    /// <summary>The health Cloud Map reports at <paramref name="now"/>, computed without changing the record.</summary>
    public HealthView HealthAt(EmulatedHealthCheck kind, DateTimeOffset now, TimeSpan changeDelay)
    {
        var matured = PendingHealth is not null && now >= PendingSince + changeDelay;
        var status = kind == EmulatedHealthCheck.None ? HealthStatuses.Unknown : matured ? PendingHealth! : Health;
        return matured || PendingHealth is null
            ? new HealthView(status, null, null)
            : new HealthView(status, PendingHealth, PendingSince + changeDelay);
    }

    /// <summary>Makes a pending status whose delay has run out the status in effect (writers call this before they change health).</summary>
    public void Settle(DateTimeOffset now, TimeSpan changeDelay)
    {
        if (PendingHealth is { } pending && now >= PendingSince + changeDelay)
        {
            Health = pending;
            PendingHealth = null;
        }
    }
}

/// <summary>An instance's health as read at one instant.</summary>
internal readonly record struct HealthView(string Status, string? Pending, DateTimeOffset? PendingEffectiveAt);

internal sealed class OperationRecord
{
    public required string Id { get; init; }

    public required string Type { get; init; }

    public required DateTimeOffset CreateDate { get; init; }

    public required DateTimeOffset PendingAt { get; init; }

    public required DateTimeOffset CompletesAt { get; init; }

    /// <summary>The injected failure's <c>ErrorCode</c>; <see langword="null"/> for an operation that succeeds.</summary>
    public string? FailCode { get; init; }

    public string? FailMessage { get; init; }

    public required IReadOnlyDictionary<string, string> Targets { get; init; }

    public string? CreatorRequestId { get; init; }

    public string? ServiceId { get; init; }

    public string? InstanceId { get; init; }

    public string Status(DateTimeOffset now) =>
        now < PendingAt ? OperationStatuses.Submitted
        : now < CompletesAt ? OperationStatuses.Pending
        : FailCode is null ? OperationStatuses.Success : OperationStatuses.Fail;

    public DateTimeOffset UpdateDate(DateTimeOffset now) =>
        now < PendingAt ? CreateDate : now < CompletesAt ? PendingAt : CompletesAt;

    public bool IsComplete(DateTimeOffset now) => now >= CompletesAt;
}
