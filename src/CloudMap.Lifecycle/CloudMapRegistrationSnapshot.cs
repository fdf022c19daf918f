// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle;

/// <summary>
/// One consistent reading of a Cloud Map registration's state, from
/// <see cref="ICloudMapRegistrationState.GetSnapshot"/>: every value was current at the same moment, so, for example,
/// <see cref="LastError"/> is the error of the <see cref="Phase"/> it is read with.
/// </summary>
/// <remarks>Immutable. Applications may create one for their own fakes of <see cref="ICloudMapRegistrationState"/>.</remarks>
public sealed record CloudMapRegistrationSnapshot
{
    /// <summary>Gets the phase.</summary>
    /// <value>The default value is <see cref="CloudMapRegistrationPhase.NotStarted"/>.</value>
    public CloudMapRegistrationPhase Phase { get; init; }

    /// <summary>Gets the instance id once resolved; otherwise <see langword="null"/>.</summary>
    public string? InstanceId { get; init; }

    /// <summary>Gets the id of the Cloud Map service once resolved; otherwise <see langword="null"/>.</summary>
    public string? ServiceId { get; init; }

    /// <summary>Gets the registered address once resolved; otherwise <see langword="null"/>.</summary>
    public string? Address { get; init; }

    /// <summary>Gets the registered port once resolved; otherwise <see langword="null"/>.</summary>
    public int? Port { get; init; }

    /// <summary>Gets the message of the last error, or <see langword="null"/> when the last step succeeded.</summary>
    public string? LastError { get; init; }

    /// <summary>Gets the last custom health status sent to Cloud Map (including <c>AWS_INIT_HEALTH_STATUS</c>), or <see langword="null"/> when none was.</summary>
    public CloudMapHealthStatus? LastPushedStatus { get; init; }

    /// <summary>Gets the health the application was last judged to have after thresholds, or <see langword="null"/> before the first check.</summary>
    public CloudMapHealthStatus? ObservedStatus { get; init; }

    /// <summary>
    /// Gets a value indicating whether another process registered the same instance id over this one's registration: this
    /// process then reports no health for it and will not deregister it, and registers again only if that
    /// registration disappears.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool IsSuperseded { get; init; }

    /// <summary>
    /// Gets a value indicating whether crash cleanup is holding back (self-preservation): more than half of the peers this
    /// instance watches look dead at once, so it assumes it may be the one cut off and removes nothing until fewer do.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool IsCleanupHeld { get; init; }

    /// <summary>Gets when the instance was last registered successfully (per the injected <see cref="TimeProvider"/>), or <see langword="null"/>.</summary>
    public DateTimeOffset? RegisteredAt { get; init; }
}
