// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// What Cloud Map may hold for one registration, and what a deregistration must know about it so that no zombie is
/// left behind (G3). The steps report what happened through named transitions; they never set these facts in pairs.
/// </summary>
/// <remarks>
/// <para>
/// Four facts, each answering a question a step asks:
/// <list type="bullet">
/// <item><see cref="MayHoldInstance"/>: a RegisterInstance of ours may have reached Cloud Map and not been undone, so a
/// stop must look (GetInstance) before it may conclude there is nothing to remove.</item>
/// <item><see cref="PendingOperationId"/>: Cloud Map accepted a RegisterInstance whose operation we never saw finish; its
/// instance appears only once that operation succeeds, so a deregistration waits for it first.</item>
/// <item><see cref="IsWithinVisibilityGrace"/>: Cloud Map is eventually consistent, so InstanceNotFound shortly after a
/// registration may only mean "not visible yet"; believing it would leave a zombie once the instance appears.</item>
/// <item><see cref="IsSuperseded"/>: another process registered the same instance id over ours, so the health step
/// may neither push onto that entry nor register over it (G4, G5) until it disappears (G6).</item>
/// </list>
/// </para>
/// <para>
/// Not thread-safe: written by one step at a time (the background work, then <c>StoppingAsync</c> once that work has
/// ended; the task's completion orders the writes before the reads).
/// </para>
/// </remarks>
internal sealed class RegistrationLedger(TimeProvider timeProvider)
{
    /// <summary>
    /// How long after a registration was sent (or its operation was seen to succeed) an InstanceNotFound is taken for
    /// "not visible yet" rather than "gone".
    /// </summary>
    public static readonly TimeSpan VisibilityGracePeriod = TimeSpan.FromSeconds(30);

    private readonly TimeProvider _time = timeProvider;
    private long? _visibilityGraceFrom;
    private long _lastVerifiedAt;
    private long _lastPushedAt;

    /// <summary>Gets a value indicating whether a RegisterInstance of ours may be in Cloud Map and not undone yet.</summary>
    public bool MayHoldInstance { get; private set; }

    /// <summary>Gets a value indicating whether the latest registration was seen to succeed and has not been lost since.</summary>
    public bool IsConfirmed { get; private set; }

    /// <summary>
    /// Gets a value indicating whether another process registered the same instance id over ours (G4): health is no
    /// longer pushed for it and nothing is registered over it, until that registration disappears too.
    /// </summary>
    public bool IsSuperseded { get; private set; }

    /// <summary>Gets the owner token of the registration that superseded ours, when it carries one.</summary>
    public string? SupersedingOwner { get; private set; }

    /// <summary>Gets the operation of an accepted RegisterInstance that was never seen to finish, if any: wait for it before deregistering.</summary>
    public string? PendingOperationId { get; private set; }

    /// <summary>Gets a value indicating whether an InstanceNotFound may still mean "not visible yet".</summary>
    public bool IsWithinVisibilityGrace => _visibilityGraceFrom is { } from && _time.GetElapsedTime(from) < VisibilityGracePeriod;

    /// <summary>Gets how long ago the current visibility grace started (zero when there is none); for messages.</summary>
    public TimeSpan VisibilityGraceElapsed => _visibilityGraceFrom is { } from ? _time.GetElapsedTime(from) : TimeSpan.Zero;

    /// <summary>A RegisterInstance is about to be sent: from now on Cloud Map may hold it, and may not show it for a while.</summary>
    public void Sent()
    {
        MayHoldInstance = true;
        _visibilityGraceFrom = _time.GetTimestamp();
    }

    /// <summary>Cloud Map accepted the RegisterInstance with <paramref name="operationId"/>: its instance appears once that operation succeeds.</summary>
    public void Accepted(string operationId)
    {
        ArgumentException.ThrowIfNullOrEmpty(operationId);
        PendingOperationId = operationId;
    }

    /// <summary>
    /// Cloud Map applied nothing for the latest attempt (it answered a client error, or the awaited operation failed):
    /// unless a registration is confirmed, an InstanceNotFound is the truth. An earlier accepted operation is still awaited.
    /// </summary>
    public void Rejected()
    {
        if (!IsConfirmed)
        {
            _visibilityGraceFrom = null;
        }
    }

    /// <summary>The accepted operation was seen to finish (SUCCESS or FAIL): there is nothing left to wait for.</summary>
    public void OperationFinished() => PendingOperationId = null;

    /// <summary>The pending operation was seen to succeed only now: its instance may not be visible yet.</summary>
    public void MayNotBeVisibleYet() => _visibilityGraceFrom = _time.GetTimestamp();

    /// <summary>The registration is confirmed (its operation succeeded, or Cloud Map shows it as ours): it starts a fresh grace, and counts as just verified and pushed.</summary>
    public void Confirmed()
    {
        var now = _time.GetTimestamp();
        IsConfirmed = true;
        IsSuperseded = false;
        SupersedingOwner = null;
        _visibilityGraceFrom = now;
        _lastVerifiedAt = now;
        _lastPushedAt = now;
    }

    /// <summary>
    /// The registration disappeared (InstanceNotFound past the grace): it must be registered again. When it was another
    /// process's registration that superseded ours, the id is ours again.
    /// </summary>
    public void Vanished()
    {
        IsConfirmed = false;
        IsSuperseded = false;
        SupersedingOwner = null;
    }

    /// <summary>Our registration was removed, or was already gone: Cloud Map holds nothing of ours.</summary>
    public void Removed()
    {
        IsConfirmed = false;
        IsSuperseded = false;
        SupersedingOwner = null;
        MayHoldInstance = false;
        _visibilityGraceFrom = null;
    }

    /// <summary>
    /// The instance id now belongs to another process (G4), owner unknown: ours is no longer there. See
    /// <see cref="LeftToAnotherOwner(string?)"/>.
    /// </summary>
    public void LeftToAnotherOwner() => LeftToAnotherOwner(owner: null);

    /// <summary>
    /// The instance id now belongs to another process (G4) whose registration carries <paramref name="owner"/> (if any):
    /// ours is no longer there, so nothing is pushed onto it and nothing registered over it (<see cref="IsSuperseded"/>).
    /// <see cref="MayHoldInstance"/> stays set, so a later stop still checks ownership (one GetInstance) instead of
    /// assuming. An owner already known is kept when the new one is unknown.
    /// </summary>
    public void LeftToAnotherOwner(string? owner)
    {
        IsConfirmed = false;
        IsSuperseded = true;
        SupersedingOwner = owner ?? SupersedingOwner;
    }

    /// <summary>GetInstance (or a revision check) showed the registration is still there.</summary>
    public void Verified() => _lastVerifiedAt = _time.GetTimestamp();

    /// <summary>UpdateInstanceCustomHealthStatus was accepted.</summary>
    public void Pushed() => _lastPushedAt = _time.GetTimestamp();

    /// <summary>Whether the registration was last verified at least <paramref name="interval"/> ago.</summary>
    public bool IsVerificationDue(TimeSpan interval) => _time.GetElapsedTime(_lastVerifiedAt) >= interval;

    /// <summary>Whether the custom health status was last pushed (or registered) at least <paramref name="interval"/> ago.</summary>
    public bool IsReassertDue(TimeSpan interval) => _time.GetElapsedTime(_lastPushedAt) >= interval;

    public override string ToString() =>
        $"holds: {MayHoldInstance}, confirmed: {IsConfirmed}, pending: {PendingOperationId ?? "-"}, within grace: {IsWithinVisibilityGrace}"
        + (IsSuperseded ? $", superseded by: {SupersedingOwner ?? "(unknown)"}" : string.Empty);
}
