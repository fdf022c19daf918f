// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Internal;

/// <summary>Everything resolved at start that a registration needs: the service and who/where this instance is.</summary>
internal sealed record RegistrationTarget(CloudMapService Service, string InstanceId, IPAddress Address, int Port)
{
    /// <summary>
    /// Gets the scheme (<c>http</c>/<c>https</c>) of this server's binding that the registered address and port reach,
    /// for the proof-of-life advert; <see langword="null"/> when no binding is known to (a port of another server, a
    /// specific address other than the registered one), so nothing is advertised.
    /// </summary>
    public string? ProofScheme { get; init; }

    /// <summary>
    /// Gets a value indicating whether <see cref="InstanceId"/> belongs to this process's task alone (an ECS task id
    /// taken from the task metadata, not configured): no other process can own it at the same time, so deregistering
    /// needs no ownership check. An explicit or host-derived id (EC2 instance id, machine name) can be shared.
    /// </summary>
    public bool IdIsPerTask { get; init; }
}
