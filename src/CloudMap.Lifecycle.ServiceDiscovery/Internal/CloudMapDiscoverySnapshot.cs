// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.ServiceDiscovery.Internal;

/// <summary>An instance list that Cloud Map answered, shared by every provider of the service; never mutated.</summary>
internal sealed record CloudMapDiscoverySnapshot(IReadOnlyList<CloudMapDiscoveredInstance> Instances, long? Revision)
{
    /// <summary>Whether <paramref name="instances"/> holds the same instances with the same health and attributes (order aside).</summary>
    public bool SameAs(IReadOnlyList<CloudMapDiscoveredInstance> instances)
    {
        if (instances.Count != Instances.Count)
        {
            return false;
        }

        var mine = Instances.ToDictionary(i => i.InstanceId, StringComparer.Ordinal);
        foreach (var other in instances)
        {
            if (!mine.TryGetValue(other.InstanceId, out var same)
                || !string.Equals(same.HealthStatus, other.HealthStatus, StringComparison.Ordinal)
                || same.Attributes.Count != other.Attributes.Count
                || same.Attributes.Any(a => !other.Attributes.TryGetValue(a.Key, out var v) || !string.Equals(v, a.Value, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }
}
