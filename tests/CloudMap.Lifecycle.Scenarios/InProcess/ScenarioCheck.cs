// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.InProcess;

/// <summary>
/// An app health check a scenario drives: healthy or not, or hung, as a check stuck in a blocking database or HTTP
/// call is: once <see cref="Hang"/> is called every run waits, ignoring its cancellation token, until
/// <see cref="Release"/> (which only the scenario's cleanup calls).
/// </summary>
internal sealed class ScenarioCheck
{
    private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool healthy;
    private volatile bool hanging;
    private int hungRuns;

    public ScenarioCheck(bool healthy) => this.healthy = healthy;

    public bool Healthy
    {
        get => healthy;
        set => healthy = value;
    }

    /// <summary>Gets how many runs entered the hang (each one is still waiting until <see cref="Release"/>).</summary>
    public int HungRuns => Volatile.Read(ref hungRuns);

    public void Hang() => hanging = true;

    public void Release()
    {
        hanging = false;
        released.TrySetResult();
    }

    /// <summary>The check itself: deliberately does not observe <paramref name="cancellationToken"/> while hung.</summary>
    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        if (hanging)
        {
            Interlocked.Increment(ref hungRuns);
            await released.Task.ConfigureAwait(false);
        }

        return healthy;
    }
}
