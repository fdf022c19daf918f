// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle;

/// <summary>
/// A read-only, thread-safe view of one Cloud Map registration, for applications and tests. Inject it for the
/// default registration, or get a named registration's state from <see cref="ICloudMapRegistrationStateProvider.GetState"/>.
/// </summary>
/// <remarks>
/// Each property reads the latest value on its own, so two properties read one after the other may come from
/// different moments (the phase may change between them). When values must agree, such as <see cref="Phase"/> and
/// <see cref="LastError"/>, read them from one <see cref="GetSnapshot"/>.
/// </remarks>
public interface ICloudMapRegistrationState
{
    /// <summary>Gets the registration name (<see cref="Microsoft.Extensions.Options.Options.DefaultName"/> for the default registration).</summary>
    string Name { get; }

    /// <summary>Gets the current phase.</summary>
    CloudMapRegistrationPhase Phase { get; }

    /// <summary>Gets the instance id once resolved; otherwise <see langword="null"/>.</summary>
    string? InstanceId { get; }

    /// <summary>Gets the id of the Cloud Map service once resolved; otherwise <see langword="null"/>.</summary>
    string? ServiceId { get; }

    /// <summary>Gets the registered address once resolved; otherwise <see langword="null"/>.</summary>
    string? Address { get; }

    /// <summary>Gets the registered port once resolved; otherwise <see langword="null"/>.</summary>
    int? Port { get; }

    /// <summary>Gets the message of the last error, or <see langword="null"/> when the last step succeeded.</summary>
    string? LastError { get; }

    /// <summary>Gets the last custom health status sent to Cloud Map (including <c>AWS_INIT_HEALTH_STATUS</c>), or <see langword="null"/> when none was.</summary>
    CloudMapHealthStatus? LastPushedStatus { get; }

    /// <summary>Gets the health the application was last judged to have after thresholds, or <see langword="null"/> before the first check.</summary>
    CloudMapHealthStatus? ObservedStatus { get; }

    /// <summary>Gets when the instance was last registered successfully (per the injected <see cref="TimeProvider"/>), or <see langword="null"/>.</summary>
    DateTimeOffset? RegisteredAt { get; }

    /// <summary>Gets every value of the state as of one moment.</summary>
    /// <returns>An immutable snapshot; a later change of the state does not change it.</returns>
    CloudMapRegistrationSnapshot GetSnapshot();
}
