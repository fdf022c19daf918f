// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>One Route 53 health check to probe: an instance's registered address and port, as read at one instant.</summary>
internal sealed record Route53Target(string ServiceId, string InstanceId, DateTimeOffset RegisteredAt, Route53HealthCheckConfig Config, IPEndPoint Endpoint);

/// <summary>
/// Route 53 health checks (when the emulator probes them): the targets of a round and the state machine its results
/// drive. A new check reports <c>UNKNOWN</c> until its first result; Route 53 starts a check healthy, so from then on
/// it is <c>HEALTHY</c> until <c>FailureThreshold</c> consecutive failures make it <c>UNHEALTHY</c>, and as many
/// consecutive successes make it <c>HEALTHY</c> again.
/// </summary>
internal sealed partial class EmulatorState
{
    public List<Route53Target> Route53Targets()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var targets = new List<Route53Target>();
            foreach (var service in _services.Values.Where(s => s.HealthCheck == EmulatedHealthCheck.Route53 && s.HealthCheckConfig is not null))
            {
                foreach (var instance in service.Instances.Values.Where(i => i.IsVisible(now)))
                {
                    var attributes = instance.Attributes;
                    var address = attributes.GetValueOrDefault(CloudMapRules.InstanceIpv4) ?? attributes.GetValueOrDefault(CloudMapRules.InstanceIpv6);
                    if (address is not null && IPAddress.TryParse(address, out var ip) &&
                        int.TryParse(attributes.GetValueOrDefault(CloudMapRules.InstancePort), NumberStyles.None, CultureInfo.InvariantCulture, out var port) &&
                        port is > 0 and <= IPEndPoint.MaxPort)
                    {
                        targets.Add(new Route53Target(service.Id, instance.Id, instance.RegisteredAt, service.HealthCheckConfig!, new IPEndPoint(ip, port)));
                    }
                }
            }

            return targets;
        }
    }

    /// <summary>Applies one probe result, unless the instance was registered again (its check recreated) meanwhile.</summary>
    public void RecordRoute53Result(Route53Target target, bool passed)
    {
        lock (_lock)
        {
            if (!_services.TryGetValue(target.ServiceId, out var service) ||
                !service.Instances.TryGetValue(target.InstanceId, out var instance) ||
                instance.RegisteredAt != target.RegisteredAt)
            {
                return;
            }

            if (!instance.Route53Reported)
            {
                instance.Route53Reported = true;
                instance.Health = HealthStatuses.Healthy;
                instance.Route53Streak = 0;
            }

            var contrary = passed ? instance.Health == HealthStatuses.Unhealthy : instance.Health == HealthStatuses.Healthy;
            instance.Route53Streak = contrary ? instance.Route53Streak + 1 : 0;
            if (instance.Route53Streak >= Math.Max(1, target.Config.FailureThreshold))
            {
                instance.Health = passed ? HealthStatuses.Healthy : HealthStatuses.Unhealthy;
                instance.Route53Streak = 0;
            }
        }
    }
}
