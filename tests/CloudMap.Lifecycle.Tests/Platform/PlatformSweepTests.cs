// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Internal.Cleanup;
using CloudMap.Lifecycle.Platform;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Tests.Cleanup;

namespace CloudMap.Lifecycle.Tests.Platform;

/// <summary>
/// Whole sweeps with platform evidence over the real client and a loopback emulator (the observer is orders-1), the
/// platform played by <see cref="FakePlatformClient"/>: the recycled IP, platform alive against failing probes, and
/// the same fleet with platform evidence off (G7).
/// </summary>
public sealed class PlatformSweepTests
{
    private const string OldInstance = "i-0aaaaaaaaaaaaaaa2";
    private const string NewInstance = "i-0aaaaaaaaaaaaaaa3";
    private const string HungInstance = "i-0aaaaaaaaaaaaaaa4";

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Sweep_RecycledIp_DeadInstanceRemovedOnThePlatformsWord_NewHolderAndPlatformAliveUntouched()
    {
        var platform = Fleet();
        await using var s = await SweepHarness.StartAsync(AddFleet);
        s.Service.PlatformClient = platform;

        // orders-2: EC2 terminated it; its address (127.0.0.2:8080) now belongs to orders-3's instance, behind a rule
        // that drops the observer's probes (Unknown: the probes alone would never remove it).
        s.Prober.Set("orders-2", PeerProbeOutcome.Unknown);

        // orders-4: EC2 says running and holding its address; its port refuses (a restart in place): never removed.
        s.Prober.Set("orders-4", PeerProbeOutcome.Refused);

        var first = await s.SweepAsync(3);
        Assert.All(first, o => Assert.Empty(o.Removed)); // startup grace (30 s) from the first sighting

        var fourth = await s.SweepAsync();

        Assert.Equal(["orders-2"], fourth.Removed);
        Assert.False(s.IsRegistered("orders-2"));
        Assert.True(s.IsRegistered("orders-3"));
        var warning = Assert.Single(s.H.Logs.Collector.GetEvents("CleanupRemovedByPlatform"));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, warning.Level);
        Assert.Contains($"EC2 instance '{OldInstance}' is terminated", warning.Message, StringComparison.Ordinal);

        // One DescribeInstances per sweep, for the peers whose probe did not prove life (orders-3 proved it: not asked).
        Assert.Equal(4, platform.Calls.Count);
        Assert.All(platform.Calls, c => Assert.Equal("DescribeInstances us-east-1 2", c));

        var later = await s.SweepAsync(6);
        Assert.All(later, o => Assert.Empty(o.Removed));
        Assert.True(s.IsRegistered("orders-4"));
        Assert.True(s.Service.Evidence["orders-4"].IsPlatformAlive);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Sweep_PlatformEvidenceOff_ProbesAloneDecide()
    {
        var platform = Fleet();
        await using var s = await SweepHarness.StartAsync(AddFleet, o => o.Platform.Evidence = false);
        s.Service.PlatformClient = platform;
        s.Prober.Set("orders-2", PeerProbeOutcome.Unknown);
        s.Prober.Set("orders-4", PeerProbeOutcome.Refused);

        var outcomes = await s.SweepAsync(10);

        Assert.True(s.IsRegistered("orders-2"));
        Assert.False(s.IsRegistered("orders-4"));
        Assert.Equal(["orders-4"], outcomes.SelectMany(o => o.Removed));
        Assert.Empty(platform.Calls);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Sweep_PlatformFails_FallsBackToProbes_SaidOnce()
    {
        var platform = Fleet();
        platform.Failure = new CloudMapException("UnauthorizedOperation", "no", HttpStatusCode.Forbidden, "r");
        await using var s = await SweepHarness.StartAsync(AddFleet);
        s.Service.PlatformClient = platform;
        s.Prober.Set("orders-4", PeerProbeOutcome.Refused);

        var outcomes = await s.SweepAsync(5);

        Assert.Equal(["orders-4"], outcomes.SelectMany(o => o.Removed));
        Assert.True(s.IsRegistered("orders-2"));
        var said = Assert.Single(s.H.Logs.Collector.GetEvents("PlatformEvidenceUnavailable"));
        Assert.Contains("UnauthorizedOperation", said.Message, StringComparison.Ordinal);
        Assert.Single(s.H.Logs.Collector.GetEvents("CleanupRemoved"));
    }

    private static FakePlatformClient Fleet()
    {
        var platform = new FakePlatformClient();
        platform.Instances[OldInstance] = ("terminated", []);
        platform.Instances[NewInstance] = ("running", [IPAddress.Parse("127.0.0.2")]);
        platform.Instances[HungInstance] = ("running", [IPAddress.Parse("127.0.0.4")]);
        return platform;
    }

    private static void AddFleet(SweepHarness h)
    {
        Add(h, "orders-2", "127.0.0.2", OldInstance);
        Add(h, "orders-3", "127.0.0.2", NewInstance);
        Add(h, "orders-4", "127.0.0.4", HungInstance);
    }

    private static void Add(SweepHarness h, string instanceId, string address, string ec2Id) =>
        h.Emulator.RegisterInstance(h.ServiceId, instanceId, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [RegistrationAttributes.Ipv4Key] = address,
            [RegistrationAttributes.PortKey] = 8080.ToString(CultureInfo.InvariantCulture),
            [RegistrationAttributes.OwnerKey] = SweepHarness.OwnerOf(instanceId),
            [ProofOfLifeAdvert.AttributeKey] = "v1 http MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE" + instanceId.Replace("-", string.Empty, StringComparison.Ordinal),
            [PlatformIdentity.Ec2InstanceIdKey] = ec2Id,
            [PlatformIdentity.AvailabilityZoneKey] = "us-east-1a",
            [PlatformIdentity.RegionKey] = "us-east-1",
        });
}
