// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Client.Pacing;

/// <summary>The <see cref="CloudMapCallPriority"/> of a call, from what it is: the pipeline knows no more than the call.</summary>
internal static class CloudMapCallPriorities
{
    /// <summary>The priority of <paramref name="operation"/> of <paramref name="service"/>; <paramref name="budgeted"/> is a call within a deregistration budget.</summary>
    public static CloudMapCallPriority Of(string service, string operation, bool budgeted)
    {
        if (budgeted)
        {
            return CloudMapCallPriority.Deregistration;
        }

        if (!string.Equals(service, CloudMapTelemetry.ServiceName, StringComparison.Ordinal))
        {
            // ECS / EC2 calls are crash cleanup's platform evidence.
            return CloudMapCallPriority.Cleanup;
        }

        return operation switch
        {
            CloudMapOperations.DeregisterInstance => CloudMapCallPriority.Deregistration,
            CloudMapOperations.UpdateInstanceCustomHealthStatus => CloudMapCallPriority.Health,
            CloudMapOperations.ListInstances or CloudMapOperations.GetInstancesHealthStatus => CloudMapCallPriority.Cleanup,
            _ => CloudMapCallPriority.Normal,
        };
    }
}
