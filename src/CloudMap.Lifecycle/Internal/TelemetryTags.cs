// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal;

/// <summary>Tag (attribute) names used on the lifecycle's metrics and spans.</summary>
internal static class TelemetryTags
{
    /// <summary>The registration name (empty for the default registration).</summary>
    public const string Registration = "cloudmap.registration.name";

    /// <summary>The <see cref="CloudMapRegistrationPhase"/> name, on the phase gauge.</summary>
    public const string Phase = "cloudmap.registration.phase";

    /// <summary>The pushed custom health status: <see cref="HealthStatusHealthy"/> or <see cref="HealthStatusUnhealthy"/>.</summary>
    public const string HealthStatus = "cloudmap.health.status";

    public const string ServiceId = "cloudmap.service.id";
    public const string InstanceId = "cloudmap.instance.id";

    /// <summary>Semantic convention <c>error.type</c>: the Cloud Map error code, or <c>timeout</c>.</summary>
    public const string ErrorType = "error.type";

    public const string HealthStatusHealthy = "healthy";
    public const string HealthStatusUnhealthy = "unhealthy";

    /// <summary>What a crash-cleanup probe found: <c>alive</c>, <c>refused</c>, <c>foreign</c> or <c>unknown</c>.</summary>
    public const string ProbeOutcome = "cloudmap.cleanup.probe.outcome";

    /// <summary>The <see cref="ProbeOutcome"/> value of <paramref name="outcome"/>.</summary>
    public static string ProbeOutcomeName(Cleanup.PeerProbeOutcome outcome) => outcome switch
    {
        Cleanup.PeerProbeOutcome.Alive => "alive",
        Cleanup.PeerProbeOutcome.Refused => "refused",
        Cleanup.PeerProbeOutcome.Foreign => "foreign",
        _ => "unknown",
    };
}
