// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Tests;

/// <summary>
/// <see cref="RegistrationLedger"/> on its own: every transition, every query, and each zombie case the scenarios found
/// (f8b90be, 8d43553, bb51fc9, aefea4a), spelled as the sequence of facts the steps report.
/// </summary>
public sealed class RegistrationLedgerTests
{
    private static readonly TimeSpan Grace = RegistrationLedger.VisibilityGracePeriod;
    private static readonly TimeSpan Reassert = TimeSpan.FromMinutes(15);

    private readonly TimerCountingFakeTimeProvider _time = new();

    // ---- A fresh ledger ------------------------------------------------------------------------------------------

    [Fact]
    public void New_NothingSent_HoldsNothingWaitsForNothingBelievesNotFound()
    {
        var ledger = new RegistrationLedger(_time);

        Assert.False(ledger.MayHoldInstance);
        Assert.False(ledger.IsConfirmed);
        Assert.Null(ledger.PendingOperationId);
        Assert.False(ledger.IsWithinVisibilityGrace);
        Assert.Equal(TimeSpan.Zero, ledger.VisibilityGraceElapsed);
    }

    // ---- The happy path ------------------------------------------------------------------------------------------

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public void Sent_MayHoldAndNotVisibleYet_ButNotConfirmed()
    {
        var ledger = new RegistrationLedger(_time);

        ledger.Sent();

        Assert.True(ledger.MayHoldInstance);
        Assert.False(ledger.IsConfirmed);
        Assert.Null(ledger.PendingOperationId);
        Assert.True(ledger.IsWithinVisibilityGrace);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public void Accepted_RemembersTheOperationToWaitFor()
    {
        var ledger = new RegistrationLedger(_time);
        ledger.Sent();

        ledger.Accepted("op-1");

        Assert.Equal("op-1", ledger.PendingOperationId);
        Assert.True(ledger.MayHoldInstance);
    }

    [Fact]
    public void Accepted_EmptyOperationId_Throws()
    {
        var ledger = new RegistrationLedger(_time);

        Assert.Throws<ArgumentException>(() => ledger.Accepted(string.Empty));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public void OperationFinishedThenConfirmed_Registered_NothingPendingAndFreshGrace()
    {
        var ledger = RegisteredLedger(sentAgo: TimeSpan.FromSeconds(20));

        Assert.True(ledger.IsConfirmed);
        Assert.True(ledger.MayHoldInstance);
        Assert.Null(ledger.PendingOperationId);
        Assert.Equal(TimeSpan.Zero, ledger.VisibilityGraceElapsed);
        Assert.True(ledger.IsWithinVisibilityGrace);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    [Trait(Guarantees.Trait, Guarantees.G6)]
    public void Confirmed_CountsAsJustVerifiedAndPushed()
    {
        var ledger = RegisteredLedger();

        _time.Advance(Reassert - TimeSpan.FromTicks(1));
        Assert.False(ledger.IsVerificationDue(Reassert));
        Assert.False(ledger.IsReassertDue(Reassert));

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.True(ledger.IsVerificationDue(Reassert));
        Assert.True(ledger.IsReassertDue(Reassert));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    [Trait(Guarantees.Trait, Guarantees.G6)]
    public void VerifiedAndPushed_RestartTheirOwnIntervalsOnly()
    {
        var ledger = RegisteredLedger();
        _time.Advance(TimeSpan.FromMinutes(10));

        ledger.Verified();
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.False(ledger.IsVerificationDue(Reassert));
        Assert.True(ledger.IsReassertDue(Reassert));
        ledger.Pushed();
        Assert.False(ledger.IsReassertDue(Reassert));
    }

    // ---- The visibility grace ------------------------------------------------------------------------------------

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    [Trait(Guarantees.Trait, Guarantees.G6)]
    public void VisibilityGrace_EndsExactlyAfterThePeriod()
    {
        var ledger = RegisteredLedger();

        _time.Advance(Grace - TimeSpan.FromTicks(1));
        Assert.True(ledger.IsWithinVisibilityGrace);

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.False(ledger.IsWithinVisibilityGrace);
        Assert.Equal(Grace, ledger.VisibilityGraceElapsed);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public void SentAgain_RetryRestartsTheGrace()
    {
        var ledger = new RegistrationLedger(_time);
        ledger.Sent();
        _time.Advance(Grace);
        Assert.False(ledger.IsWithinVisibilityGrace);

        ledger.Sent();

        Assert.True(ledger.IsWithinVisibilityGrace);
    }

    // Zombie (aefea4a): the health loop and the deregistration read one grace clock. InstanceNotFound right after
    // registering is "not visible yet" for a push as much as for a deregistration; later it means "vanished".
    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    [Trait(Guarantees.Trait, Guarantees.G6)]
    public void Zombie_InstanceNotFoundRightAfterRegistering_IsNotVisibleYetForHealthAndDeregistrationAlike()
    {
        var ledger = RegisteredLedger(sentAgo: TimeSpan.FromMinutes(5));

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(ledger.IsWithinVisibilityGrace);

        _time.Advance(Grace);
        Assert.False(ledger.IsWithinVisibilityGrace);
    }

    // ---- Rejected ------------------------------------------------------------------------------------------------

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public void Rejected_NotConfirmed_InstanceNotFoundIsBelievedButAStopStillLooks()
    {
        var ledger = new RegistrationLedger(_time);
        ledger.Sent();

        ledger.Rejected();

        Assert.False(ledger.IsWithinVisibilityGrace);
        Assert.Null(ledger.PendingOperationId);
        Assert.True(ledger.MayHoldInstance);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public void Rejected_WhileConfirmed_KeepsTheGraceOfTheConfirmedRegistration()
    {
        var ledger = RegisteredLedger();

        ledger.Rejected();

        Assert.True(ledger.IsWithinVisibilityGrace);
        Assert.True(ledger.IsConfirmed);
    }

    // Zombie: the first attempt was accepted but its operation was never seen to finish; the retry is throttled (4xx).
    // The rejection of the retry must not forget the first attempt's operation: its instance may still appear.
    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public void Zombie_AcceptedThenRetryRejected_StillWaitsForTheFirstOperation()
    {
        var ledger = new RegistrationLedger(_time);
        ledger.Sent();
        ledger.Accepted("op-first");

        ledger.Sent();
        ledger.Rejected();

        Assert.Equal("op-first", ledger.PendingOperationId);
        Assert.True(ledger.MayHoldInstance);
    }

    // ---- Stop while a registration is in flight (G3) -------------------------------------------------------------

    // Zombie (f8b90be): RegisterInstance was accepted but GetOperation failed, then the stop came. The deregistration
    // waits for the operation, and once it succeeded the instance may not be visible yet: InstanceNotFound is retried.
    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public void Zombie_AcceptedButOperationNeverConfirmed_WaitForItThenGraceFromItsSuccess()
    {
        var ledger = new RegistrationLedger(_time);
        ledger.Sent();
        ledger.Accepted("op-1");
        _time.Advance(TimeSpan.FromMinutes(2)); // GetOperation failed; the grace of the send has run out

        Assert.Equal("op-1", ledger.PendingOperationId);
        Assert.True(ledger.MayHoldInstance);
        Assert.False(ledger.IsWithinVisibilityGrace);

        ledger.OperationFinished();
        ledger.MayNotBeVisibleYet();

        Assert.Null(ledger.PendingOperationId);
        Assert.True(ledger.IsWithinVisibilityGrace);
        Assert.False(ledger.IsConfirmed);
    }

    [Fact]
    public void PendingOperationFailedAtStop_NotConfirmed_InstanceNotFoundIsBelieved()
    {
        var ledger = new RegistrationLedger(_time);
        ledger.Sent();
        ledger.Accepted("op-1");

        ledger.OperationFinished();
        ledger.Rejected();

        Assert.Null(ledger.PendingOperationId);
        Assert.False(ledger.IsWithinVisibilityGrace);
    }

    // Zombie (bb51fc9): a registration still in flight at stop is abandoned after half the budget. Whatever it reached
    // is remembered: the accepted operation, or at least "sent" with its grace, so the stop deregisters it.
    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public void Zombie_RegistrationAbandonedAfterAcceptance_OperationIsRemembered()
    {
        var ledger = new RegistrationLedger(_time);
        ledger.Sent();
        ledger.Accepted("op-slow");

        _time.Advance(TimeSpan.FromSeconds(5)); // half of the default 10 s budget; the registration is abandoned

        Assert.True(ledger.MayHoldInstance);
        Assert.Equal("op-slow", ledger.PendingOperationId);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public void Zombie_RegistrationAbandonedBeforeAnyAnswer_OutcomeUnknownSoNotFoundIsRetried()
    {
        var ledger = new RegistrationLedger(_time);
        ledger.Sent();

        _time.Advance(TimeSpan.FromSeconds(5)); // no answer, no operation id: Cloud Map may or may not have it

        Assert.True(ledger.MayHoldInstance);
        Assert.Null(ledger.PendingOperationId);
        Assert.True(ledger.IsWithinVisibilityGrace);
    }

    // Zombie (8d43553): a stop right after registering; GetInstance answers InstanceNotFound (not propagated yet). It is
    // retried within the grace, not taken as "already gone".
    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public void Zombie_StopRightAfterRegistering_InstanceNotFoundIsNotGone()
    {
        var ledger = RegisteredLedger();

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(ledger.MayHoldInstance);
        Assert.True(ledger.IsWithinVisibilityGrace);
    }

    // Zombie: the operation took longer than the grace (accepted 40 s before its success). The grace counts from the
    // success, not from the send.
    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public void Zombie_SlowOperationSucceeds_GraceCountsFromTheSuccess()
    {
        var ledger = new RegistrationLedger(_time);
        ledger.Sent();
        ledger.Accepted("op-1");
        _time.Advance(TimeSpan.FromSeconds(40));

        ledger.OperationFinished();
        ledger.Confirmed();

        Assert.True(ledger.IsWithinVisibilityGrace);
        Assert.Equal(TimeSpan.Zero, ledger.VisibilityGraceElapsed);
    }

    // A DuplicateRequest answered by waiting for the other operation and finding the registration ours confirms it,
    // but an earlier accepted operation of ours is still awaited at stop (it may yet re-create the instance).
    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public void Zombie_ConfirmedThroughDuplicateRequest_EarlierOperationIsStillAwaited()
    {
        var ledger = new RegistrationLedger(_time);
        ledger.Sent();
        ledger.Accepted("op-lost-answer");
        ledger.Sent();
        ledger.Rejected(); // DuplicateRequest is a 4xx

        ledger.Confirmed();

        Assert.True(ledger.IsConfirmed);
        Assert.Equal("op-lost-answer", ledger.PendingOperationId);
    }

    // ---- After registration: vanished, removed, taken over -------------------------------------------------------

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    [Trait(Guarantees.Trait, Guarantees.G6)]
    public void Vanished_NotConfirmedAnyMore_ButMayStillHold()
    {
        var ledger = RegisteredLedger();
        _time.Advance(TimeSpan.FromMinutes(5));

        ledger.Vanished();

        Assert.False(ledger.IsConfirmed);
        Assert.True(ledger.MayHoldInstance);
    }

    [Fact]
    public void Removed_HoldsNothingAndBelievesNotFound()
    {
        var ledger = RegisteredLedger();

        ledger.Removed();

        Assert.False(ledger.IsConfirmed);
        Assert.False(ledger.MayHoldInstance);
        Assert.False(ledger.IsWithinVisibilityGrace);
        Assert.Null(ledger.PendingOperationId);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    public void LeftToAnotherOwner_NotOursAnyMore_AStopStillChecksOwnership()
    {
        var ledger = RegisteredLedger();

        ledger.LeftToAnotherOwner();

        Assert.False(ledger.IsConfirmed);
        Assert.True(ledger.MayHoldInstance);
    }

    // No custom health: deregistered while unhealthy, registered again once healthy; a stop in between sends nothing.
    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public void RemovedWhileUnhealthyThenSentAgain_HoldsAgainWithAFreshGrace()
    {
        var ledger = RegisteredLedger();
        ledger.Removed();
        Assert.False(ledger.MayHoldInstance);
        _time.Advance(TimeSpan.FromMinutes(1));

        ledger.Sent();

        Assert.True(ledger.MayHoldInstance);
        Assert.True(ledger.IsWithinVisibilityGrace);
        Assert.False(ledger.IsConfirmed);
    }

    [Fact]
    public void ToString_NamesEveryFact()
    {
        var ledger = new RegistrationLedger(_time);
        ledger.Sent();
        ledger.Accepted("op-7");

        Assert.Equal("holds: True, confirmed: False, pending: op-7, within grace: True", ledger.ToString());
    }

    /// <summary>Sent, accepted, operation seen to succeed <paramref name="sentAgo"/> after sending, confirmed.</summary>
    private RegistrationLedger RegisteredLedger(TimeSpan sentAgo = default)
    {
        var ledger = new RegistrationLedger(_time);
        ledger.Sent();
        ledger.Accepted("op-register");
        _time.Advance(sentAgo);
        ledger.OperationFinished();
        ledger.Confirmed();
        return ledger;
    }
}
