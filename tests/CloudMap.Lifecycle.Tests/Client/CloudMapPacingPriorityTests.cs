// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Client.Pacing;
using Microsoft.Extensions.Time.Testing;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>Priorities under pressure (issue 15): while throttled, deregistrations go before health pushes, and those before cleanup reads.</summary>
public sealed class CloudMapPacingPriorityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Limiter_Throttled_DeregistrationGoesBeforeWaitingHealthAndCleanup()
    {
        var clock = new FakeTimeProvider();
        var limiter = new CloudMapAdaptiveRateLimiter(clock);
        limiter.OnAttemptEnded(throttled: true); // 0.5 tokens/s, empty: one token every 2 s

        var cleanup = limiter.AcquireAsync(CloudMapCallPriority.Cleanup, Timeout.InfiniteTimeSpan, Ct).AsTask();
        var health = limiter.AcquireAsync(CloudMapCallPriority.Health, Timeout.InfiniteTimeSpan, Ct).AsTask();
        var deregistration = limiter.AcquireAsync(CloudMapCallPriority.Deregistration, Timeout.InfiniteTimeSpan, Ct).AsTask();

        // The first token (at 2 s) is the deregistration's, though it asked last; then the health push's, then cleanup's.
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(2), await deregistration);
        Assert.False(health.IsCompleted);
        Assert.False(cleanup.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(4), await health);
        Assert.False(cleanup.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(6), await cleanup);
        Assert.Equal(0, limiter.Waiting);
    }

    [Fact]
    public async Task Limiter_Throttled_SamePriorityIsServedInOrder()
    {
        var clock = new FakeTimeProvider();
        var limiter = new CloudMapAdaptiveRateLimiter(clock);
        limiter.OnAttemptEnded(throttled: true);

        var first = limiter.AcquireAsync(CloudMapCallPriority.Health, Timeout.InfiniteTimeSpan, Ct).AsTask();
        var second = limiter.AcquireAsync(CloudMapCallPriority.Health, Timeout.InfiniteTimeSpan, Ct).AsTask();

        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(2), await first);
        Assert.False(second.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(4), await second);
    }

    [Fact]
    public async Task Limiter_PushedBackBeyondItsLimit_EndsAtTheLimit()
    {
        var clock = new FakeTimeProvider();
        var limiter = new CloudMapAdaptiveRateLimiter(clock);
        limiter.OnAttemptEnded(throttled: true);

        var cleanup = limiter.AcquireAsync(CloudMapCallPriority.Cleanup, TimeSpan.FromSeconds(3), Ct).AsTask();
        var deregistration = limiter.AcquireAsync(CloudMapCallPriority.Deregistration, Timeout.InfiniteTimeSpan, Ct).AsTask();

        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(2), await deregistration);
        Assert.False(cleanup.IsCompleted); // pushed from 2 s to 4 s, but it may wait 3 s at most
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(3), await cleanup);
    }

    [Fact]
    public async Task Limiter_WaiterCanceled_LeavesTheQueue()
    {
        var clock = new FakeTimeProvider();
        var limiter = new CloudMapAdaptiveRateLimiter(clock);
        limiter.OnAttemptEnded(throttled: true);
        using var cancel = new CancellationTokenSource();

        var waiting = limiter.AcquireAsync(CloudMapCallPriority.Normal, Timeout.InfiniteTimeSpan, cancel.Token).AsTask();
        Assert.Equal(1, limiter.Waiting);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, limiter.Waiting);
    }

    [Theory]
    [InlineData("ServiceDiscovery", "GetInstance", true, 3)] // Deregistration
    [InlineData("ServiceDiscovery", "DeregisterInstance", false, 3)] // Deregistration
    [InlineData("ServiceDiscovery", "UpdateInstanceCustomHealthStatus", false, 2)] // Health
    [InlineData("ServiceDiscovery", "RegisterInstance", false, 1)] // Normal
    [InlineData("ServiceDiscovery", "GetOperation", false, 1)] // Normal
    [InlineData("ServiceDiscovery", "ListInstances", false, 0)] // Cleanup
    [InlineData("ServiceDiscovery", "GetInstancesHealthStatus", false, 0)] // Cleanup
    [InlineData("ECS", "DescribeTasks", false, 0)] // Cleanup
    [InlineData("EC2", "DescribeInstances", false, 0)] // Cleanup
    public void Priorities_FollowWhatTheCallIs(string service, string operation, bool budgeted, int expected)
    {
        Assert.Equal((CloudMapCallPriority)expected, CloudMapCallPriorities.Of(service, operation, budgeted));
    }
}
