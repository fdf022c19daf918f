// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle;

/// <summary>Where a Cloud Map registration is in its lifecycle.</summary>
public enum CloudMapRegistrationPhase
{
    /// <summary>The host has not started yet (nothing has been sent).</summary>
    NotStarted,

    /// <summary>Registration is switched off (<see cref="CloudMapRegistrationOptions.Enabled"/> is <see langword="false"/>); nothing is ever sent.</summary>
    Disabled,

    /// <summary>The host has started; the target service, instance id, address and port are being resolved.</summary>
    Resolving,

    /// <summary>Waiting for the readiness health checks to pass.</summary>
    WaitingForReadiness,

    /// <summary>RegisterInstance has been sent (or is about to be) and the operation has not succeeded yet.</summary>
    Registering,

    /// <summary>The instance is registered in Cloud Map.</summary>
    Registered,

    /// <summary>
    /// The instance was deregistered because it is unhealthy and the service has no custom health check
    /// (<see cref="UnmanagedHealthMode.DeregisterWhileUnhealthy"/>); it is registered again once healthy.
    /// </summary>
    DeregisteredWhileUnhealthy,

    /// <summary>The host is stopping and the instance is being deregistered.</summary>
    Deregistering,

    /// <summary>The host is stopping and the registration is gone (or was never made, or belongs to another owner).</summary>
    Stopped,

    /// <summary>The last step failed (see <see cref="ICloudMapRegistrationState.LastError"/>); the library keeps retrying unless the application stops.</summary>
    Failed,
}
