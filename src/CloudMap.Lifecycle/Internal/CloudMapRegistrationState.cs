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

    public CloudMapRegistrationPhase Phase { get => GetSnapshot().Phase; set => Set(value, static s => s.Phase, static (s, v) => s with { Phase = v }); }

    public string? InstanceId { get => GetSnapshot().InstanceId; set => Set(value, static s => s.InstanceId, static (s, v) => s with { InstanceId = v }); }

    public string? ServiceId { get => GetSnapshot().ServiceId; set => Set(value, static s => s.ServiceId, static (s, v) => s with { ServiceId = v }); }

    public string? Address { get => GetSnapshot().Address; set => Set(value, static s => s.Address, static (s, v) => s with { Address = v }); }

    public int? Port { get => GetSnapshot().Port; set => Set(value, static s => s.Port, static (s, v) => s with { Port = v }); }

    public string? LastError { get => GetSnapshot().LastError; set => Set(value, static s => s.LastError, static (s, v) => s with { LastError = v }); }

    public CloudMapHealthStatus? LastPushedStatus { get => GetSnapshot().LastPushedStatus; set => Set(value, static s => s.LastPushedStatus, static (s, v) => s with { LastPushedStatus = v }); }

    public CloudMapHealthStatus? ObservedStatus { get => GetSnapshot().ObservedStatus; set => Set(value, static s => s.ObservedStatus, static (s, v) => s with { ObservedStatus = v }); }

    public DateTimeOffset? RegisteredAt { get => GetSnapshot().RegisteredAt; set => Set(value, static s => s.RegisteredAt, static (s, v) => s with { RegisteredAt = v }); }

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

    /// <summary>Sets one value; an unchanged value allocates nothing (the health loop sets the same status every cycle).</summary>
    private void Set<T>(T value, Func<CloudMapRegistrationSnapshot, T> get, Func<CloudMapRegistrationSnapshot, T, CloudMapRegistrationSnapshot> with)
    {
        lock (_lock)
        {
            if (!EqualityComparer<T>.Default.Equals(get(_current), value))
            {
                Volatile.Write(ref _current, with(_current, value));
            }
        }
    }

    public override string ToString()
    {
        var current = GetSnapshot();
        return $"{Name}: {current.Phase} instance '{current.InstanceId}' in '{current.ServiceId}'";
    }
}
