// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Sample;

/// <summary>The registration as CloudMap.Lifecycle reports it.</summary>
internal sealed class LibraryRegistration(ICloudMapRegistrationState state, IOptions<CloudMapRegistrationOptions> options) : ISampleRegistration
{
    public string InstanceId => state.InstanceId ?? options.Value.InstanceId ?? "(not resolved yet)";

    public object Snapshot() => new
    {
        mode = nameof(SampleRegistrationMode.Library),
        phase = state.Phase.ToString(),
        instanceId = state.InstanceId,
        serviceId = state.ServiceId,
        address = state.Address,
        port = state.Port,
        lastPushedStatus = state.LastPushedStatus?.ToString(),
        observedStatus = state.ObservedStatus?.ToString(),
        registeredAt = state.RegisteredAt,
        lastError = state.LastError,
    };
}
