// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>A <c>DnsConfig</c> as a request gives it: the namespace id is optional there.</summary>
internal sealed record DnsConfigInput(string? NamespaceId, string RoutingPolicy, IReadOnlyList<DnsRecordConfig> DnsRecords);

/// <summary>The rules for a service's DNS and health check configuration, read member by member in the model's order.</summary>
internal static partial class CloudMapRules
{
    private static readonly string[] RoutingPolicyValues = [RoutingPolicies.Multivalue, RoutingPolicies.Weighted];
    private static readonly string[] RecordTypeValues = [RecordTypes.Srv, RecordTypes.A, RecordTypes.Aaaa, RecordTypes.Cname];
    private static readonly string[] HealthCheckTypeValues = ["HTTP", "HTTPS", "TCP"];

    public static DnsConfigInput ReadDnsConfig(JsonObject dnsConfig)
    {
        var routing = AwsInput.String(dnsConfig, "RoutingPolicy", allowed: RoutingPolicyValues) ?? RoutingPolicies.Multivalue;
        var records = AwsInput.List(dnsConfig, "DnsRecords", required: true)!;
        var result = new List<DnsRecordConfig>();
        foreach (var item in records)
        {
            var record = item as JsonObject ?? throw new AwsErrorException(ErrorCodes.SerializationException, "Member 'DnsRecords' must be a list of objects.");
            var type = AwsInput.String(record, "Type", required: true, allowed: RecordTypeValues)!;
            var ttl = AwsInput.Long(record, "TTL", 0, int.MaxValue, required: true)!.Value;
            if (result.Any(r => r.Type == type))
            {
                throw AwsErrorException.InvalidInput($"DnsRecords contains the record type {type} more than once.");
            }

            result.Add(new DnsRecordConfig(type, ttl));
        }

        if (result.Count == 0)
        {
            throw AwsErrorException.InvalidInput("DnsRecords must contain at least one record.");
        }

        var hasCname = result.Any(r => r.Type == RecordTypes.Cname);
        if (hasCname && (result.Count > 1 || routing != RoutingPolicies.Weighted))
        {
            throw AwsErrorException.InvalidInput("A CNAME record must be the only record and requires the WEIGHTED routing policy.");
        }

        if (hasCname && result.Any(r => r.Type == RecordTypes.Srv))
        {
            throw AwsErrorException.InvalidInput("SRV and CNAME records cannot be combined.");
        }

        return new DnsConfigInput(AwsInput.String(dnsConfig, "NamespaceId"), routing, result);
    }

    public static Route53HealthCheckConfig ReadHealthCheckConfig(JsonObject healthCheckConfig)
    {
        var type = AwsInput.String(healthCheckConfig, "Type", required: true, allowed: HealthCheckTypeValues)!;
        var path = AwsInput.String(healthCheckConfig, "ResourcePath", max: 255);
        var threshold = AwsInput.Long(healthCheckConfig, "FailureThreshold", 1, 10) ?? 3;
        if (type == "TCP" && path is not null)
        {
            throw AwsErrorException.InvalidInput("ResourcePath is not allowed for a TCP health check.");
        }

        return new Route53HealthCheckConfig(type, type == "TCP" ? null : path ?? "/", threshold);
    }

    /// <summary>The rules that need the namespace: which configuration a service may have where.</summary>
    public static void ValidateServiceInNamespace(NamespaceRecord ns, bool hasDnsConfig, bool hasRoute53Check, string? typeOption)
    {
        if (ns.Type == NamespaceTypes.Http && hasDnsConfig)
        {
            throw AwsErrorException.InvalidInput("DnsConfig is not allowed for a service in an HTTP namespace.");
        }

        if (ns.Type == NamespaceTypes.DnsPrivate && hasRoute53Check)
        {
            throw AwsErrorException.InvalidInput("HealthCheckConfig is not allowed for a service in a private DNS namespace; use HealthCheckCustomConfig.");
        }

        if (typeOption == ServiceTypes.Http && hasDnsConfig)
        {
            throw AwsErrorException.InvalidInput("DnsConfig is not allowed for a service of type HTTP.");
        }

        if (ns.Type != NamespaceTypes.Http && !hasDnsConfig && typeOption is null)
        {
            throw AwsErrorException.InvalidInput("DnsConfig is required for a service in a DNS namespace unless Type is HTTP.");
        }
    }
}
