// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>Reads for tests and people: the code API's snapshots and the admin state document (read-only, as every read).</summary>
internal sealed partial class EmulatorState
{
    public List<EmulatedInstance> Snapshot(string serviceId)
    {
        lock (_lock)
        {
            var service = _services.GetValueOrDefault(serviceId) ?? throw new ArgumentException($"No service '{serviceId}'.", nameof(serviceId));
            var now = _time.GetUtcNow();
            return [.. service.Instances.Values.OrderBy(i => i.Id, StringComparer.Ordinal).Select(i => ToSnapshot(service, i, now))];
        }
    }

    public EmulatedHealthCheck? HealthCheckOf(string serviceId) =>
        Locked(() => _services.TryGetValue(serviceId, out var s) ? s.HealthCheck : (EmulatedHealthCheck?)null);

    public SettingsDocument Settings() => Locked(SettingsLocked);

    /// <summary>The state document of <c>GET /_emulator/state</c> and the dashboard.</summary>
    public StateDocument ToStateDocument(int recentOperations)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var namespaces = _namespaces.Values
                .OrderBy(n => n.CreateDate).ThenBy(n => n.Id, StringComparer.Ordinal)
                .Select(ns => new NamespaceDocument(
                    ns.Id,
                    ns.Name,
                    ns.HttpName,
                    ns.Type,
                    [.. ServicesIn(ns).OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => ServiceDocument(s, now))]))
                .ToList();
            var operations = new List<OperationDocument>();
            for (var i = _operationOrder.Count - 1; i >= 0 && operations.Count < recentOperations; i--)
            {
                var op = _operationOrder[i];
                operations.Add(new OperationDocument(
                    op.Id,
                    op.Type,
                    op.Status(now),
                    op.Targets,
                    op.IsComplete(now) ? op.FailCode : null,
                    Iso(op.CreateDate),
                    Iso(op.UpdateDate(now))));
            }

            return new StateDocument(Region, Iso(now), SettingsLocked(), namespaces, operations, [.. Enumerable.Reverse(_deregistrations)]);
        }
    }

    private static string Iso(DateTimeOffset time) => time.ToString("O", CultureInfo.InvariantCulture);

    private SettingsDocument SettingsLocked() => new(
        _healthChangeDelay.TotalSeconds,
        _submitted.TotalSeconds,
        _pending.TotalSeconds,
        _propagation.TotalSeconds);

    private ServiceDocument ServiceDocument(ServiceRecord service, DateTimeOffset now) => new(
        service.Id,
        service.Arn,
        service.Name,
        service.HealthCheck.ToString().ToLowerInvariant(),
        service.Revision,
        [.. service.Instances.Values.OrderBy(i => i.Id, StringComparer.Ordinal).Select(instance =>
        {
            var health = HealthOf(service, instance, now);
            var attributes = instance.Attributes;
            return new InstanceDocument(
                instance.Id,
                attributes.GetValueOrDefault(CloudMapRules.InstanceIpv4) ?? attributes.GetValueOrDefault(CloudMapRules.InstanceIpv6),
                attributes.GetValueOrDefault(CloudMapRules.InstancePort),
                attributes,
                health.Status,
                health.Pending,
                health.PendingEffectiveAt is { } at ? Iso(at) : null,
                Iso(instance.RegisteredAt),
                instance.IsVisible(now),
                attributes.ContainsKey(CloudMapRules.ProofOfLifeAttribute));
        })],
        service.DnsConfig?.RoutingPolicy,
        DnsRecordsOf(service, now),
        service.HealthCheckConfig);

    private EmulatedInstance ToSnapshot(ServiceRecord service, InstanceRecord instance, DateTimeOffset now)
    {
        var health = HealthOf(service, instance, now);
        return new EmulatedInstance(
            service.Id,
            instance.Id,
            new Dictionary<string, string>(instance.Attributes, StringComparer.Ordinal),
            instance.CreatorRequestId,
            health.Status,
            health.Pending,
            health.PendingEffectiveAt,
            instance.RegisteredAt,
            instance.IsVisible(now));
    }
}
