// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal;

/// <summary>The mutable state behind <see cref="ICloudMapRegistrationState"/>; written by the registration service only.</summary>
/// <remarks>
/// The whole state is one immutable <see cref="CloudMapRegistrationSnapshot"/> that each change replaces. Writers
/// replace it under one lock (so two changes never lose each other's fields); readers take the current reference
/// without a lock, which is atomic, so a snapshot never mixes values from before and after a change.
/// </remarks>
internal sealed class CloudMapRegistrationState(string name) : ICloudMapRegistrationState
{
    private readonly Lock _lock = new();
    private CloudMapRegistrationSnapshot _current = new();

    public string Name { get; } = name;

    public CloudMapRegistrationPhase Phase { get => GetSnapshot().Phase; set => Update(s => s with { Phase = value }); }

    public string? InstanceId { get => GetSnapshot().InstanceId; set => Update(s => s with { InstanceId = value }); }

    public string? ServiceId { get => GetSnapshot().ServiceId; set => Update(s => s with { ServiceId = value }); }

    public string? Address { get => GetSnapshot().Address; set => Update(s => s with { Address = value }); }

    public int? Port { get => GetSnapshot().Port; set => Update(s => s with { Port = value }); }

    public string? LastError { get => GetSnapshot().LastError; set => Update(s => s with { LastError = value }); }

    public CloudMapHealthStatus? LastPushedStatus { get => GetSnapshot().LastPushedStatus; set => Update(s => s with { LastPushedStatus = value }); }

    public CloudMapHealthStatus? ObservedStatus { get => GetSnapshot().ObservedStatus; set => Update(s => s with { ObservedStatus = value }); }

    public DateTimeOffset? RegisteredAt { get => GetSnapshot().RegisteredAt; set => Update(s => s with { RegisteredAt = value }); }

    public CloudMapRegistrationSnapshot GetSnapshot() => Volatile.Read(ref _current);

    /// <summary>
    /// Changes several values at once, so no reader sees some of them changed and others not
    /// (for example <c>Update(s =&gt; s with { Phase = CloudMapRegistrationPhase.Failed, LastError = message })</c>).
    /// </summary>
    /// <param name="change">Returns the new state from the current one; called under the lock, so it must be quick and pure.</param>
    public void Update(Func<CloudMapRegistrationSnapshot, CloudMapRegistrationSnapshot> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_lock)
        {
            Volatile.Write(ref _current, change(_current));
        }
    }

    public override string ToString()
    {
        var current = GetSnapshot();
        return $"{Name}: {current.Phase} instance '{current.InstanceId}' in '{current.ServiceId}'";
    }
}
