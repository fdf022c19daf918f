// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Client;

/// <summary>The names of the Cloud Map API operations the client calls (the <c>X-Amz-Target</c> suffix, and <c>rpc.method</c>).</summary>
internal static class CloudMapOperations
{
    public const string RegisterInstance = "RegisterInstance";
    public const string DeregisterInstance = "DeregisterInstance";
    public const string UpdateInstanceCustomHealthStatus = "UpdateInstanceCustomHealthStatus";
    public const string GetOperation = "GetOperation";
    public const string GetService = "GetService";
    public const string GetInstance = "GetInstance";
    public const string ListNamespaces = "ListNamespaces";
    public const string ListServices = "ListServices";
    public const string ListInstances = "ListInstances";
    public const string GetInstancesHealthStatus = "GetInstancesHealthStatus";
    public const string DiscoverInstances = "DiscoverInstances";
    public const string DiscoverInstancesRevision = "DiscoverInstancesRevision";
}
