// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudMap.Lifecycle.Client;

// The AWS JSON 1.1 shapes of the operations we call. Property names are the model's member names
// (PascalCase), so no naming policy is applied. Response members are nullable: a missing required member
// is reported as a malformed response by HttpCloudMapClient, never a NullReferenceException.

internal sealed record RegisterInstanceWireRequest(string ServiceId, string InstanceId, IReadOnlyDictionary<string, string> Attributes, string? CreatorRequestId);

internal sealed record InstanceKeyWireRequest(string ServiceId, string InstanceId);

internal sealed record UpdateHealthWireRequest(string ServiceId, string InstanceId, string Status);

internal sealed record OperationIdWireRequest(string OperationId);

internal sealed record IdWireRequest(string Id);

internal sealed record ListInstancesWireRequest(string ServiceId, string? NextToken);

internal sealed record GetInstancesHealthStatusWireRequest(string ServiceId, IReadOnlyList<string>? Instances, string? NextToken);

internal sealed record ListNamespacesWireRequest(string? NextToken);

internal sealed record ListServicesWireRequest(string? NextToken, IReadOnlyList<ServiceFilterWire>? Filters);

internal sealed record ServiceFilterWire(string Name, IReadOnlyList<string> Values, string Condition);

internal sealed record DiscoverInstancesWireRequest(
    string NamespaceName,
    string ServiceName,
    string? HealthStatus,
    int? MaxResults,
    IReadOnlyDictionary<string, string>? QueryParameters,
    IReadOnlyDictionary<string, string>? OptionalParameters);

internal sealed record NamespaceServiceWireRequest(string NamespaceName, string ServiceName);

internal sealed class OperationIdWireResponse
{
    public string? OperationId { get; set; }
}

internal sealed class GetOperationWireResponse
{
    public OperationWire? Operation { get; set; }
}

internal sealed class OperationWire
{
    public string? Id { get; set; }

    public string? Type { get; set; }

    public string? Status { get; set; }

    public string? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }

    public double? CreateDate { get; set; }

    public double? UpdateDate { get; set; }

    public Dictionary<string, string>? Targets { get; set; }
}

internal sealed class GetServiceWireResponse
{
    public ServiceWire? Service { get; set; }
}

internal sealed class ServiceWire
{
    public string? Id { get; set; }

    public string? Arn { get; set; }

    public string? Name { get; set; }

    public string? NamespaceId { get; set; }

    public string? Type { get; set; }

    public JsonElement? HealthCheckConfig { get; set; }

    public JsonElement? HealthCheckCustomConfig { get; set; }

    public int? InstanceCount { get; set; }

    public DnsConfigWire? DnsConfig { get; set; }
}

internal sealed class DnsConfigWire
{
    public List<DnsRecordWire?>? DnsRecords { get; set; }
}

internal sealed class DnsRecordWire
{
    public string? Type { get; set; }

    public long? TTL { get; set; }
}

internal sealed class GetInstanceWireResponse
{
    public InstanceWire? Instance { get; set; }
}

internal sealed class InstanceWire
{
    public string? Id { get; set; }

    public Dictionary<string, string>? Attributes { get; set; }

    public string? CreatorRequestId { get; set; }
}

internal sealed class ListInstancesWireResponse
{
    public List<InstanceWire>? Instances { get; set; }

    public string? NextToken { get; set; }
}

internal sealed class GetInstancesHealthStatusWireResponse
{
    public Dictionary<string, string>? Status { get; set; }

    public string? NextToken { get; set; }
}

internal sealed class ListNamespacesWireResponse
{
    public List<NamespaceSummaryWire>? Namespaces { get; set; }

    public string? NextToken { get; set; }
}

internal sealed class NamespaceSummaryWire
{
    public string? Id { get; set; }

    public string? Arn { get; set; }

    public string? Name { get; set; }

    public string? Type { get; set; }

    public NamespacePropertiesWire? Properties { get; set; }
}

internal sealed class NamespacePropertiesWire
{
    public HttpPropertiesWire? HttpProperties { get; set; }
}

internal sealed class HttpPropertiesWire
{
    public string? HttpName { get; set; }
}

internal sealed class ListServicesWireResponse
{
    public List<ServiceSummaryWire>? Services { get; set; }

    public string? NextToken { get; set; }
}

internal sealed class ServiceSummaryWire
{
    public string? Id { get; set; }

    public string? Arn { get; set; }

    public string? Name { get; set; }

    public string? NamespaceId { get; set; }
}

internal sealed class DiscoverInstancesWireResponse
{
    public List<HttpInstanceSummaryWire>? Instances { get; set; }

    public long? InstancesRevision { get; set; }
}

internal sealed class HttpInstanceSummaryWire
{
    public string? InstanceId { get; set; }

    public string? NamespaceName { get; set; }

    public string? ServiceName { get; set; }

    public string? HealthStatus { get; set; }

    public Dictionary<string, string>? Attributes { get; set; }
}

internal sealed class DiscoverInstancesRevisionWireResponse
{
    public long? InstancesRevision { get; set; }
}

internal sealed class EmptyWireResponse
{
}

/// <summary>Source-generated serialization for the Cloud Map wire shapes (trimming and AOT friendly).</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(RegisterInstanceWireRequest))]
[JsonSerializable(typeof(InstanceKeyWireRequest))]
[JsonSerializable(typeof(UpdateHealthWireRequest))]
[JsonSerializable(typeof(OperationIdWireRequest))]
[JsonSerializable(typeof(IdWireRequest))]
[JsonSerializable(typeof(ListInstancesWireRequest))]
[JsonSerializable(typeof(GetInstancesHealthStatusWireRequest))]
[JsonSerializable(typeof(ListNamespacesWireRequest))]
[JsonSerializable(typeof(ListServicesWireRequest))]
[JsonSerializable(typeof(DiscoverInstancesWireRequest))]
[JsonSerializable(typeof(NamespaceServiceWireRequest))]
[JsonSerializable(typeof(OperationIdWireResponse))]
[JsonSerializable(typeof(GetOperationWireResponse))]
[JsonSerializable(typeof(GetServiceWireResponse))]
[JsonSerializable(typeof(GetInstanceWireResponse))]
[JsonSerializable(typeof(ListInstancesWireResponse))]
[JsonSerializable(typeof(GetInstancesHealthStatusWireResponse))]
[JsonSerializable(typeof(ListNamespacesWireResponse))]
[JsonSerializable(typeof(ListServicesWireResponse))]
[JsonSerializable(typeof(DiscoverInstancesWireResponse))]
[JsonSerializable(typeof(DiscoverInstancesRevisionWireResponse))]
[JsonSerializable(typeof(EmptyWireResponse))]
internal sealed partial class CloudMapJsonContext : JsonSerializerContext
{
}
