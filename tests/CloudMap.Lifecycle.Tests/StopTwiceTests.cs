// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Tests.Fakes;

namespace CloudMap.Lifecycle.Tests;

/// <summary>A host stopped twice (WebApplicationFactory stops, then disposes) deregisters once.</summary>
public sealed class StopTwiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task StoppingAsync_CalledTwice_DeregistersOnce()
    {
        using var h = new ServiceHarness();
        await StartRegisteredAsync(h);

        await h.Service.StoppingAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await h.Service.StopAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await h.Service.StoppingAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await h.Service.StopAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(1, h.Client.CallCount("DeregisterInstance"));
        Assert.Equal(CloudMapRegistrationPhase.Stopped, h.State.Phase);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task StoppingAsync_SecondStopAfterACutShortFirst_StartsNoDeregistration()
    {
        using var h = new ServiceHarness();
        await StartRegisteredAsync(h);

        // The host's first stop is cut short (its token already spent): the instance may stay registered.
        await h.Service.StoppingAsync(new CancellationToken(canceled: true)).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await h.Service.StopAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var afterFirstStop = h.Client.CallCount("DeregisterInstance");

        // The second stop (the host being disposed) must not start a deregistration that outlives the host.
        await h.Service.StoppingAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(afterFirstStop, h.Client.CallCount("DeregisterInstance"));
        Assert.Equal(afterFirstStop, h.Client.CallCount("GetInstance"));
    }

    /// <summary>Runs the host contract up to a confirmed registration (no drain, so a stop ends without the clock).</summary>
    private static async Task StartRegisteredAsync(ServiceHarness h)
    {
        h.Options.Readiness.ConsecutiveSuccesses = 1;
        h.Options.Shutdown.DrainDelay = TimeSpan.Zero;
        await h.StartHostAsync();
        await h.Logs.WaitForEventAsync("Registered", cancellationToken: Ct);
    }
}
