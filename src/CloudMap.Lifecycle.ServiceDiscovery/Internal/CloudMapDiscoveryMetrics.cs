// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;

namespace CloudMap.Lifecycle.ServiceDiscovery.Internal;

/// <summary>
/// The provider's instruments, on the Meter <c>CloudMap.Lifecycle</c>: the age of each watched service's list and its size.
/// The calls themselves are counted once, by the Cloud Map client (<c>cloudmap.client.requests</c>).
/// </summary>
internal sealed class CloudMapDiscoveryMetrics
{
    /// <summary>The meter name, the library's.</summary>
    public const string MeterName = "CloudMap.Lifecycle";

    /// <summary>The instrument measuring the list's age.</summary>
    public const string AgeInstrument = "cloudmap.discovery.last_known_good.age";

    /// <summary>The instrument measuring the list's size.</summary>
    public const string InstancesInstrument = "cloudmap.discovery.instances";

    /// <summary>The namespace tag.</summary>
    public const string NamespaceTag = "cloudmap.namespace.name";

    /// <summary>The service tag.</summary>
    public const string ServiceTag = "cloudmap.service.name";

    public CloudMapDiscoveryMetrics(IMeterFactory meterFactory, CloudMapServiceWatchRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(registry);
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge(
            AgeInstrument,
            () => Observe(registry, w => w.LastKnownGoodAge?.TotalSeconds),
            unit: "s",
            description: "Time since Cloud Map last confirmed the instance list in use (grows while polls fail, are throttled or answer empty).");
        meter.CreateObservableGauge(
            InstancesInstrument,
            () => Observe(registry, w => w.InstanceCount is { } n ? (double)n : null),
            unit: "{instance}",
            description: "Instances in the list in use for a watched Cloud Map service.");
    }

    private static IEnumerable<Measurement<double>> Observe(CloudMapServiceWatchRegistry registry, Func<CloudMapServiceWatch, double?> value)
    {
        foreach (var watch in registry.Watches)
        {
            if (value(watch) is { } v)
            {
                yield return new Measurement<double>(
                    v,
                    new KeyValuePair<string, object?>(NamespaceTag, watch.Key.NamespaceName),
                    new KeyValuePair<string, object?>(ServiceTag, watch.Key.ServiceName));
            }
        }
    }
}
