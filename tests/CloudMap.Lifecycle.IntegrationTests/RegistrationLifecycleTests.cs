// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.IntegrationTests;

/// <summary>
/// The lifecycle guarantees end to end: a real host on a real Kestrel port, the library talking HTTP to the emulator,
/// and the app's clock driven by the test.
/// </summary>
public sealed class RegistrationLifecycleTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task Start_ReadinessFailing_InstanceNotDiscoverable()
    {
        await using var host = await LifecycleTestHost.CreateAsync();
        await host.StartAsync();
        await host.Logs.WaitForEventAsync("WaitingForReadiness", cancellationToken: Token);

        // Many readiness polls, all failing.
        for (var i = 0; i < 10; i++)
        {
            await host.StepAsync(LifecycleTestHost.PollInterval);
        }

        await host.Time.WaitForTimersAsync(1, Token).WaitAsync(LifecycleTestHost.Guard, Token);
        Assert.Equal(CloudMapRegistrationPhase.WaitingForReadiness, host.State.Phase);
        Assert.Empty(host.Emulator.GetInstances(host.ServiceId));
        Assert.Empty(await host.DiscoverAsync("ALL"));
        Assert.Equal(0, host.Emulator.GetCallCount("RegisterInstance"));
        Assert.Equal("pong", await host.Http.GetStringAsync(new Uri("/ping", UriKind.Relative), Token));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task Start_ReadinessPasses_DiscoverableHealthyOnListeningPort()
    {
        await using var host = await LifecycleTestHost.CreateAsync();
        await host.StartAsync();
        await host.StepAsync(LifecycleTestHost.PollInterval);
        await host.StepAsync(LifecycleTestHost.PollInterval);
        Assert.Empty(host.Emulator.GetInstances(host.ServiceId));

        host.Readiness.IsReady = true;
        await host.AdvanceUntilAsync(host.Logs.WaitForEventAsync("Registered", cancellationToken: Token), LifecycleTestHost.PollInterval);

        var discovered = await host.DiscoverAsync();
        Assert.Equal("HEALTHY", Assert.Single(discovered, i => i.Key == LifecycleTestHost.InstanceId).Value);
        var instance = Assert.Single(host.Emulator.GetInstances(host.ServiceId));
        Assert.Equal(host.ListeningPort.ToString(System.Globalization.CultureInfo.InvariantCulture), instance.Attributes["AWS_INSTANCE_PORT"]);
        Assert.Equal("127.0.0.1", instance.Attributes["AWS_INSTANCE_IPV4"]);
        Assert.Equal(CloudMapRegistrationPhase.Registered, host.State.Phase);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task HealthCheck_FailsForUnhealthyThreshold_UnhealthyPushedOnlyAtThreshold()
    {
        await using var host = await LifecycleTestHost.CreateAsync();
        await host.StartRegisteredAsync();
        host.Readiness.IsReady = false;

        // First failing run: below the threshold of 2, nothing is pushed.
        await host.StepAsync(LifecycleTestHost.HealthInterval);
        await host.Time.WaitForTimersAsync(1, Token).WaitAsync(LifecycleTestHost.Guard, Token);
        Assert.Equal(0, host.Emulator.GetCallCount("UpdateInstanceCustomHealthStatus"));
        Assert.Contains(LifecycleTestHost.InstanceId, (await host.DiscoverAsync()).Keys);

        // Second failing run: the threshold is reached and UNHEALTHY is pushed.
        await host.StepAsync(LifecycleTestHost.HealthInterval);
        await host.Logs.WaitForEventAsync("HealthPushed", cancellationToken: Token);

        Assert.Equal(1, host.Emulator.GetCallCount("UpdateInstanceCustomHealthStatus"));
        Assert.Equal("UNHEALTHY", host.Emulator.FindInstance(host.ServiceId, LifecycleTestHost.InstanceId)!.HealthStatus);
        Assert.Empty(await host.DiscoverAsync("HEALTHY"));
        Assert.Equal("UNHEALTHY", (await host.DiscoverAsync("ALL"))[LifecycleTestHost.InstanceId]);
        Assert.Equal(CloudMapHealthStatus.Unhealthy, host.State.LastPushedStatus);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task Stop_WhileRegistered_UndiscoverableWhileServerStillServes()
    {
        await using var host = await LifecycleTestHost.CreateAsync();
        await host.StartRegisteredAsync();

        var stopping = host.StopAsync();
        await host.Logs.WaitForEventAsync("Draining", cancellationToken: Token);

        // Inside the drain delay: gone from discovery, yet the server still answers.
        Assert.Empty(await host.DiscoverAsync("ALL"));
        Assert.Empty(host.Emulator.GetInstances(host.ServiceId));
        Assert.Equal("pong", await host.Http.GetStringAsync(new Uri("/ping", UriKind.Relative), Token));
        Assert.False(stopping.IsCompleted);

        await host.StepAsync(LifecycleTestHost.DrainDelay);
        await stopping.WaitAsync(LifecycleTestHost.Guard, Token);
        await Assert.ThrowsAsync<HttpRequestException>(() => host.Http.GetStringAsync(new Uri("/ping", UriKind.Relative), Token));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task Stop_WhileRegistrationInFlight_LeavesNoInstance()
    {
        await using var host = await LifecycleTestHost.CreateAsync(new Dictionary<string, string?> { ["CloudMap:Shutdown:DrainDelay"] = "00:00:00" });

        // RegisterInstance is held by the emulator until its own clock moves.
        host.Emulator.Faults.Latency(TimeSpan.FromSeconds(1), "RegisterInstance");
        host.Readiness.IsReady = true;
        await host.StartAsync();
        await host.AdvanceUntilAsync(host.EmulatorTime.WaitForTimersAsync(1, Token), LifecycleTestHost.PollInterval);
        Assert.Equal(CloudMapRegistrationPhase.Registering, host.State.Phase);

        var stopping = host.StopAsync();
        await host.Logs.WaitForEventAsync("WaitingForRegistrationInFlight", cancellationToken: Token);
        host.EmulatorTime.Advance(TimeSpan.FromSeconds(1));

        // Operations complete at once and the drain delay is zero: the stop needs no more time on the app's clock.
        await stopping.WaitAsync(LifecycleTestHost.Guard, Token);

        Assert.Equal(1, host.Emulator.GetCallCount("RegisterInstance"));
        Assert.Empty(host.Emulator.GetInstances(host.ServiceId));
        Assert.Empty(await host.DiscoverAsync("ALL"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    public async Task Stop_ForeignOwnerTookOverInstanceId_ForeignRegistrationSurvives()
    {
        await using var host = await LifecycleTestHost.CreateAsync();
        await host.StartRegisteredAsync();

        // A replacement process took over the same instance id (failure mode 6).
        host.Emulator.RegisterInstance(host.ServiceId, LifecycleTestHost.InstanceId, new Dictionary<string, string>
        {
            ["AWS_INSTANCE_IPV4"] = "10.0.0.7",
            ["AWS_INSTANCE_PORT"] = "8080",
        });

        await host.StopAndDrainAsync();

        var survivor = Assert.Single(host.Emulator.GetInstances(host.ServiceId));
        Assert.Equal("10.0.0.7", survivor.Attributes["AWS_INSTANCE_IPV4"]);
        Assert.Equal(0, host.Emulator.GetCallCount("DeregisterInstance"));
        Assert.Contains(LifecycleTestHost.InstanceId, (await host.DiscoverAsync("ALL")).Keys);
        Assert.Equal(1, host.Logs.CountEvents("NotOwned"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G6)]
    public async Task Running_RegistrationRemovedByHand_RegisteredAgain()
    {
        await using var host = await LifecycleTestHost.CreateAsync();
        await host.StartRegisteredAsync();

        Assert.True(host.Emulator.DeregisterInstance(host.ServiceId, LifecycleTestHost.InstanceId));
        Assert.Empty(await host.DiscoverAsync("ALL"));

        await host.AdvanceUntilAsync(host.Logs.WaitForEventAsync("Registered", occurrence: 2, cancellationToken: Token), LifecycleTestHost.HealthInterval);

        Assert.Equal(1, host.Logs.CountEvents("RegistrationVanished"));
        Assert.Equal("HEALTHY", (await host.DiscoverAsync())[LifecycleTestHost.InstanceId]);
        Assert.Equal(2, host.Emulator.GetCallCount("RegisterInstance"));
    }

    [Theory]
    [InlineData("CloudMap:InstanceId", "not valid!", "CloudMap:InstanceId is 'not valid!'")]
    [InlineData("CloudMap:Port", "70000", "CloudMap:Port is 70000")]
    [InlineData("CloudMap:Health:UnhealthyThreshold", "0", "CloudMap:Health:UnhealthyThreshold")]
    public async Task Start_InvalidOption_FailsWithMessageNamingKeyAndValue(string key, string value, string expected)
    {
        await using var host = await LifecycleTestHost.CreateAsync(new Dictionary<string, string?> { [key] = value });

        var error = await Assert.ThrowsAnyAsync<Exception>(host.StartAsync);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, host.Emulator.TotalCallCount);
    }
}
