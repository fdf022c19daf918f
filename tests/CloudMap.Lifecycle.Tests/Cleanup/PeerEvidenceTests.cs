// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Internal.Cleanup;
using CloudMap.Lifecycle.TestInfrastructure;

namespace CloudMap.Lifecycle.Tests.Cleanup;

/// <summary>One peer's evidence, on given timestamps: what counts, what resets, and when it is enough (G7).</summary>
public sealed class PeerEvidenceTests
{
    internal static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    internal static readonly CleanupRules Defaults = CleanupRules.From(new CloudMapCleanupOptions());

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Refused_ThreeTimesOverTheSpan_IsRemovable()
    {
        var evidence = Seen(T0);

        Probe(evidence, PeerProbeOutcome.Refused, 30, 40, 50);

        Assert.True(evidence.IsRemovable(Defaults, At(50)));
        Assert.Equal(3, evidence.RefusedCount);
        Assert.Equal(TimeSpan.FromSeconds(20), evidence.GoneSpan);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Refused_TwiceOnly_IsNotRemovable()
    {
        var evidence = Seen(T0);

        Probe(evidence, PeerProbeOutcome.Refused, 30, 60);

        Assert.False(evidence.IsRemovable(Defaults, At(120)));
        Assert.Contains("gone 2 of 3", evidence.WhyNotRemovable(Defaults, At(120)), StringComparison.Ordinal);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Refused_ThreeTimesWithinLessThanTheSpan_IsNotRemovableUntilTheSpan()
    {
        var evidence = Seen(T0);

        Probe(evidence, PeerProbeOutcome.Refused, 40, 45, 50);
        Assert.False(evidence.IsRemovable(Defaults, At(50)));

        Probe(evidence, PeerProbeOutcome.Refused, 60);
        Assert.True(evidence.IsRemovable(Defaults, At(60)));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Refused_WithinTheStartupGrace_IsNotRemovableUntilTheGraceIsOver()
    {
        var evidence = Seen(T0);

        Probe(evidence, PeerProbeOutcome.Refused, 0, 10, 20);
        Assert.False(evidence.IsRemovable(Defaults, At(20)));
        Assert.Contains("startup grace", evidence.WhyNotRemovable(Defaults, At(20)), StringComparison.Ordinal);

        Assert.True(evidence.IsRemovable(Defaults, At(30)));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Foreign_ThreeTimesOverTheSpan_IsRemovable()
    {
        var evidence = Seen(T0);

        Probe(evidence, PeerProbeOutcome.Foreign, 30, 40, 50);

        Assert.True(evidence.IsRemovable(Defaults, At(50)));
        Assert.Equal(3, evidence.ForeignCount);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Unknown_AHundredTimes_IsNeverRemovable()
    {
        var evidence = Seen(T0);

        for (var i = 0; i < 100; i++)
        {
            Probe(evidence, PeerProbeOutcome.Unknown, 30 + (i * 10));
        }

        Assert.False(evidence.IsRemovable(Defaults, At(10_000)));
        Assert.Equal(0, evidence.GoneCount);
        Assert.Equal(100, evidence.UnknownCount);
        Assert.True(evidence.LooksDead);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Unknown_BetweenRefusals_NeitherCountsNorResets()
    {
        var evidence = Seen(T0);

        Probe(evidence, PeerProbeOutcome.Refused, 30);
        Probe(evidence, PeerProbeOutcome.Unknown, 40);
        Probe(evidence, PeerProbeOutcome.Refused, 50);
        Assert.False(evidence.IsRemovable(Defaults, At(50)));
        Probe(evidence, PeerProbeOutcome.Foreign, 60);

        Assert.True(evidence.IsRemovable(Defaults, At(60)));
        Assert.Equal(1, evidence.UnknownCount);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Alive_InBetween_StartsTheEvidenceAgain()
    {
        var evidence = Seen(T0);

        Probe(evidence, PeerProbeOutcome.Refused, 30, 40);
        Probe(evidence, PeerProbeOutcome.Alive, 50);
        Probe(evidence, PeerProbeOutcome.Refused, 60, 70);

        Assert.False(evidence.IsRemovable(Defaults, At(70)));
        Assert.Equal(2, evidence.GoneCount);
        Assert.Equal(At(60), evidence.FirstGoneAt);
        Assert.Equal(At(50), evidence.LastAliveAt);
        Probe(evidence, PeerProbeOutcome.Refused, 80);
        Assert.True(evidence.IsRemovable(Defaults, At(80)));
    }

    [Fact]
    public void Matches_OtherOwnerOrAddressOrPort_IsAnotherRegistration()
    {
        var evidence = Seen(T0);
        var target = evidence.Target;

        Assert.True(evidence.Matches(target with { }));
        Assert.False(evidence.Matches(target with { OwnerToken = "other" }));
        Assert.False(evidence.Matches(target with { Address = IPAddress.Parse("10.0.0.9") }));
        Assert.False(evidence.Matches(target with { Port = 9 }));
        Assert.True(evidence.IsStill(target.OwnerToken, target.Address, target.Port));
        Assert.False(evidence.IsStill("other", target.Address, target.Port));
        Assert.False(evidence.IsStill(target.OwnerToken, null, target.Port));
    }

    internal static PeerEvidence Seen(DateTimeOffset at, string instanceId = "peer-1") =>
        new(Target(instanceId), at);

    internal static PeerTarget Target(string instanceId) =>
        new("srv-1", instanceId, "owner-" + instanceId, IPAddress.Parse("10.0.0.1"), 8080, new ProofOfLifeAdvert(1, "http", "KEY"));

    internal static DateTimeOffset At(int seconds) => T0.AddSeconds(seconds);

    internal static void Probe(PeerEvidence evidence, PeerProbeOutcome outcome, params int[] seconds)
    {
        foreach (var s in seconds)
        {
            evidence.Record(new PeerProbeResult(outcome, outcome.ToString()), At(s));
        }
    }
}
