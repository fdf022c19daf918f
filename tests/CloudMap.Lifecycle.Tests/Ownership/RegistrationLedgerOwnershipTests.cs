// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Tests.Ownership;

/// <summary>The ledger's superseded state on its own: who may write to the entry, and what a stop must still check.</summary>
public sealed class RegistrationLedgerOwnershipTests
{
    private readonly TimerCountingFakeTimeProvider _time = new();

    [Fact]
    public void New_NotSuperseded()
    {
        var ledger = new RegistrationLedger(_time);

        Assert.False(ledger.IsSuperseded);
        Assert.Null(ledger.SupersedingOwner);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    public void LeftToAnotherOwner_WithOwner_SupersededNotConfirmed_StopStillChecks()
    {
        var ledger = Confirmed();

        ledger.LeftToAnotherOwner("owner-b");

        Assert.True(ledger.IsSuperseded);
        Assert.Equal("owner-b", ledger.SupersedingOwner);
        Assert.False(ledger.IsConfirmed);
        Assert.True(ledger.MayHoldInstance);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    public void LeftToAnotherOwner_OwnerUnknownLater_KeepsTheKnownOwner()
    {
        var ledger = Confirmed();
        ledger.LeftToAnotherOwner("owner-b");

        ledger.LeftToAnotherOwner();

        Assert.True(ledger.IsSuperseded);
        Assert.Equal("owner-b", ledger.SupersedingOwner);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G6)]
    public void Vanished_WhileSuperseded_TheIdIsOursAgain()
    {
        var ledger = Confirmed();
        ledger.LeftToAnotherOwner("owner-b");

        ledger.Vanished();

        Assert.False(ledger.IsSuperseded);
        Assert.Null(ledger.SupersedingOwner);
        Assert.False(ledger.IsConfirmed);
    }

    [Fact]
    public void Confirmed_AfterSuperseded_OursAgain()
    {
        var ledger = Confirmed();
        ledger.LeftToAnotherOwner("owner-b");

        ledger.Sent();
        ledger.Confirmed();

        Assert.False(ledger.IsSuperseded);
        Assert.Null(ledger.SupersedingOwner);
        Assert.True(ledger.IsConfirmed);
    }

    [Fact]
    public void Removed_AfterSuperseded_HoldsNothing()
    {
        var ledger = Confirmed();
        ledger.LeftToAnotherOwner("owner-b");

        ledger.Removed();

        Assert.False(ledger.IsSuperseded);
        Assert.False(ledger.MayHoldInstance);
    }

    [Fact]
    public void ToString_Superseded_NamesTheOwner()
    {
        var ledger = Confirmed();
        ledger.LeftToAnotherOwner("owner-b");

        Assert.EndsWith(", superseded by: owner-b", ledger.ToString(), StringComparison.Ordinal);
    }

    private RegistrationLedger Confirmed()
    {
        var ledger = new RegistrationLedger(_time);
        ledger.Sent();
        ledger.Accepted("op-1");
        ledger.OperationFinished();
        ledger.Confirmed();
        return ledger;
    }
}
