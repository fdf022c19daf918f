// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Client.Pacing;

/// <summary>
/// Which paced attempts go first while the endpoint is throttled (<see cref="CloudMapAdaptiveRateLimiter"/>): an attempt
/// waits only for the tokens of attempts of its own priority or a higher one, and pushes the lower ones back. A
/// stopping fleet removes itself before it reports health, and reports health before it reads for crash cleanup.
/// </summary>
internal enum CloudMapCallPriority
{
    /// <summary>Crash cleanup's reads (ListInstances, GetInstancesHealthStatus, ECS/EC2 evidence): they can always wait.</summary>
    Cleanup = 0,

    /// <summary>Everything else: resolution, registration and its operation polls.</summary>
    Normal = 1,

    /// <summary>Health pushes (UpdateInstanceCustomHealthStatus): what clients route by.</summary>
    Health = 2,

    /// <summary>The calls of a deregistration within its budget (the stop): a zombie costs more than anything else.</summary>
    Deregistration = 3,
}
