// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Internal;

internal static class NamespaceTypes
{
    public const string Http = "HTTP";
    public const string DnsPrivate = "DNS_PRIVATE";
    public const string DnsPublic = "DNS_PUBLIC";
}

internal static class HealthStatuses
{
    public const string Healthy = "HEALTHY";
    public const string Unhealthy = "UNHEALTHY";
    public const string Unknown = "UNKNOWN";
}

internal sealed class NamespaceRecord
{
    public required string Id { get; init; }

    public required string Arn { get; init; }

    public required string Name { get; init; }

    public required string Type { get; init; }

    public required string HttpName { get; init; }

    public string? Description { get; init; }

    public string? CreatorRequestId { get; init; }

    public string? Vpc { get; init; }

    public string? HostedZoneId { get; init; }

    public long SoaTtl { get; init; } = 15;

    public required DateTimeOffset CreateDate { get; init; }
}

internal sealed class ServiceRecord
{
    public required string Id { get; init; }

    public required string Arn { get; init; }

    public required string Name { get; init; }

    public required string NamespaceId { get; init; }

    public required string Type { get; init; }

    public string? Description { get; init; }

    public string? CreatorRequestId { get; init; }

    public JsonObject? DnsConfig { get; init; }

    public IReadOnlyList<string> RecordTypes { get; init; } = [];

    public JsonObject? HealthCheckConfig { get; init; }

    public required EmulatedHealthCheck HealthCheck { get; init; }

    public required DateTimeOffset CreateDate { get; init; }

    public Dictionary<string, InstanceRecord> Instances { get; } = new(StringComparer.Ordinal);

    public long Revision { get; set; } = 1;
}

internal sealed class InstanceRecord
{
    public required string Id { get; init; }

    public required Dictionary<string, string> Attributes { get; set; }

    public string? CreatorRequestId { get; set; }

    public DateTimeOffset RegisteredAt { get; set; }

    public DateTimeOffset VisibleAt { get; set; }

    public required string Health { get; set; }

    public string? PendingHealth { get; set; }

    public DateTimeOffset PendingSince { get; set; }
}

internal sealed class OperationRecord
{
    public required string Id { get; init; }

    public required string Type { get; init; }

    public required DateTimeOffset CreateDate { get; init; }

    public required DateTimeOffset PendingAt { get; init; }

    public required DateTimeOffset CompletesAt { get; init; }

    public string? FailCode { get; init; }

    public string? FailMessage { get; init; }

    public required Dictionary<string, string> Targets { get; init; }

    public string? CreatorRequestId { get; init; }

    public string? ServiceId { get; init; }

    public string? InstanceId { get; init; }

    public string Status(DateTimeOffset now) =>
        now < PendingAt ? "SUBMITTED" : now < CompletesAt ? "PENDING" : FailCode is null ? "SUCCESS" : "FAIL";

    public DateTimeOffset UpdateDate(DateTimeOffset now) =>
        now < PendingAt ? CreateDate : now < CompletesAt ? PendingAt : CompletesAt;

    public bool IsComplete(DateTimeOffset now) => now >= CompletesAt;
}
