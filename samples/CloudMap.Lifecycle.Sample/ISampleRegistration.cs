// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Sample;

/// <summary>What the endpoints need to know about whoever registers this instance (the library or the baseline).</summary>
internal interface ISampleRegistration
{
    /// <summary>Gets the Cloud Map instance id this process registers (or will register) as.</summary>
    string InstanceId { get; }

    /// <summary>Returns a JSON-serializable snapshot of the registration state, for <c>GET /admin/registration</c>.</summary>
    /// <returns>The snapshot.</returns>
    object Snapshot();
}
