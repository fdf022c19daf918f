// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>The service a discovery call names: the namespace's HttpName and the service name.</summary>
internal sealed record DiscoveryTarget(string NamespaceName, string ServiceName)
{
    public static DiscoveryTarget Read(JsonObject body) => new(
        AwsInput.String(body, "NamespaceName", required: true, max: 1024, pattern: CloudMapRules.NamespaceNamePattern())!,
        AwsInput.String(body, "ServiceName", required: true, pattern: CloudMapRules.ServiceNamePattern())!);
}

/// <summary>DiscoverInstances request.</summary>
internal sealed record DiscoverInstancesInput(
    DiscoveryTarget Target,
    int MaxResults,
    IReadOnlyDictionary<string, string>? QueryParameters,
    IReadOnlyDictionary<string, string>? OptionalParameters,
    string? HealthStatus)
{
    public static DiscoverInstancesInput Read(JsonObject body)
    {
        var target = DiscoveryTarget.Read(body);
        var maxResults = (int)(AwsInput.Long(body, "MaxResults", 1, 1000) ?? 100);
        var query = AwsInput.Map(body, "QueryParameters");
        var optional = AwsInput.Map(body, "OptionalParameters");
        var filter = AwsInput.String(body, "HealthStatus", allowed: CloudMapRules.HealthFilterValues);
        _ = AwsInput.String(body, "OwnerAccount", max: 12, min: 12);
        return new DiscoverInstancesInput(target, maxResults, query, optional, filter);
    }
}

internal sealed record DiscoverInstancesResponse(IReadOnlyList<DiscoveredInstanceView> Instances, long InstancesRevision);

internal sealed record DiscoveredInstanceView(string InstanceId, string NamespaceName, string ServiceName, string HealthStatus, IReadOnlyDictionary<string, string> Attributes);

internal sealed record RevisionResponse(long InstancesRevision);

/// <summary>Discovery (the data plane): by namespace and service name, healthy first, in random order.</summary>
internal sealed partial class EmulatorState
{
    private DiscoverInstancesResponse DiscoverInstances(DiscoverInstancesInput input)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var (ns, service) = Discover(input.Target);
            var candidates = service.Instances.Values.Where(i => i.IsVisible(now) && Matches(i, input.QueryParameters)).ToList();
            if (input.OptionalParameters is { Count: > 0 } optional)
            {
                var preferred = candidates.Where(i => Matches(i, optional)).ToList();
                if (preferred.Count > 0)
                {
                    candidates = preferred;
                }
            }

            var withHealth = candidates.Select(i => (Instance: i, Health: HealthOf(service, i, now).Status)).ToList();

            // Without a health check the filter is ignored: every instance is returned, UNKNOWN.
            if (service.HealthCheck != EmulatedHealthCheck.None)
            {
                // UNKNOWN (a Route 53 check without a result yet) is routable, as in Cloud Map.
                var healthy = withHealth.Where(x => x.Health is HealthStatuses.Healthy or HealthStatuses.Unknown).ToList();
                withHealth = (input.HealthStatus ?? "HEALTHY") switch
                {
                    "HEALTHY" => healthy,
                    "UNHEALTHY" => [.. withHealth.Where(x => x.Health == HealthStatuses.Unhealthy)],
                    "HEALTHY_OR_ELSE_ALL" => healthy.Count > 0 ? healthy : withHealth,
                    _ => withHealth,
                };
            }

            _random.Shuffle(withHealth);
            return new DiscoverInstancesResponse(
                [.. withHealth.Take(input.MaxResults).Select(x => new DiscoveredInstanceView(x.Instance.Id, ns.HttpName, service.Name, x.Health, x.Instance.Attributes))],
                service.Revision);
        }
    }

    private RevisionResponse DiscoverInstancesRevision(DiscoveryTarget input) =>
        Locked(() => new RevisionResponse(Discover(input).Service.Revision));

    private static bool Matches(InstanceRecord instance, IReadOnlyDictionary<string, string>? parameters) =>
        parameters is null || parameters.All(p => instance.Attributes.TryGetValue(p.Key, out var v) && v == p.Value);

    private (NamespaceRecord Namespace, ServiceRecord Service) Discover(DiscoveryTarget target)
    {
        var ns = _namespaces.Values.FirstOrDefault(n => string.Equals(n.HttpName, target.NamespaceName, StringComparison.Ordinal))
            ?? throw new AwsErrorException(CloudMapRules.ErrorCodes.NamespaceNotFound, $"Namespace not found: '{target.NamespaceName}'.");
        var service = ServiceNamed(ns, target.ServiceName)
            ?? throw new AwsErrorException(CloudMapRules.ErrorCodes.ServiceNotFound, $"Service not found: '{target.ServiceName}' in namespace '{target.NamespaceName}'.");
        return (ns, service);
    }
}
