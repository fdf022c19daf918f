// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Testing;

/// <summary>A snapshot of one EC2 instance the emulator plays, as <c>DescribeInstances</c> reports it at the time it was taken.</summary>
public sealed class EmulatedEc2Instance
{
    internal EmulatedEc2Instance(string instanceId, string state, string? privateIpAddress, string availabilityZone, DateTimeOffset launchTime, DateTimeOffset? stateChangesAt)
    {
        InstanceId = instanceId;
        State = state;
        PrivateIpAddress = privateIpAddress;
        AvailabilityZone = availabilityZone;
        LaunchTime = launchTime;
        StateChangesAt = stateChangesAt;
    }

    /// <summary>Gets the instance id, <c>i-</c> and 17 hexadecimal digits.</summary>
    public string InstanceId { get; }

    /// <summary>Gets <c>instanceState.name</c>: <c>pending</c>, <c>running</c>, <c>shutting-down</c>, <c>terminated</c>, <c>stopping</c> or <c>stopped</c>.</summary>
    public string State { get; }

    /// <summary>Gets the primary private IPv4 address, or <see langword="null"/> once the instance is terminated.</summary>
    public string? PrivateIpAddress { get; }

    /// <summary>Gets the availability zone (<c>placement.availabilityZone</c>).</summary>
    public string AvailabilityZone { get; }

    /// <summary>Gets when the instance was launched (emulator clock).</summary>
    public DateTimeOffset LaunchTime { get; }

    /// <summary>Gets when the current transitional state (<c>shutting-down</c>, <c>stopping</c>, <c>pending</c>) ends, or <see langword="null"/> in a stable state.</summary>
    public DateTimeOffset? StateChangesAt { get; }
}
