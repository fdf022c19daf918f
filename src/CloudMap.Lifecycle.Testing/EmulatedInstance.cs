// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Testing;

/// <summary>A snapshot of one instance registered in the emulator, as a test inspects it.</summary>
public sealed class EmulatedInstance
{
    internal EmulatedInstance(
        string serviceId,
        string instanceId,
        IReadOnlyDictionary<string, string> attributes,
        string? creatorRequestId,
        string healthStatus,
        string? pendingHealthStatus,
        DateTimeOffset? pendingHealthEffectiveAt,
        DateTimeOffset registeredAt,
        bool isVisible)
    {
        ServiceId = serviceId;
        InstanceId = instanceId;
        Attributes = attributes;
        CreatorRequestId = creatorRequestId;
        HealthStatus = healthStatus;
        PendingHealthStatus = pendingHealthStatus;
        PendingHealthEffectiveAt = pendingHealthEffectiveAt;
        RegisteredAt = registeredAt;
        IsVisible = isVisible;
    }

    /// <summary>Gets the id of the service the instance belongs to.</summary>
    public string ServiceId { get; }

    /// <summary>Gets the instance id.</summary>
    public string InstanceId { get; }

    /// <summary>Gets the attributes of the last registration (a registration replaces them all).</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; }

    /// <summary>Gets the <c>CreatorRequestId</c> of the last registration, if the caller sent one.</summary>
    public string? CreatorRequestId { get; }

    /// <summary>
    /// Gets the health status Cloud Map reports now: <c>HEALTHY</c>, <c>UNHEALTHY</c>, or <c>UNKNOWN</c> for a service
    /// without a health check.
    /// </summary>
    public string HealthStatus { get; }

    /// <summary>Gets the status pushed but not yet in effect (Cloud Map's change delay), or <see langword="null"/>.</summary>
    public string? PendingHealthStatus { get; }

    /// <summary>Gets when <see cref="PendingHealthStatus"/> takes effect, or <see langword="null"/> when nothing is pending.</summary>
    public DateTimeOffset? PendingHealthEffectiveAt { get; }

    /// <summary>Gets when the instance was last registered (emulator clock).</summary>
    public DateTimeOffset RegisteredAt { get; }

    /// <summary>
    /// Gets a value indicating whether the registration has propagated: until then instance-level calls answer
    /// <c>InstanceNotFound</c> and discovery does not return it.
    /// </summary>
    public bool IsVisible { get; }
}
