// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Janitor.Tests;

/// <summary><c>--interval</c>: the generic-host worker sweeps on the interval and ends cleanly between sweeps on a stop.</summary>
public sealed class WorkerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Interval_SweepsAgainAfterTheInterval_StopBetweenSweeps_ExitCode0()
    {
        await using var h = await JanitorHarness.StartAsync();
        var service = h.CreateService("orders");
        var later = h.RegisterEcsTasks(service, 3);
        using var stop = new CancellationTokenSource();

        var run = h.RunStoppableAsync(["--interval", "5m", "--confirm-delay", "0s", "--service", service], stop.Token);
        await h.Logs.WaitForEventAsync("SweepCompleted", 1, cancellationToken: Ct);
        await h.Clock.WaitForTimersAsync(1, Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct); // parked on the interval
        Assert.True(h.IsRegistered(service, later.TaskId));
        h.Emulator.StopTask(later.TaskId, stopDuration: TimeSpan.Zero);
        h.Clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(1, h.Logs.CountEvents("SweepCompleted"));
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await h.Logs.WaitForEventAsync("SweepCompleted", 2, cancellationToken: Ct);
        await h.Clock.WaitForTimersAsync(1, Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await stop.CancelAsync();
        var exit = await run.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(JanitorExitCodes.Ok, exit);
        Assert.False(h.IsRegistered(service, later.TaskId));
        Assert.Single(h.Messages("InstanceRemoved"));
        Assert.Single(h.Messages("JanitorStopping"));
        Assert.Equal(2, h.Logs.CountEvents("SweepCompleted"));
    }

    [Fact]
    public async Task Interval_NamedServiceMissing_StopsWithExitCode2()
    {
        await using var h = await JanitorHarness.StartAsync();

        var exit = await h.RunAsync(["--interval", "1m", "--service", "srv-doesnotexist0000"]).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(JanitorExitCodes.BadArguments, exit);
        Assert.Contains("Invalid --service 'srv-doesnotexist0000'", Assert.Single(h.Messages("JanitorMisconfigured")), StringComparison.Ordinal);
    }
}
