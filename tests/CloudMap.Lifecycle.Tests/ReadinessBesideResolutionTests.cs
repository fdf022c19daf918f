// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Tests.Fakes;

namespace CloudMap.Lifecycle.Tests;

/// <summary>The readiness checks are polled while the target resolves, and nothing is registered before both are done.</summary>
public sealed class ReadinessBesideResolutionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task Run_ResolutionSlowerThanReadiness_RegistersOnceResolvedWithoutPollingReadinessAgain()
    {
        using var h = new ServiceHarness();
        h.Client.FailNext("GetService", FakeCloudMapClient.Error(CloudMapErrorCodes.ThrottlingException), times: 4);
        await h.StartHostAsync();

        await h.DriveUntilAsync(h.Client.WaitForCallAsync("RegisterInstance"), TimeSpan.FromSeconds(1));

        // The two polls in a row passed while GetService was being retried; none is needed after it answered.
        var events = h.Logs.Collector.GetSnapshot().Select(r => r.Id.Name).ToList();
        Assert.True(events.IndexOf("ReadinessPassed") < events.IndexOf("TargetResolved"), string.Join(", ", events));
        Assert.DoesNotContain("WaitingForReadiness", events);
        Assert.Equal(2, h.Health.Runs);
        Assert.Equal(5, h.Client.CallCount("GetService"));
        await StopAsync(h);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task Run_NotReadyOnceResolved_WaitsForReadinessAndSendsNothing()
    {
        using var h = new ServiceHarness();
        h.Health.Healthy = false;
        await h.StartHostAsync();

        await h.Logs.WaitForEventAsync("WaitingForReadiness", cancellationToken: Ct);
        for (var i = 0; i < 5; i++)
        {
            await h.Time.WaitForTimersAsync(1, Ct);
            h.Time.Advance(h.Options.Readiness.PollInterval);
        }

        var events = h.Logs.Collector.GetSnapshot().Select(r => r.Id.Name).ToList();
        Assert.True(events.IndexOf("TargetResolved") < events.IndexOf("WaitingForReadiness"), string.Join(", ", events));
        Assert.Equal(CloudMapRegistrationPhase.WaitingForReadiness, h.State.Phase);
        Assert.Equal(0, h.Client.CallCount("RegisterInstance"));

        h.Health.Healthy = true;
        await h.DriveUntilAsync(h.Client.WaitForCallAsync("RegisterInstance"), h.Options.Readiness.PollInterval);
        Assert.Equal(1, h.Logs.CountEvents("WaitingForReadiness"));
        await StopAsync(h);
    }

    [Fact]
    public async Task Run_ResolutionFailsForGood_ReadinessPollingEndsWithIt()
    {
        using var h = new ServiceHarness(o => o.Port = null);
        h.Server.Addresses.Clear();
        h.Health.Healthy = false;
        await h.StartHostAsync();

        await h.Service.Execution.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(CloudMapRegistrationPhase.Failed, h.State.Phase);
        var runs = h.Health.Runs;
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(runs, h.Health.Runs);
        Assert.Equal(0, h.Client.CallCount("RegisterInstance"));
        Assert.False(h.Logs.Collector.HasEvent("WaitingForReadiness"));
    }

    private static async Task StopAsync(ServiceHarness h)
    {
        var stopping = h.Service.StoppingAsync(Ct);
        await h.DriveUntilAsync(stopping, TimeSpan.FromSeconds(1));
    }
}
