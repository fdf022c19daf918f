// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>RegisterInstance request.</summary>
internal sealed record RegisterInstanceInput(string ServiceId, string InstanceId, string? CreatorRequestId, IReadOnlyDictionary<string, string> Attributes)
{
    public static RegisterInstanceInput Read(JsonObject body) => new(
        AwsInput.String(body, "ServiceId", required: true, max: 255)!,
        AwsInput.String(body, "InstanceId", required: true, max: CloudMapRules.MaxInstanceIdLength, min: 1, pattern: CloudMapRules.InstanceIdPattern())!,
        AwsInput.String(body, "CreatorRequestId", max: 64),
        AwsInput.Map(body, "Attributes", required: true)!);
}

/// <summary>ListInstances request.</summary>
internal sealed record ListInstancesInput(string ServiceId, PageRequest Page)
{
    public static ListInstancesInput Read(JsonObject body) =>
        new(AwsInput.String(body, "ServiceId", required: true, max: 255)!, PageRequest.Read(body));
}

internal sealed record GetInstanceResponse(string ResourceOwner, InstanceView Instance);

internal sealed record ListInstancesResponse(string ResourceOwner, IReadOnlyList<InstanceView> Instances, string? NextToken);

/// <summary>An <c>Instance</c> (or, without <c>CreatorRequestId</c>, an <c>InstanceSummary</c>): no health here.</summary>
internal sealed record InstanceView(string Id, string? CreatorRequestId, IReadOnlyDictionary<string, string> Attributes, string CreatedByAccount);

/// <summary>Instances: the code API's put and remove, and the registration operations.</summary>
internal sealed partial class EmulatorState
{
    public void PutInstance(string serviceId, string instanceId, IReadOnlyDictionary<string, string> attributes)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var service = _services.GetValueOrDefault(serviceId) ?? throw new ArgumentException($"No service '{serviceId}'.", nameof(serviceId));
            var attrs = new Dictionary<string, string>(attributes, StringComparer.Ordinal);
            try
            {
                if (!CloudMapRules.IsValidInstanceId(instanceId))
                {
                    throw AwsErrorException.InvalidInput($"'{instanceId}' is not a valid instance id.");
                }

                CloudMapRules.ValidateAttributes(service, _namespaces[service.NamespaceId], attrs);
            }
            catch (AwsErrorException e)
            {
                throw new ArgumentException(e.Message, nameof(attributes), e);
            }

            Upsert(service, instanceId, attrs, null, now, now);
        }
    }

    public bool RemoveInstance(string serviceId, string instanceId)
    {
        lock (_lock)
        {
            if (_services.TryGetValue(serviceId, out var service) && service.Instances.TryGetValue(instanceId, out var instance))
            {
                RecordDeregistration(service, instance, _time.GetUtcNow());
                service.Instances.Remove(instanceId);
                service.Revision++;
                return true;
            }

            return false;
        }
    }

    private static void Upsert(ServiceRecord service, string instanceId, IReadOnlyDictionary<string, string> attributes, string? creatorRequestId, DateTimeOffset now, DateTimeOffset visibleAt)
    {
        var initial = service.HealthCheck switch
        {
            EmulatedHealthCheck.Custom => attributes.GetValueOrDefault(CloudMapRules.InitHealthStatus) ?? HealthStatuses.Healthy,
            EmulatedHealthCheck.Route53 => HealthStatuses.Healthy,
            _ => HealthStatuses.Unknown,
        };
        if (service.Instances.TryGetValue(instanceId, out var existing))
        {
            // "Creates or updates": attributes are replaced, and the health check is recreated from its initial status.
            existing.Attributes = attributes;
            existing.CreatorRequestId = creatorRequestId;
            existing.RegisteredAt = now;
            existing.Health = initial;
            existing.PendingHealth = null;
            existing.Route53Reported = false;
            existing.Route53Streak = 0;
            if (existing.VisibleAt > visibleAt)
            {
                existing.VisibleAt = visibleAt;
            }
        }
        else
        {
            service.Instances.Add(instanceId, new InstanceRecord
            {
                Id = instanceId,
                Attributes = attributes,
                CreatorRequestId = creatorRequestId,
                RegisteredAt = now,
                VisibleAt = visibleAt,
                Health = initial,
            });
        }

        service.Revision++;
    }

    private string RegisterInstance(RegisterInstanceInput input, string? failCode)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var service = ServiceById(input.ServiceId);
            CloudMapRules.ValidateAttributes(service, _namespaces[service.NamespaceId], input.Attributes);
            if (InFlight(service, input.InstanceId, now) is { } inFlight)
            {
                // A retry of the same request (same token) is idempotent; anything else must wait for the first one.
                if (inFlight.Type == OperationTypes.RegisterInstance && input.CreatorRequestId is not null && inFlight.CreatorRequestId == input.CreatorRequestId)
                {
                    return inFlight.Id;
                }

                throw Duplicate(inFlight, input.InstanceId);
            }

            if (!service.Instances.ContainsKey(input.InstanceId) && service.Instances.Count >= CloudMapRules.MaxInstancesPerService)
            {
                throw new AwsErrorException(CloudMapRules.ErrorCodes.ResourceLimitExceeded, $"The service '{service.Id}' already has the maximum of {CloudMapRules.MaxInstancesPerService} instances.");
            }

            var op = NewInstanceOperation(OperationTypes.RegisterInstance, service, input.InstanceId, input.CreatorRequestId, failCode, now);
            if (failCode is null)
            {
                Upsert(service, input.InstanceId, input.Attributes, input.CreatorRequestId, now, op.CompletesAt + _propagation);
            }

            return op.Id;
        }
    }

    private string DeregisterInstance(InstanceKeyInput input, string? failCode)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var service = ServiceById(input.ServiceId);
            if (InFlight(service, input.InstanceId, now) is { } inFlight)
            {
                throw Duplicate(inFlight, input.InstanceId);
            }

            _ = VisibleInstance(service, input.InstanceId, now);
            var op = NewInstanceOperation(OperationTypes.DeregisterInstance, service, input.InstanceId, null, failCode, now);
            if (failCode is null)
            {
                RecordDeregistration(service, service.Instances[input.InstanceId], now);
                service.Instances.Remove(input.InstanceId);
                service.Revision++;
            }

            return op.Id;
        }
    }

    private GetInstanceResponse GetInstance(InstanceKeyInput input)
    {
        lock (_lock)
        {
            var service = ServiceById(input.ServiceId);
            var instance = VisibleInstance(service, input.InstanceId, _time.GetUtcNow());
            return new GetInstanceResponse(AccountId, new InstanceView(instance.Id, instance.CreatorRequestId, instance.Attributes, AccountId));
        }
    }

    private ListInstancesResponse ListInstances(ListInstancesInput input)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var all = VisibleInstances(ServiceById(input.ServiceId), now);
            return new ListInstancesResponse(
                AccountId,
                [.. input.Page.Of(all).Select(i => new InstanceView(i.Id, null, i.Attributes, AccountId))],
                input.Page.NextToken(all.Count));
        }
    }

    /// <summary>The instances that have propagated, ordered by id (the order of List* answers).</summary>
    private static List<InstanceRecord> VisibleInstances(ServiceRecord service, DateTimeOffset now) =>
        [.. service.Instances.Values.Where(i => i.IsVisible(now)).OrderBy(i => i.Id, StringComparer.Ordinal)];

    /// <summary>Keeps the last <see cref="RecentDeregistrations"/> deregistrations for the state document and the dashboard.</summary>
    private void RecordDeregistration(ServiceRecord service, InstanceRecord instance, DateTimeOffset now)
    {
        var health = HealthOf(service, instance, now).Status;
        var attributes = instance.Attributes;
        _deregistrations.Add(new DeregistrationDocument(
            Iso(now),
            service.Id,
            service.Name,
            instance.Id,
            attributes.GetValueOrDefault(CloudMapRules.InstanceIpv4) ?? attributes.GetValueOrDefault(CloudMapRules.InstanceIpv6),
            attributes.GetValueOrDefault(CloudMapRules.InstancePort),
            health,
            IsRoutable(service, instance, now),
            attributes.ContainsKey(CloudMapRules.ProofOfLifeAttribute),
            Iso(instance.RegisteredAt)));
        if (_deregistrations.Count > RecentDeregistrations)
        {
            _deregistrations.RemoveAt(0);
        }
    }
}
