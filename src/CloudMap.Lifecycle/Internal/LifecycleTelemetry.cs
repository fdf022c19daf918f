// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// The lifecycle's metrics and traces. Meter and ActivitySource are both named <c>CloudMap.Lifecycle</c> (the HTTP
/// client has its own instruments under the same meter name; meters with one name coexist).
/// </summary>
internal sealed class LifecycleTelemetry : IDisposable
{
    public const string Name = "CloudMap.Lifecycle";

    private readonly Meter _meter;

    public LifecycleTelemetry(IMeterFactory meterFactory, CloudMapRegistrationStateProvider states)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(states);
        _meter = meterFactory.Create(Name);
        ApiCalls = _meter.CreateCounter<long>(
            "cloudmap.lifecycle.api.calls",
            unit: "{call}",
            description: "Cloud Map API calls made by the registration lifecycle, by operation and outcome.");
        RegistrationDuration = _meter.CreateHistogram<double>(
            "cloudmap.lifecycle.registration.duration",
            unit: "s",
            description: "Time from the readiness checks passing to the registration operation succeeding.");
        DeregistrationDuration = _meter.CreateHistogram<double>(
            "cloudmap.lifecycle.deregistration.duration",
            unit: "s",
            description: "Time from the host beginning to stop to the deregistration finishing (drain delay excluded).");
        _meter.CreateObservableGauge(
            "cloudmap.lifecycle.phase",
            () => states.States.Select(s => new Measurement<int>(
                (int)s.Phase,
                new KeyValuePair<string, object?>(TelemetryTags.Registration, s.Name),
                new KeyValuePair<string, object?>(TelemetryTags.Phase, s.Phase.ToString()))),
            unit: "{phase}",
            description: "The current phase of each registration (the value is the CloudMapRegistrationPhase number; the phase tag names it).");
    }

    /// <summary>Gets the ActivitySource named <c>CloudMap.Lifecycle</c> for the lifecycle's own spans.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);

    public Counter<long> ApiCalls { get; }

    public Histogram<double> RegistrationDuration { get; }

    public Histogram<double> DeregistrationDuration { get; }

    public void Dispose() => _meter.Dispose();
}
