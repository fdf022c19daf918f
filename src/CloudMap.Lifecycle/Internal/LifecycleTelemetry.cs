// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// The lifecycle's own instruments: they measure the lifecycle (how long registering and deregistering take, which
/// phase each registration is in, how often health is pushed), never single API calls, which the Cloud Map client
/// counts and traces.
/// </summary>
/// <remarks>
/// The Meter comes from <see cref="IMeterFactory"/> under <see cref="CloudMapTelemetry.Name"/>. The factory caches
/// meters by name, so the lifecycle and the client share one Meter instance; the factory owns (and disposes) it.
/// </remarks>
internal sealed class LifecycleTelemetry
{
    public const string RegistrationDurationInstrument = "cloudmap.lifecycle.registration.duration";
    public const string DeregistrationDurationInstrument = "cloudmap.lifecycle.deregistration.duration";
    public const string PhaseInstrument = "cloudmap.lifecycle.phase";
    public const string HealthPushesInstrument = "cloudmap.lifecycle.health.pushes";
    public const string CleanupRemovalsInstrument = "cloudmap.lifecycle.cleanup.removals";
    public const string CleanupProbesInstrument = "cloudmap.lifecycle.cleanup.probes";
    public const string CleanupHeldInstrument = "cloudmap.lifecycle.cleanup.held";

    /// <summary>The step name of the cleanup sweep's span: <c>CloudMap.Lifecycle CleanupSweep</c>.</summary>
    public const string SweepStep = "CleanupSweep";
    public const string SweepPeersWatchedTag = "cloudmap.cleanup.peers.watched";
    public const string SweepProbesTag = "cloudmap.cleanup.probes";
    public const string SweepConfirmationProbesTag = "cloudmap.cleanup.probes.confirmation";
    public const string SweepAliveTag = "cloudmap.cleanup.outcome.alive";
    public const string SweepRefusedTag = "cloudmap.cleanup.outcome.refused";
    public const string SweepForeignTag = "cloudmap.cleanup.outcome.foreign";
    public const string SweepUnknownTag = "cloudmap.cleanup.outcome.unknown";
    public const string SweepRemovableTag = "cloudmap.cleanup.removable";
    public const string SweepRemovalsTag = "cloudmap.cleanup.removals";
    public const string SweepHeldTag = "cloudmap.cleanup.held";
    public const string SweepSkippedTag = "cloudmap.cleanup.skipped";

    public LifecycleTelemetry(IMeterFactory meterFactory, CloudMapRegistrationStateProvider states)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(states);
        Meter = meterFactory.Create(CloudMapTelemetry.Name);
        RegistrationDuration = Meter.CreateHistogram<double>(
            RegistrationDurationInstrument,
            unit: "s",
            description: "Time from the readiness checks passing to the first registration operation succeeding.");
        DeregistrationDuration = Meter.CreateHistogram<double>(
            DeregistrationDurationInstrument,
            unit: "s",
            description: "Time from the host beginning to stop to the deregistration finishing (drain delay excluded).");
        HealthPushes = Meter.CreateCounter<long>(
            HealthPushesInstrument,
            unit: "{push}",
            description: "Custom health statuses pushed to Cloud Map and accepted (changes and re-assertions), by status.");
        Meter.CreateObservableGauge(
            PhaseInstrument,
            () => states.States.Select(s => new Measurement<int>(
                (int)s.Phase,
                new KeyValuePair<string, object?>(TelemetryTags.Registration, s.Name),
                new KeyValuePair<string, object?>(TelemetryTags.Phase, s.Phase.ToString()))),
            unit: "{phase}",
            description: "The current phase of each registration (the value is the CloudMapRegistrationPhase number; the phase tag names it).");
        CleanupRemovals = Meter.CreateCounter<long>(
            CleanupRemovalsInstrument,
            unit: "{instance}",
            description: "Registrations of dead peers removed by crash cleanup (DeregisterInstance accepted after the evidence and the re-check).");
        CleanupProbes = Meter.CreateCounter<long>(
            CleanupProbesInstrument,
            unit: "{probe}",
            description: "Proof-of-life probes of watched peers sent by crash cleanup, by outcome (alive, refused, foreign, unknown).");
        Meter.CreateObservableGauge(
            CleanupHeldInstrument,
            () => states.States.Select(s => new Measurement<int>(
                s.GetSnapshot().IsCleanupHeld ? 1 : 0,
                new KeyValuePair<string, object?>(TelemetryTags.Registration, s.Name))),
            unit: "{hold}",
            description: "1 while crash cleanup of a registration removes nothing because more than half of its watched peers look dead at once (self-preservation); otherwise 0.");
    }

    /// <summary>Gets the Meter named <see cref="CloudMapTelemetry.Name"/> (shared with the client through the factory).</summary>
    public Meter Meter { get; }

    public Histogram<double> RegistrationDuration { get; }

    public Histogram<double> DeregistrationDuration { get; }

    public Counter<long> HealthPushes { get; }

    public Counter<long> CleanupRemovals { get; }

    public Counter<long> CleanupProbes { get; }
}
