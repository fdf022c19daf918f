// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal;

/// <summary>The result of one ownership-checked deregistration.</summary>
internal enum DeregisterOutcome
{
    /// <summary>Our registration was removed.</summary>
    Deregistered,

    /// <summary>There was nothing to remove.</summary>
    NotFound,

    /// <summary>The registration belongs to another process start and was left alone (G4).</summary>
    NotOwned,
}
