// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>UpdateInstanceCustomHealthStatus request.</summary>
internal sealed record CustomHealthInput(string ServiceId, string InstanceId, string Status)
{
    public static CustomHealthInput Read(JsonObject body) => new(
        AwsInput.String(body, "ServiceId", required: true, max: 255)!,
        AwsInput.String(body, "InstanceId", required: true, max: CloudMapRules.MaxInstanceIdLength)!,
        AwsInput.String(body, "Status", required: true, allowed: CloudMapRules.CustomStatusValues)!);
}

/// <summary>GetInstancesHealthStatus request: named instances, or a page of all of them.</summary>
internal sealed record HealthStatusInput(string ServiceId, List<string>? Instances, PageRequest Page)
{
    public static HealthStatusInput Read(JsonObject body)
    {
        var serviceId = AwsInput.String(body, "ServiceId", required: true, max: 255)!;
        var ids = AwsInput.List(body, "Instances") is { } array ? AwsInput.StringList(array, "Instances") : null;
        if (ids is { Count: 0 })
        {
            throw AwsErrorException.Validation("Instances", "[]", "Member must have length greater than or equal to 1");
        }

        return new HealthStatusInput(serviceId, ids, PageRequest.Read(body));
    }
}

internal sealed record HealthStatusResponse(IReadOnlyDictionary<string, string> Status, string? NextToken);

/// <summary>
/// Health. Cloud Map applies a pushed custom status only after a delay; the record keeps the status in effect and the
/// pending one with its start, and <see cref="InstanceRecord.HealthAt"/> computes what is in effect at any instant.
/// Reads never write it back; writers (a push, a change of the delay) settle a matured change first.
/// </summary>
internal sealed partial class EmulatorState
{
    public void SetHealth(string serviceId, string instanceId, string status)
    {
        lock (_lock)
        {
            var service = _services.GetValueOrDefault(serviceId) ?? throw new ArgumentException($"No service '{serviceId}'.", nameof(serviceId));
            var instance = service.Instances.GetValueOrDefault(instanceId) ?? throw new ArgumentException($"No instance '{instanceId}'.", nameof(instanceId));
            if (service.HealthCheck == EmulatedHealthCheck.None)
            {
                throw new InvalidOperationException($"Service '{serviceId}' has no health check; its instances are always UNKNOWN.");
            }

            instance.Health = status;
            instance.PendingHealth = null;
            instance.Route53Reported = true;
            instance.Route53Streak = 0;
        }
    }

    /// <summary>
    /// The health in effect: a Route 53 check that has no probe result yet is <c>UNKNOWN</c> (routable) while the
    /// emulator probes; otherwise the stored status after the custom-health delay.
    /// </summary>
    private HealthView HealthOf(ServiceRecord service, InstanceRecord instance, DateTimeOffset now) =>
        _probeRoute53 && service.HealthCheck == EmulatedHealthCheck.Route53 && !instance.Route53Reported
            ? new HealthView(HealthStatuses.Unknown, null, null)
            : instance.HealthAt(service.HealthCheck, now, _healthChangeDelay);

    /// <summary>A change that took effect under the old delay stays in effect; one still pending waits for the new delay.</summary>
    private void SetHealthChangeDelayLocked(TimeSpan delay)
    {
        var now = _time.GetUtcNow();
        foreach (var instance in _services.Values.SelectMany(s => s.Instances.Values))
        {
            instance.Settle(now, _healthChangeDelay);
        }

        _healthChangeDelay = delay;
    }

    private EmptyResponse UpdateInstanceCustomHealthStatus(CustomHealthInput input)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var service = ServiceById(input.ServiceId);
            var instance = VisibleInstance(service, input.InstanceId, now);
            if (service.HealthCheck != EmulatedHealthCheck.Custom)
            {
                throw new AwsErrorException(CloudMapRules.ErrorCodes.CustomHealthNotFound, $"The service '{service.Id}' does not have a custom health check configured.");
            }

            instance.Settle(now, _healthChangeDelay);
            if (input.Status == instance.Health)
            {
                // Flipping back inside the window cancels the change.
                instance.PendingHealth = null;
            }
            else if (instance.PendingHealth != input.Status)
            {
                // The first request starts the clock; repeating the same value does not restart or speed it up.
                instance.PendingHealth = input.Status;
                instance.PendingSince = now;
            }

            return EmptyResponse.Instance;
        }
    }

    private HealthStatusResponse GetInstancesHealthStatus(HealthStatusInput input)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var service = ServiceById(input.ServiceId);
            var status = new Dictionary<string, string>(StringComparer.Ordinal);
            if (input.Instances is { } ids)
            {
                foreach (var id in ids)
                {
                    status[id] = HealthOf(service, VisibleInstance(service, id, now), now).Status;
                }

                return new HealthStatusResponse(status, null);
            }

            var all = VisibleInstances(service, now);
            foreach (var instance in input.Page.Of(all))
            {
                status[instance.Id] = HealthOf(service, instance, now).Status;
            }

            return new HealthStatusResponse(status, input.Page.NextToken(all.Count));
        }
    }
}
