// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Tests;

public sealed class FakeTimeProviderTests
{
    [Fact]
    public async Task Delay_CompletesOnlyWhenClockReachesDueTime()
    {
        var clock = new FakeTimeProvider();
        var delay = Task.Delay(TimeSpan.FromSeconds(10), clock, TestContext.Current.CancellationToken);

        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(delay.IsCompleted);

        clock.Advance(TimeSpan.FromSeconds(1));
        await delay;
        Assert.Equal(FakeTimeProvider.DefaultStart.AddSeconds(10), clock.GetUtcNow());
    }

    [Fact]
    public void Advance_FiresTimersInDueOrder_AtTheirOwnDueTime()
    {
        var clock = new FakeTimeProvider();
        var fired = new List<(string Name, DateTimeOffset At)>();
        using var late = clock.CreateTimer(_ => fired.Add(("late", clock.GetUtcNow())), null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        using var early = clock.CreateTimer(_ => fired.Add(("early", clock.GetUtcNow())), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(
            [("early", clock.Start.AddSeconds(2)), ("late", clock.Start.AddSeconds(5))],
            fired);
    }

    [Fact]
    public void PeriodicTimer_FiresOncePerPeriod()
    {
        var clock = new FakeTimeProvider();
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(10, count);
    }

    [Fact]
    public async Task WaitForTimersAsync_CompletesWhenCodeArmsATimer()
    {
        var clock = new FakeTimeProvider();
        var wait = clock.WaitForTimersAsync(1, TestContext.Current.CancellationToken);
        Assert.False(wait.IsCompleted);

        using var timer = clock.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        await wait;
        Assert.Equal(1, clock.ArmedTimerCount);
    }

    [Fact]
    public void SetUtcNow_Backwards_Throws()
    {
        var clock = new FakeTimeProvider();
        clock.Advance(TimeSpan.FromSeconds(1));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => clock.SetUtcNow(clock.Start));

        Assert.Equal("value", error.ParamName);
    }

    [Fact]
    public void DisposedTimer_NeverFires()
    {
        var clock = new FakeTimeProvider();
        var fired = false;
        var timer = clock.CreateTimer(_ => fired = true, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        timer.Dispose();
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.False(fired);
        Assert.Equal(0, clock.ArmedTimerCount);
    }
}
