// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Identity;
using CloudMap.Lifecycle.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudMap.Lifecycle.Tests.Platform;

/// <summary>
/// The library's identity resolver reading ECS task metadata v4 and EC2 IMDSv2 from the emulator's metadata endpoints
/// (what scenario 11's sample processes do through <c>ECS_CONTAINER_METADATA_URI_V4</c> and
/// <c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c>): the emulator's answers have the shape the resolver reads.
/// </summary>
public sealed class EmulatorMetadataIdentityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ResolveAsync_EmulatedEcsTask_TaskIdAddressAndPlatformIdentity()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { Region = "eu-west-1" }, Ct);
        var task = emulator.StartTask("prod", "orders", "10.0.4.20", "eu-west-1b");
        using var resolver = new InstanceIdentityResolver(
            new InstanceIdentityResolverOptions { EcsMetadataUri = emulator.GetEcsMetadataUri(task.TaskId), Ec2MetadataDisabled = true },
            NullLogger<InstanceIdentityResolver>.Instance);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Equal("ecs", identity.Source);
        Assert.Equal(task.TaskId, identity.InstanceId);
        Assert.Equal(IPAddress.Parse("10.0.4.20"), identity.Address);
        Assert.Equal(task.TaskArn, identity.Platform.EcsTaskArn);
        Assert.Equal("prod", identity.Platform.EcsClusterName);
        Assert.Equal("eu-west-1b", identity.Platform.AvailabilityZone);
        Assert.Equal("eu-west-1", identity.Platform.Region);
        Assert.Null(identity.Platform.Ec2InstanceId);
    }

    [Fact]
    public async Task ResolveAsync_EmulatedEc2Instance_Imdsv2InstanceIdAddressZoneRegion()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions(), Ct);
        var instance = emulator.LaunchInstance("10.0.8.8", "us-east-1c");
        using var resolver = new InstanceIdentityResolver(
            new InstanceIdentityResolverOptions { ImdsBaseUri = emulator.GetEc2MetadataEndpoint(instance.InstanceId) },
            NullLogger<InstanceIdentityResolver>.Instance);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Equal("ec2", identity.Source);
        Assert.Equal(instance.InstanceId, identity.InstanceId);
        Assert.Equal(IPAddress.Parse("10.0.8.8"), identity.Address);
        Assert.Equal(instance.InstanceId, identity.Platform.Ec2InstanceId);
        Assert.Equal("us-east-1c", identity.Platform.AvailabilityZone);
        Assert.Equal("us-east-1", identity.Platform.Region);
        Assert.Equal(0, emulator.TotalCallCount);
    }

    [Fact]
    public async Task ResolveAsync_TerminatedEmulatedInstance_NothingKnown()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions(), Ct);
        var instance = emulator.LaunchInstance();
        var endpoint = emulator.GetEc2MetadataEndpoint(instance.InstanceId);
        emulator.TerminateInstance(instance.InstanceId, TimeSpan.Zero);
        using var resolver = new InstanceIdentityResolver(new InstanceIdentityResolverOptions { ImdsBaseUri = endpoint }, NullLogger<InstanceIdentityResolver>.Instance);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Same(InstanceIdentity.None, identity);
    }
}
