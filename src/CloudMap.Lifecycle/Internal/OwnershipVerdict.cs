// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal;

/// <summary>What one ownership check of a health cycle concluded about the registration (G4, G6).</summary>
internal enum OwnershipVerdict
{
    /// <summary>Nothing is registered (or it is being registered again): the mode's own step registers when it should.</summary>
    NotRegistered,

    /// <summary>The revision is unchanged since the entry was last verified, or the entry was verified as ours: carry on.</summary>
    Ours,

    /// <summary>Could not tell (no watch, the check failed, or the entry is not visible yet): carry on as before; checked again next cycle.</summary>
    Unverified,

    /// <summary>Another process registered the instance id: push nothing, register nothing, deregister nothing.</summary>
    Superseded,

    /// <summary>The entry (ours, or the one that superseded ours) is gone: it is registered again in this cycle.</summary>
    Vanished,
}
