// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal;

/// <summary>The result of an ownership-checked deregistration.</summary>
internal enum DeregisterOutcome
{
    /// <summary>Our registration was removed (or its DeregisterInstance was accepted and is finishing).</summary>
    Deregistered,

    /// <summary>There was nothing to remove.</summary>
    NotFound,

    /// <summary>The registration belongs to another process start and was left alone (G4).</summary>
    NotOwned,

    /// <summary>The budget ran out first: the instance may stay registered (warning 1045, exit code 4 at stop).</summary>
    Failed,
}
