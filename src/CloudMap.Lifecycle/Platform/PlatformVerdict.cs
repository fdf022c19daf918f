// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Platform;

/// <summary>What the platform's control plane (ECS, EC2) says about the task or instance a registration names.</summary>
internal enum PlatformState
{
    /// <summary>Nothing learnt: the registration names no platform resource, the call failed, or the state proves nothing (pending, stopping, stopped).</summary>
    Unknown,

    /// <summary>The task is RUNNING, or the instance is running and holds the registered address: alive whatever the probes say.</summary>
    Alive,

    /// <summary>
    /// Positive evidence that the registered process is gone: the task is STOPPED/DEPROVISIONING or unknown to ECS, the
    /// instance is shutting-down/terminated, unknown to EC2, or no longer holds the registered address.
    /// </summary>
    Dead,
}

/// <summary>One platform answer about one registration, with a loggable description (never a secret).</summary>
/// <param name="State">The verdict.</param>
/// <param name="Detail">What was seen, for logs: "ECS task 'arn…' lastStatus STOPPED (stoppedReason …)".</param>
internal readonly record struct PlatformVerdict(PlatformState State, string Detail)
{
    /// <summary>A verdict that tells nothing.</summary>
    public static PlatformVerdict Unknown(string detail) => new(PlatformState.Unknown, detail);
}
