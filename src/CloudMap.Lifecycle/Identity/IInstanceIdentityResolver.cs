// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Identity;

/// <summary>Learns who this instance is from the platform. Never throws for a missing or broken metadata endpoint.</summary>
internal interface IInstanceIdentityResolver
{
    /// <summary>Resolves the identity (cached after the first call).</summary>
    Task<InstanceIdentity> ResolveAsync(CancellationToken cancellationToken);
}
