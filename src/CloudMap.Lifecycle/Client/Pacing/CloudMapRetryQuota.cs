// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Client.Pacing;

/// <summary>
/// The retry quota of the AWS SDKs' standard retry mode (botocore <c>retries/quota.py</c> <c>RetryQuota</c> and
/// <c>retries/standard.py</c> <c>RetryQuotaChecker</c>; AWSSDK.Core <c>CapacityManager</c>): every retry spends
/// capacity, every success gives some back, and when the capacity is spent a failed attempt is not retried. So an
/// endpoint that fails every call costs one attempt per call, not <c>MaxAttempts</c>, once the quota is empty:
/// a broken endpoint cannot turn retries into a storm. Shared by every client of the process for one endpoint.
/// </summary>
internal sealed class CloudMapRetryQuota
{
    /// <summary>The capacity a quota starts (and is capped) at: 500 (botocore <c>RetryQuota.INITIAL_CAPACITY</c>, AWSSDK.Core <c>initialRetryTokens</c>).</summary>
    public const int InitialCapacity = 500;

    /// <summary>What a retry costs: 5 (botocore <c>RetryQuotaChecker._RETRY_COST</c>, AWSSDK.Core <c>retryCost</c>).</summary>
    public const int RetryCost = 5;

    /// <summary>What a retry after a timeout (no answer) costs: 10 (botocore <c>_TIMEOUT_RETRY_REQUEST</c>, AWSSDK.Core <c>timeoutRetryCost</c>).</summary>
    public const int TimeoutRetryCost = 10;

    /// <summary>What a call that succeeded at its first attempt gives back: 1 (botocore <c>_NO_RETRY_INCREMENT</c>, AWSSDK.Core <c>noRetryIncrement</c>).</summary>
    public const int NoRetryRefund = 1;

    private int _available = InitialCapacity;

    /// <summary>Gets the capacity left.</summary>
    public int Available => Volatile.Read(ref _available);

    /// <summary>Spends the cost of one retry; <see langword="false"/> (and nothing spent) when the quota cannot pay it.</summary>
    /// <param name="afterTimeout">The attempt got no answer (timed out or the connection failed).</param>
    /// <param name="cost">What was spent, to give back if the call then succeeds.</param>
    public bool TryAcquire(bool afterTimeout, out int cost)
    {
        var amount = afterTimeout ? TimeoutRetryCost : RetryCost;
        var available = Volatile.Read(ref _available);
        while (available >= amount)
        {
            var seen = Interlocked.CompareExchange(ref _available, available - amount, available);
            if (seen == available)
            {
                cost = amount;
                return true;
            }

            available = seen;
        }

        cost = 0;
        return false;
    }

    /// <summary>Gives back <paramref name="amount"/> after a success, never above <see cref="InitialCapacity"/>.</summary>
    public void Release(int amount)
    {
        var available = Volatile.Read(ref _available);
        while (available < InitialCapacity)
        {
            var seen = Interlocked.CompareExchange(ref _available, Math.Min(InitialCapacity, available + amount), available);
            if (seen == available)
            {
                return;
            }

            available = seen;
        }
    }
}
