// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Identity;
using CloudMap.Lifecycle.Platform;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Tests.Fakes;

namespace CloudMap.Lifecycle.Tests.Platform;

/// <summary>The registration step sends the platform identity the resolver found, unless turned off.</summary>
public sealed class PlatformRegistrationTests
{
    private static readonly InstanceIdentity OnEcs = new("158d1c8083dd49d6b527399fd6414f5c", IPAddress.Parse("10.0.2.106"), "ecs")
    {
        Platform = new PlatformIdentity("arn:aws:ecs:eu-west-1:111122223333:task/prod/158d1c8083dd49d6b527399fd6414f5c", "prod", null, "eu-west-1b", "eu-west-1"),
    };

    [Fact]
    public async Task RegisterAsync_OnEcs_SendsTaskArnClusterZoneAndRegion()
    {
        using var h = new ServiceHarness();
        h.Identity.Identity = OnEcs;

        await h.RegisteredAsync();

        var attributes = h.Client.LastRegisterRequest!.Attributes;
        Assert.Equal("arn:aws:ecs:eu-west-1:111122223333:task/prod/158d1c8083dd49d6b527399fd6414f5c", attributes["ECS_TASK_ARN"]);
        Assert.Equal("prod", attributes["ECS_CLUSTER_NAME"]);
        Assert.Equal("eu-west-1b", attributes["AVAILABILITY_ZONE"]);
        Assert.Equal("eu-west-1", attributes["REGION"]);
        Assert.DoesNotContain(attributes.Keys, k => k.StartsWith("AWS_EC2", StringComparison.Ordinal));
        Assert.Single(h.Logs.Collector.GetEvents("PlatformIdentityFound"));
    }

    [Fact]
    public async Task RegisterAsync_PlatformAttributesOff_SendsNone()
    {
        using var h = new ServiceHarness(o => o.Platform.Attributes = false);
        h.Identity.Identity = OnEcs;

        await h.RegisteredAsync();

        var attributes = h.Client.LastRegisterRequest!.Attributes;
        Assert.DoesNotContain(attributes.Keys, k => PlatformIdentity.Keys.Contains(k));
    }

    [Fact]
    public async Task RegisterAsync_OffPlatform_SendsNone()
    {
        using var h = new ServiceHarness();

        await h.RegisteredAsync();

        Assert.DoesNotContain(h.Client.LastRegisterRequest!.Attributes.Keys, k => PlatformIdentity.Keys.Contains(k));
    }
}
