// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Internal.Cleanup;
using CloudMap.Lifecycle.Platform;
using CloudMap.Lifecycle.TestInfrastructure;

namespace CloudMap.Lifecycle.Tests.Cleanup;

/// <summary>One peer's evidence, on given timestamps: what counts, what resets, and when it is enough (G7).</summary>
public sealed class PeerEvidenceTests
{
    internal static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    internal static readonly CleanupRules Defaults = CleanupRules.From(new CloudMapCleanupOptions());

    [Theory]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    [InlineData("Refused", 3, 0)]
    [InlineData("Foreign", 0, 3)]
    public void Gone_ThreeTimesOverTheSpan_IsRemovable(string outcome, int refused, int foreign)
    {
        var evidence = Seen(T0);

        Probe(evidence, Enum.Parse<PeerProbeOutcome>(outcome), 30, 40, 50);

        Assert.True(evidence.IsRemovable(Defaults, At(50)));
        Assert.Equal((3, refused, foreign), (evidence.GoneCount, evidence.RefusedCount, evidence.ForeignCount));
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

    [Theory]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    [InlineData(null, null, false, false)]
    [InlineData("Alive", null, false, false)]
    [InlineData("Refused", null, true, true)]
    [InlineData("Foreign", null, true, true)]
    [InlineData("Unknown", null, false, true)]
    [InlineData("Refused", "Alive", false, false)]
    [InlineData("Foreign", "Alive", false, false)]
    [InlineData("Unknown", "Alive", false, false)]
    [InlineData(null, "Dead", true, true)]
    [InlineData("Unknown", "Dead", true, true)]
    [InlineData("Refused", "Dead", true, true)]
    [InlineData(null, "Unknown", false, false)]
    [InlineData("Refused", "Unknown", true, true)]
    [InlineData("Unknown", "Unknown", false, true)]
    public void IsGone_LastProbeAndPlatformWord_PositiveEvidenceOnlyAndThePlatformOutranksTheProbe(string? probe, string? platform, bool gone, bool looksDead)
    {
        var evidence = Seen(T0);
        if (probe is not null)
        {
            Probe(evidence, Enum.Parse<PeerProbeOutcome>(probe), 30);
        }

        if (platform is not null)
        {
            evidence.RecordPlatform(new PlatformVerdict(Enum.Parse<PlatformState>(platform), platform), At(31));
        }

        Assert.Equal(gone, evidence.IsGone);
        Assert.Equal(looksDead, evidence.LooksDead);
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
