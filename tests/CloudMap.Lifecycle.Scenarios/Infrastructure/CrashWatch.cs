// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>
/// Watches one crash case: every <c>interval</c> it asks which instance ids are registered (the poll; a failed poll
/// returns <see langword="null"/> and judges nothing) and keeps three tallies. A <b>dead</b> instance's removal time is
/// the first poll that no longer lists it, measured from the moment it was declared dead. A <b>live</b> instance that was
/// listed and then is not is a wrongful removal (one per disappearance; the library may register it again). Instances
/// <b>retired</b> by the scenario (a graceful stop) are no longer judged. Time comes from a <see cref="TimeProvider"/>,
/// so the logic is tested on a fake clock.
/// </summary>
internal sealed class CrashWatch : IAsyncDisposable
{
    private readonly TimeProvider time;
    private readonly Func<CancellationToken, Task<IReadOnlySet<string>?>> poll;
    private readonly TimeSpan interval;
    private readonly Lock gate = new();
    private readonly Dictionary<string, LiveState> live = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> deadSince = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> removedAt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskCompletionSource> removalWaiters = new(StringComparer.Ordinal);
    private readonly List<string> wrongful = [];
    private readonly CancellationTokenSource stopping = new();
    private IReadOnlySet<string> lastRegistered = new HashSet<string>(StringComparer.Ordinal);
    private Task? loop;
    private int polls;
    private int failedPolls;

    public CrashWatch(TimeProvider time, Func<CancellationToken, Task<IReadOnlySet<string>?>> poll, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(poll);
        this.time = time;
        this.poll = poll;
        this.interval = interval;
        Started = time.GetTimestamp();
    }

    /// <summary>Gets when the watch was created (a <see cref="TimeProvider"/> timestamp).</summary>
    public long Started { get; }

    /// <summary>Gets how many polls answered.</summary>
    public int Polls
    {
        get
        {
            lock (gate)
            {
                return polls;
            }
        }
    }

    /// <summary>Gets how many polls failed (not judged).</summary>
    public int FailedPolls
    {
        get
        {
            lock (gate)
            {
                return failedPolls;
            }
        }
    }

    /// <summary>Gets how often a live instance that was listed disappeared.</summary>
    public int WrongfulRemovals
    {
        get
        {
            lock (gate)
            {
                return wrongful.Count;
            }
        }
    }

    /// <summary>Gets one line per wrongful removal: the instance and when (seconds since the watch started).</summary>
    public IReadOnlyList<string> WrongfulDetails
    {
        get
        {
            lock (gate)
            {
                return [.. wrongful];
            }
        }
    }

    /// <summary>Gets what the last answered poll listed.</summary>
    public IReadOnlySet<string> LastRegistered
    {
        get
        {
            lock (gate)
            {
                return lastRegistered;
            }
        }
    }

    /// <summary>Starts polling (the first poll at once).</summary>
    public void Start() => loop ??= RunAsync(stopping.Token);

    /// <summary>A running instance: from its first listing on, its disappearance is a wrongful removal.</summary>
    public void Live(string instanceId)
    {
        lock (gate)
        {
            live.TryAdd(instanceId, new LiveState());
        }
    }

    /// <summary>Stopped by the scenario on purpose (SIGTERM): its deregistration is expected, no longer judged.</summary>
    public void Retire(string instanceId)
    {
        lock (gate)
        {
            live.Remove(instanceId);
        }
    }

    /// <summary>Crashed now: no longer live; the time until no poll lists it is measured from now (0 when the last poll did not list it).</summary>
    public void Dead(string instanceId)
    {
        lock (gate)
        {
            live.Remove(instanceId);
            var now = time.GetTimestamp();
            deadSince[instanceId] = now;
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            removalWaiters[instanceId] = waiter;
            if (polls > 0 && !lastRegistered.Contains(instanceId))
            {
                // Gone already (a SIGTERMed instance that deregistered itself before the SIGKILL): 0.
                removedAt[instanceId] = now;
                waiter.TrySetResult();
            }
        }
    }

    /// <summary>The time from <see cref="Dead"/> to the first poll that did not list the instance, or null while it is listed.</summary>
    public TimeSpan? RemovedAfter(string instanceId)
    {
        lock (gate)
        {
            return removedAt.TryGetValue(instanceId, out var at) && deadSince.TryGetValue(instanceId, out var since)
                ? time.GetElapsedTime(since, at)
                : null;
        }
    }

    /// <summary>The removal time of a dead instance once it is unlisted, or null when <paramref name="deadline"/> (from its death) passed first.</summary>
    public async Task<TimeSpan?> WaitForRemovalAsync(string instanceId, TimeSpan deadline, CancellationToken cancellationToken)
    {
        Task removed;
        TimeSpan left;
        lock (gate)
        {
            if (!removalWaiters.TryGetValue(instanceId, out var waiter) || !deadSince.TryGetValue(instanceId, out var since))
            {
                throw new InvalidOperationException($"{instanceId} was not declared dead.");
            }

            removed = waiter.Task;
            left = deadline - time.GetElapsedTime(since);
        }

        if (!removed.IsCompleted)
        {
            try
            {
                await removed.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The removal may have been seen just before the deadline fired: the poll's time is what counts.
                return RemovedAfter(instanceId) is { } seen && seen <= deadline ? seen : null;
            }
        }

        return RemovedAfter(instanceId);
    }

    /// <summary>The dead instances the last answered poll still listed.</summary>
    public IReadOnlyList<string> Zombies()
    {
        lock (gate)
        {
            return [.. deadSince.Keys.Where(lastRegistered.Contains).Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Stops polling after one last poll, so <see cref="LastRegistered"/> is fresh.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (loop is null)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        loop = null;
        await PollOnceAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        stopping.Dispose();
    }

    /// <summary>Applies one poll's answer (the tallies' logic; public for the tests).</summary>
    internal void Observe(IReadOnlySet<string>? registered)
    {
        List<TaskCompletionSource> completed = [];
        lock (gate)
        {
            if (registered is null)
            {
                failedPolls++;
                return;
            }

            polls++;
            var now = time.GetTimestamp();
            lastRegistered = registered;
            foreach (var (id, state) in live)
            {
                if (registered.Contains(id))
                {
                    state.Seen = true;
                    state.Missing = false;
                }
                else if (state.Seen && !state.Missing)
                {
                    state.Missing = true;
                    wrongful.Add(Format.Invariant($"{id} unlisted {time.GetElapsedTime(Started, now).TotalSeconds:F1} s after the watch started"));
                }
            }

            foreach (var id in deadSince.Keys)
            {
                if (!removedAt.ContainsKey(id) && !registered.Contains(id))
                {
                    removedAt[id] = now;
                    completed.Add(removalWaiters[id]);
                }
            }
        }

        completed.ForEach(c => c.TrySetResult());
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await PollOnceAsync(cancellationToken).ConfigureAwait(false);
            await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        IReadOnlySet<string>? registered;
        try
        {
            registered = await poll(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            registered = null;
        }

        Observe(registered);
    }

    private sealed class LiveState
    {
        public bool Seen { get; set; }

        public bool Missing { get; set; }
    }
}
