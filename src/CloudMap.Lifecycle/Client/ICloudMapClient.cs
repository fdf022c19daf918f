// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// The slice of the AWS Cloud Map API the registration lifecycle uses, and nothing more. Each method is one API
/// operation; a listing follows every page (one API call per page). The discovery and listing calls that only tests,
/// scenarios and later features need are on <see cref="ICloudMapDiscoveryClient"/>.
/// </summary>
/// <remarks>
/// <para>
/// Every method throws <see cref="CloudMapException"/> for an error answered by Cloud Map (after retries of
/// the retryable ones), <see cref="OperationCanceledException"/> when <c>cancellationToken</c> fires, and
/// never anything else for a bad network answer (malformed JSON becomes a <see cref="CloudMapException"/>
/// with code <see cref="CloudMapErrorCodes.MalformedResponse"/>).
/// </para>
/// <para>
/// The implementation here is <see cref="HttpCloudMapClient"/> (AWS JSON 1.1 over HttpClient); it sends every
/// request through <see cref="CloudMapCallPipeline"/>, which owns retries, spans and metrics, so another transport
/// (an adapter over the official SDK) gets the same by doing the same. Unit tests substitute in-memory fakes.
/// </para>
/// </remarks>
internal interface ICloudMapClient
{
    /// <summary>RegisterInstance: creates or updates an instance. Returns the operation id.</summary>
    Task<string> RegisterInstanceAsync(CloudMapInstanceRegistration request, CancellationToken cancellationToken);

    /// <summary>DeregisterInstance. Returns the operation id.</summary>
    Task<string> DeregisterInstanceAsync(string serviceId, string instanceId, CancellationToken cancellationToken);

    /// <summary>UpdateInstanceCustomHealthStatus.</summary>
    Task UpdateInstanceCustomHealthStatusAsync(string serviceId, string instanceId, CloudMapHealthStatus status, CancellationToken cancellationToken);

    /// <summary>GetOperation.</summary>
    Task<CloudMapOperation> GetOperationAsync(string operationId, CancellationToken cancellationToken);

    /// <summary>GetService, by service id or ARN.</summary>
    Task<CloudMapService> GetServiceAsync(string serviceIdOrArn, CancellationToken cancellationToken);

    /// <summary>GetInstance.</summary>
    Task<CloudMapInstance> GetInstanceAsync(string serviceId, string instanceId, CancellationToken cancellationToken);

    /// <summary>ListNamespaces, all pages (empty pages that still carry a NextToken are followed).</summary>
    Task<IReadOnlyList<CloudMapNamespaceSummary>> ListNamespacesAsync(CancellationToken cancellationToken);

    /// <summary>ListServices, all pages, optionally filtered by namespace id (server-side NAMESPACE_ID filter).</summary>
    Task<IReadOnlyList<CloudMapServiceSummary>> ListServicesAsync(string? namespaceId, CancellationToken cancellationToken);

    /// <summary>
    /// Gets a value indicating whether a call to this client's endpoint has been throttled in this process: the account's
    /// rate limit is near, and a call that cannot earn anything yet is better not sent (see <c>WaitForOperationAsync</c>).
    /// </summary>
    bool HasBeenThrottled { get; }

    /// <summary>Whether a call to this client's endpoint was throttled in this process less than <paramref name="window"/> ago.</summary>
    bool ThrottledWithin(TimeSpan window);
}

/// <summary>The kind of health checking a Cloud Map service has.</summary>
internal enum ServiceHealthCheckKind
{
    /// <summary>Neither HealthCheckConfig nor HealthCheckCustomConfig (e.g. services created by ECS Service Connect).</summary>
    None,

    /// <summary>HealthCheckCustomConfig: the instance pushes its own status.</summary>
    Custom,

    /// <summary>HealthCheckConfig: Route 53 checks the instance.</summary>
    Route53,
}

/// <summary>RegisterInstance parameters.</summary>
internal sealed record CloudMapInstanceRegistration(
    string ServiceId,
    string InstanceId,
    IReadOnlyDictionary<string, string> Attributes,
    string? CreatorRequestId = null);

/// <summary>An instance as returned by GetInstance / ListInstances.</summary>
internal sealed record CloudMapInstance(string Id, IReadOnlyDictionary<string, string> Attributes, string? CreatorRequestId = null);

/// <summary>
/// A service as returned by GetService; <paramref name="NamespaceHttpName"/> is the <c>HttpName</c> of its namespace when
/// the service was found by name (ListNamespaces has it), so the data plane can be addressed without another lookup.
/// </summary>
internal sealed record CloudMapService(
    string Id,
    string? Arn,
    string Name,
    string? NamespaceId,
    string? Type,
    ServiceHealthCheckKind HealthCheckKind,
    int? InstanceCount = null,
    IReadOnlyList<CloudMapDnsRecord>? DnsRecords = null,
    string? NamespaceHttpName = null);

/// <summary>One entry of a service's <c>DnsConfig.DnsRecords</c>: the record type (A, AAAA, SRV, CNAME) and its TTL in seconds.</summary>
internal sealed record CloudMapDnsRecord(string Type, long Ttl);

/// <summary>A namespace summary from ListNamespaces.</summary>
internal sealed record CloudMapNamespaceSummary(string Id, string? Arn, string Name, string? Type, string? HttpName);

/// <summary>A service summary from ListServices.</summary>
internal sealed record CloudMapServiceSummary(string Id, string? Arn, string Name, string? NamespaceId);

/// <summary>Operation status values.</summary>
internal enum CloudMapOperationStatus
{
    /// <summary>SUBMITTED.</summary>
    Submitted,

    /// <summary>PENDING.</summary>
    Pending,

    /// <summary>SUCCESS.</summary>
    Success,

    /// <summary>FAIL.</summary>
    Fail,
}

/// <summary>An operation as returned by GetOperation.</summary>
internal sealed record CloudMapOperation(
    string Id,
    string? Type,
    CloudMapOperationStatus Status,
    string? ErrorCode,
    string? ErrorMessage,
    DateTimeOffset? CreateDate,
    DateTimeOffset? UpdateDate,
    IReadOnlyDictionary<string, string> Targets);
