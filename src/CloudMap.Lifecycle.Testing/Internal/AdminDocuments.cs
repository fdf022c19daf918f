// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Testing.Internal;

// The documents of the admin API under /_emulator/ (written camelCase and indented by EmulatorJson.Admin; the
// dashboard reads /state). Times are ISO 8601 strings on the emulator's clock.

/// <summary><c>GET /_emulator/state</c>.</summary>
internal sealed record StateDocument(
    string Region,
    string Now,
    SettingsDocument Settings,
    IReadOnlyList<NamespaceDocument> Namespaces,
    IReadOnlyList<OperationDocument> Operations,
    IReadOnlyList<DeregistrationDocument> Deregistrations);

/// <summary>The settings part of the state, and the answer of <c>POST /_emulator/settings</c>.</summary>
internal sealed record SettingsDocument(
    double HealthChangeDelaySeconds,
    double OperationSubmittedSeconds,
    double OperationPendingSeconds,
    double PropagationDelaySeconds);

internal sealed record NamespaceDocument(string Id, string Name, string HttpName, string Type, IReadOnlyList<ServiceDocument> Services);

internal sealed record ServiceDocument(
    string Id,
    string Arn,
    string Name,
    string HealthCheck,
    long Revision,
    IReadOnlyList<InstanceDocument> Instances,
    string? RoutingPolicy,
    IReadOnlyList<DnsRecordDocument> DnsRecords,
    Route53HealthCheckConfig? Route53HealthCheck);

/// <summary>
/// One DNS record the emulator's DNS server serves now (routable: healthy or UNKNOWN). <c>InAnswer</c>: a query of its
/// name and type now draws its answer from this record and the others so marked (the routable ones, or all of them
/// when none is: fail-open); MULTIVALUE answers up to 8 of them, WEIGHTED one.
/// </summary>
internal sealed record DnsRecordDocument(string Name, string Type, long Ttl, string Value, bool Routable, bool InAnswer);

internal sealed record InstanceDocument(
    string Id,
    string? Address,
    string? Port,
    IReadOnlyDictionary<string, string> Attributes,
    string Health,
    string? PendingHealth,
    string? PendingHealthAt,
    string RegisteredAt,
    bool Visible,
    bool ProofOfLife);

/// <summary>
/// A successful DeregisterInstance, newest first in the state. Cloud Map does not record who called it (every caller
/// may use the same credentials), so neither does this: what it records is what a person watching crash cleanup needs,
/// the health the instance still had (HEALTHY or UNKNOWN: it was still routable) and whether it advertised proof of life.
/// </summary>
internal sealed record DeregistrationDocument(
    string Time,
    string ServiceId,
    string ServiceName,
    string InstanceId,
    string? Address,
    string? Port,
    string Health,
    bool Routable,
    bool ProofOfLife,
    string RegisteredAt);

internal sealed record OperationDocument(
    string Id,
    string Type,
    string Status,
    IReadOnlyDictionary<string, string> Targets,
    string? ErrorCode,
    string CreateDate,
    string UpdateDate);

/// <summary><c>GET /_emulator/calls</c>.</summary>
internal sealed record CallsDocument(long Total, IReadOnlyDictionary<string, CallCountsDocument> Operations);

internal sealed record CallCountsDocument(long Calls, long Throttled, long Errors);

/// <summary><c>GET /_emulator/requests</c>.</summary>
internal sealed record RequestLogDocument(IReadOnlyList<RequestDocument> Requests);

// StatusCode, as EmulatedRequest.StatusCode calls it: one name in the code API and the admin API.
internal sealed record RequestDocument(string Time, string Operation, int StatusCode, string? ErrorCode, double LatencyMs, bool Injected);

/// <summary><c>GET|POST|DELETE /_emulator/faults</c>.</summary>
internal sealed record FaultsDocument(IReadOnlyList<FaultRuleDocument> Rules, IReadOnlyList<ScriptedFaultDocument> Scripted);

internal sealed record FaultRuleDocument(string Type, string? Operation, double Rate, int Burst, int StatusCode, double LatencyMs, string? ErrorCode);

// Remaining is a string on the wire (as it always was); the dashboard does not read it.
internal sealed record ScriptedFaultDocument(string Operation, string Kind, string? Code, string Remaining);

/// <summary><c>POST /_emulator/reset</c>.</summary>
internal sealed record ResetDocument(bool Reset);

/// <summary>An admin API error (and the answer for a path nobody serves).</summary>
internal sealed record AdminErrorDocument(string Error);
