// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using static CloudMap.Lifecycle.Testing.Internal.ApiPlane;
using static CloudMap.Lifecycle.Testing.Internal.AwsOperation;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// The Cloud Map API: one entry per operation (name, plane, sync or async, how the request is read, which handler
/// answers). Adding an operation is one entry here plus its handler in the resource's partial; anything not listed
/// answers <c>UnknownOperationException</c>.
/// </summary>
internal sealed partial class EmulatorState
{
    public const string TargetPrefix = "Route53AutoNaming_v20170314.";
    public const string SigningName = "servicediscovery";

    private AwsJsonService CreateApi() => new(TargetPrefix, SigningName,
    [
        Async("CreateHttpNamespace", Control, CreateNamespaceInput.Reader(NamespaceTypes.Http), CreateNamespace),
        Async("CreatePrivateDnsNamespace", Control, CreateNamespaceInput.Reader(NamespaceTypes.DnsPrivate), CreateNamespace),
        Async("CreatePublicDnsNamespace", Control, CreateNamespaceInput.Reader(NamespaceTypes.DnsPublic), CreateNamespace),
        Async("UpdateHttpNamespace", Control, UpdateNamespaceInput.Reader(NamespaceTypes.Http), UpdateNamespace),
        Async("UpdatePrivateDnsNamespace", Control, UpdateNamespaceInput.Reader(NamespaceTypes.DnsPrivate), UpdateNamespace),
        Async("UpdatePublicDnsNamespace", Control, UpdateNamespaceInput.Reader(NamespaceTypes.DnsPublic), UpdateNamespace),
        Async("DeleteNamespace", Control, ResourceIdInput.Read, DeleteNamespace),
        Sync("GetNamespace", Control, ResourceIdInput.Read, GetNamespace),
        Sync("ListNamespaces", Control, ListInput.Reader("TYPE", "NAME", "HTTP_NAME", "RESOURCE_OWNER"), ListNamespaces),

        Sync("CreateService", Control, CreateServiceInput.Read, CreateService),
        Sync("DeleteService", Control, ResourceIdInput.Read, DeleteService),
        Sync("GetService", Control, ResourceIdInput.Read, GetService),
        Sync("ListServices", Control, ListInput.Reader("NAMESPACE_ID", "RESOURCE_OWNER"), ListServices),

        Async("RegisterInstance", Control, RegisterInstanceInput.Read, RegisterInstance),
        Async("DeregisterInstance", Control, InstanceKeyInput.Read, DeregisterInstance),
        Sync("GetInstance", Control, InstanceKeyInput.Read, GetInstance),
        Sync("ListInstances", Control, ListInstancesInput.Read, ListInstances),

        Sync("UpdateInstanceCustomHealthStatus", Control, CustomHealthInput.Read, UpdateInstanceCustomHealthStatus),
        Sync("GetInstancesHealthStatus", Control, HealthStatusInput.Read, GetInstancesHealthStatus),

        Sync("DiscoverInstances", Data, DiscoverInstancesInput.Read, DiscoverInstances),
        Sync("DiscoverInstancesRevision", Data, DiscoveryTarget.Read, DiscoverInstancesRevision),

        Sync("GetOperation", Control, GetOperationInput.Read, GetOperation),
        Sync("ListOperations", Control, ListInput.Reader("NAMESPACE_ID", "SERVICE_ID", "STATUS", "TYPE", "UPDATE_DATE"), ListOperations),
    ]);
}
