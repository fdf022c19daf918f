// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>The rules for an instance's attributes, against the service and namespace it registers in.</summary>
internal static partial class CloudMapRules
{
    public static void ValidateAttributes(ServiceRecord service, NamespaceRecord ns, IReadOnlyDictionary<string, string> attributes)
    {
        var custom = 0;
        var chars = 0;
        foreach (var (key, value) in attributes)
        {
            if (key.Length > MaxAttributeKeyLength || !AttrKeyPattern().IsMatch(key))
            {
                throw AwsErrorException.Validation("Attributes", key, "Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ^[a-zA-Z0-9!-~]+$]");
            }

            if (value.Length > MaxAttributeValueLength || !AttrValuePattern().IsMatch(value))
            {
                throw AwsErrorException.Validation("Attributes", value, "Map value must satisfy constraint: [Member must have length less than or equal to 1024, Member must satisfy regular expression pattern: ^([a-zA-Z0-9!-~][ \\ta-zA-Z0-9!-~]*){0,1}[a-zA-Z0-9!-~]{0,1}$]");
            }

            chars += key.Length + value.Length;
            if (!ReservedKeys.Contains(key, StringComparer.Ordinal))
            {
                custom++;
            }
        }

        if (custom > MaxCustomAttributes)
        {
            throw AwsErrorException.InvalidInput($"An instance can have at most {MaxCustomAttributes} custom attributes; {custom} were given.");
        }

        if (chars > MaxAttributeChars)
        {
            throw AwsErrorException.InvalidInput($"The total size of all attribute keys and values must not exceed {MaxAttributeChars} characters; it is {chars}.");
        }

        if (attributes.TryGetValue(InitHealthStatus, out var init) && init is not (HealthStatuses.Healthy or HealthStatuses.Unhealthy))
        {
            throw AwsErrorException.InvalidInput($"{InitHealthStatus} must be HEALTHY or UNHEALTHY, not '{init}'.");
        }

        if (attributes.TryGetValue(InstanceIpv4, out var ipv4) && !(IPAddress.TryParse(ipv4, out var a4) && a4.AddressFamily == AddressFamily.InterNetwork && ipv4.Count(c => c == '.') == 3))
        {
            throw AwsErrorException.InvalidInput($"{InstanceIpv4} '{ipv4}' is not a valid IPv4 address.");
        }

        if (attributes.TryGetValue(InstanceIpv6, out var ipv6) && !(IPAddress.TryParse(ipv6, out var a6) && a6.AddressFamily == AddressFamily.InterNetworkV6))
        {
            throw AwsErrorException.InvalidInput($"{InstanceIpv6} '{ipv6}' is not a valid IPv6 address.");
        }

        if (attributes.TryGetValue(InstancePort, out var port) && !(int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535))
        {
            throw AwsErrorException.InvalidInput($"{InstancePort} '{port}' is not a valid port (1-65535).");
        }

        if (attributes.ContainsKey(Ec2InstanceId))
        {
            if (ns.Type != NamespaceTypes.Http)
            {
                throw AwsErrorException.InvalidInput($"{Ec2InstanceId} is only allowed for instances in HTTP namespaces.");
            }

            if (attributes.Keys.Any(k => k is not (Ec2InstanceId or InitHealthStatus)))
            {
                throw AwsErrorException.InvalidInput($"When {Ec2InstanceId} is specified, the only other attribute allowed is {InitHealthStatus}.");
            }

            return;
        }

        if (attributes.ContainsKey(InstanceCname) && !service.HasRecord(RecordTypes.Cname))
        {
            throw AwsErrorException.InvalidInput($"{InstanceCname} is only allowed when the service has a CNAME record.");
        }

        var alias = attributes.ContainsKey(AliasDnsName);
        if (alias)
        {
            ValidateAlias(service, attributes);
        }

        foreach (var record in service.DnsConfig?.DnsRecords ?? [])
        {
            var missing = record.Type switch
            {
                RecordTypes.A when !alias && ipv4 is null => InstanceIpv4,
                RecordTypes.Aaaa when !alias && ipv6 is null => InstanceIpv6,
                RecordTypes.Srv when port is null => InstancePort,
                RecordTypes.Srv when ipv4 is null && ipv6 is null => InstanceIpv4,
                RecordTypes.Cname when !attributes.ContainsKey(InstanceCname) => InstanceCname,
                _ => null,
            };
            if (missing is not null)
            {
                throw AwsErrorException.InvalidInput($"The service has a {record.Type} record, so the attribute {missing} is required.");
            }
        }

        if (service.HealthCheckConfig is not null && port is null)
        {
            throw AwsErrorException.InvalidInput($"The service has a Route 53 health check, so the attribute {InstancePort} is required.");
        }
    }

    /// <summary>The model's RegisterInstance documentation: an alias needs A/AAAA records, the WEIGHTED routing policy,
    /// no Route 53 health check, and no AWS_INSTANCE_* attribute beside it.</summary>
    private static void ValidateAlias(ServiceRecord service, IReadOnlyDictionary<string, string> attributes)
    {
        if (service.HealthCheckConfig is not null || !(service.HasRecord(RecordTypes.A) || service.HasRecord(RecordTypes.Aaaa)))
        {
            throw AwsErrorException.InvalidInput($"{AliasDnsName} requires a service with A or AAAA records and no Route 53 health check.");
        }

        if (service.DnsConfig?.RoutingPolicy != RoutingPolicies.Weighted)
        {
            throw AwsErrorException.InvalidInput($"{AliasDnsName} requires the WEIGHTED routing policy.");
        }

        var instanceKey = attributes.Keys.FirstOrDefault(k => k.StartsWith("AWS_INSTANCE_", StringComparison.Ordinal));
        if (instanceKey is not null)
        {
            throw AwsErrorException.InvalidInput($"When {AliasDnsName} is specified, {instanceKey} must not be.");
        }
    }
}
