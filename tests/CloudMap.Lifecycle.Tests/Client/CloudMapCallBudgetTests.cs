// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>A caller's budget (<see cref="CloudMapCallContext.LimitAttempts"/>) cuts every attempt to half of what is left of it.</summary>
public sealed class CloudMapCallBudgetTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly TimerCountingFakeTimeProvider _clock = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ExecuteAsync_WithinABudget_EachHungAttemptGetsHalfOfWhatIsLeft()
    {
        var pipeline = CreatePipeline(TimeSpan.FromSeconds(10));
        var timeouts = new List<TimeSpan>();
        Task<int> call;
        using (CloudMapCallContext.LimitAttempts(_clock, TimeSpan.FromSeconds(8)))
        {
            call = pipeline.ExecuteAsync<object?, int>(
                "GetInstance",
                null,
                async (_, context, token) =>
                {
                    timeouts.Add(context.AttemptTimeout);
                    if (context.Attempt < 3)
                    {
                        await new TaskCompletionSource().Task.WaitAsync(token); // never answers
                    }

                    return context.Attempt;
                },
                Ct);
        }

        await _clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        _clock.Advance(TimeSpan.FromSeconds(4)); // attempt 1: half of 8 s
        await _clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        _clock.Advance(TimeSpan.FromSeconds(2)); // attempt 2: half of the 4 s left

        Assert.Equal(3, await call.WaitAsync(Guard, Ct));
        Assert.Equal([TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)], timeouts);
    }

    [Fact]
    public async Task ExecuteAsync_OutsideTheBudgetScope_KeepsTheConfiguredAttemptTimeout()
    {
        var pipeline = CreatePipeline(TimeSpan.FromSeconds(10));
        using (CloudMapCallContext.LimitAttempts(_clock, TimeSpan.FromSeconds(2)))
        {
        }

        var timeout = await pipeline.ExecuteAsync<object?, TimeSpan>("GetInstance", null, static (_, context, _) => ValueTask.FromResult(context.AttemptTimeout), Ct);

        Assert.Equal(TimeSpan.FromSeconds(10), timeout);
    }

    public void Dispose() => _meters.Dispose();

    private CloudMapCallPipeline CreatePipeline(TimeSpan attemptTimeout) => new(
        Options.Create(new CloudMapClientOptions { AttemptTimeout = attemptTimeout, MaxAttempts = 3, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero }),
        _clock,
        new CloudMapClientMetrics(_meters.GetRequiredService<IMeterFactory>()),
        new CloudMapClientEnvironment { NextRandom = static () => 0d },
        NullLogger<CloudMapCallPipeline>.Instance);
}
