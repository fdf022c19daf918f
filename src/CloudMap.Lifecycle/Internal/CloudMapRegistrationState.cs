// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal;

/// <summary>The mutable state behind <see cref="ICloudMapRegistrationState"/>; written by the registration service only.</summary>
internal sealed class CloudMapRegistrationState(string name) : ICloudMapRegistrationState
{
    private readonly Lock _lock = new();
    private CloudMapRegistrationPhase _phase;
    private string? _instanceId;
    private string? _serviceId;
    private string? _address;
    private int? _port;
    private string? _lastError;
    private CloudMapHealthStatus? _lastPushed;
    private CloudMapHealthStatus? _observed;
    private DateTimeOffset? _registeredAt;

    public string Name { get; } = name;

    public CloudMapRegistrationPhase Phase { get { lock (_lock) { return _phase; } } set { lock (_lock) { _phase = value; } } }

    public string? InstanceId { get { lock (_lock) { return _instanceId; } } set { lock (_lock) { _instanceId = value; } } }

    public string? ServiceId { get { lock (_lock) { return _serviceId; } } set { lock (_lock) { _serviceId = value; } } }

    public string? Address { get { lock (_lock) { return _address; } } set { lock (_lock) { _address = value; } } }

    public int? Port { get { lock (_lock) { return _port; } } set { lock (_lock) { _port = value; } } }

    public string? LastError { get { lock (_lock) { return _lastError; } } set { lock (_lock) { _lastError = value; } } }

    public CloudMapHealthStatus? LastPushedStatus { get { lock (_lock) { return _lastPushed; } } set { lock (_lock) { _lastPushed = value; } } }

    public CloudMapHealthStatus? ObservedStatus { get { lock (_lock) { return _observed; } } set { lock (_lock) { _observed = value; } } }

    public DateTimeOffset? RegisteredAt { get { lock (_lock) { return _registeredAt; } } set { lock (_lock) { _registeredAt = value; } } }

    public override string ToString() => $"{Name}: {Phase} instance '{InstanceId}' in '{ServiceId}'";
}
