// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Scenarios.Infrastructure;
using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.TestInfrastructure;

namespace CloudMap.Lifecycle.Scenarios.Tests;

/// <summary>
/// Scenario 8's measurement: crash → unlisted, wrongful removals of live instances and zombies, polled on a fake clock
/// against a scripted registry.
/// </summary>
public sealed class CrashWatchTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task WaitForRemoval_UnlistedAfter40Seconds_MeasuresFromTheCrashToTheFirstPollWithoutIt()
    {
        var time = new TimerCountingFakeTimeProvider();
        var registry = new ScriptedRegistry(time, "a", "b", "c");
        await using var watch = new CrashWatch(time, registry.PollAsync, Interval);
        watch.Start();
        await time.StepAsync(TimeSpan.FromSeconds(5), cancellationToken: TestContext.Current.CancellationToken);
        watch.Dead("b");
        registry.RemoveAt("b", TimeSpan.FromSeconds(45.1));

        var removal = watch.WaitForRemovalAsync("b", TimeSpan.FromSeconds(150), TestContext.Current.CancellationToken);
        await time.AdvanceUntilAsync(removal, Interval, timers: 2, maxSteps: 1000, cancellationToken: TestContext.Current.CancellationToken);

        // Unlisted at 45.1 s; the first poll after that is at 45.25 s, 40.25 s after the crash at 5 s.
        Assert.Equal(TimeSpan.FromSeconds(40.25), await removal);
        Assert.Empty(watch.Zombies());
        Assert.Equal(0, watch.WrongfulRemovals);
    }

    [Fact]
    public async Task WaitForRemoval_StillListedAtTheDeadline_ReturnsNullAndCountsAZombie()
    {
        var time = new TimerCountingFakeTimeProvider();
        var registry = new ScriptedRegistry(time, "a", "b", "c");
        await using var watch = new CrashWatch(time, registry.PollAsync, Interval);
        watch.Start();
        watch.Dead("b");

        var removal = watch.WaitForRemovalAsync("b", TimeSpan.FromSeconds(150), TestContext.Current.CancellationToken);
        await time.AdvanceUntilAsync(removal, Interval, timers: 2, maxSteps: 1000, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Null(await removal);
        Assert.True(time.GetUtcNow() - registry.Start >= TimeSpan.FromSeconds(150));
        Assert.Equal(["b"], watch.Zombies());
    }

    [Fact]
    public async Task Observe_LiveInstanceUnlistedTwice_CountsTwoWrongfulRemovals()
    {
        var time = new TimerCountingFakeTimeProvider();
        await using var watch = new CrashWatch(time, _ => Task.FromResult<IReadOnlySet<string>?>(null), Interval);
        watch.Live("a");
        watch.Live("b");
        watch.Live("late");

        watch.Observe(Set("a", "b"));
        watch.Observe(Set("a"));
        watch.Observe(null);
        watch.Observe(Set("a"));
        watch.Observe(Set("a", "b"));
        watch.Observe(Set("b"));

        // "late" was never listed yet: not judged. b's one disappearance over two polls counts once, a's once.
        Assert.Equal(2, watch.WrongfulRemovals);
        Assert.Equal(1, watch.FailedPolls);
        Assert.Contains(watch.WrongfulDetails, d => d.StartsWith("b unlisted", StringComparison.Ordinal));
        Assert.Contains(watch.WrongfulDetails, d => d.StartsWith("a unlisted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dead_RetiredInstanceAlreadyUnlisted_IsRemovedAtZeroAndNotWrongful()
    {
        var time = new TimerCountingFakeTimeProvider();
        await using var watch = new CrashWatch(time, _ => Task.FromResult<IReadOnlySet<string>?>(null), Interval);
        watch.Live("a");
        watch.Live("b");
        watch.Observe(Set("a", "b"));

        // SIGTERM: b deregisters itself (expected), then gets SIGKILL.
        watch.Retire("b");
        watch.Observe(Set("a"));
        time.Advance(TimeSpan.FromSeconds(2));
        watch.Dead("b");

        Assert.Equal(TimeSpan.Zero, await watch.WaitForRemovalAsync("b", TimeSpan.FromSeconds(150), TestContext.Current.CancellationToken));
        Assert.Equal(0, watch.WrongfulRemovals);
    }

    [Theory]
    [InlineData("dbug: CloudMap.Lifecycle.Internal.CloudMapRegistrationService[1114] Cloud Map registration 'demo.local/sample/sample-1': cleanup sweep: 3 verifiable peers of 3 instances, 2 watched; probes: 1 alive, 1 refused, 0 foreign, 0 unknown; 0 with enough evidence, 0 removed (at most 1).", 2)]
    [InlineData("cleanup sweep: 2 verifiable peers of 2 instances, 1 watched; probes: 0 alive, 0 refused, 1 foreign, 3 unknown; 1 with enough evidence, 1 removed (at most 1); held (self-preservation).", 4)]
    [InlineData("no cleanup sweep: not healthy.", 0)]
    public void ProbesInSweepLine_SumsTheOutcomes(string line, int probes) =>
        Assert.Equal(probes, Scenarios.CrashCleanupScenario.ProbesInSweepLine(line));

    private static HashSet<string> Set(params string[] ids) => [.. ids];

    /// <summary>A registry whose instances disappear at scripted times on the fake clock.</summary>
    private sealed class ScriptedRegistry(TimeProvider time, params string[] ids)
    {
        private readonly Dictionary<string, TimeSpan> removals = new(StringComparer.Ordinal);

        public DateTimeOffset Start { get; } = time.GetUtcNow();

        public void RemoveAt(string id, TimeSpan at) => removals[id] = at;

        public Task<IReadOnlySet<string>?> PollAsync(CancellationToken cancellationToken)
        {
            var elapsed = time.GetUtcNow() - Start;
            IReadOnlySet<string> listed = ids.Where(id => !removals.TryGetValue(id, out var at) || elapsed < at).ToHashSet(StringComparer.Ordinal);
            return Task.FromResult<IReadOnlySet<string>?>(listed);
        }
    }
}
