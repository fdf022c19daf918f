// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;

namespace CloudMap.Lifecycle.Tests;

/// <summary>
/// <see cref="CloudMapRegistrationOptions.StartupJitter"/>: the first Cloud Map call waits a random part of it (drawn
/// once), the host's start does not wait for that call, a stop during the wait sends nothing, and the registration's
/// first operation read waits 1 s.
/// </summary>
public sealed class StartupJitterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_WithJitter_StartsAtOnceAndSendsTheFirstCallAfterTheDrawnPart()
    {
        var (host, client, logs, time) = Build(random: 0.5, ("CloudMap:StartupJitter", "00:00:10"), ("CloudMap:Shutdown:DrainDelay", "00:00:00"));
        using var _host = host;

        await host.StartAsync(Ct);

        // Started without an answer, and without a call: the jitter's wait and the readiness poll beside it are armed.
        Assert.True(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.IsCancellationRequested);
        await time.WaitUntilParkedAsync(2, Ct);
        Assert.Empty(client.Calls);
        var waiting = Assert.Single(logs.Collector.GetEvents("StartupJitter"));
        Assert.Equal("Cloud Map registration 'default': waiting 5 s (a random part of CloudMap:StartupJitter, 10 s) before the first Cloud Map call.", waiting.Message);

        time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.Empty(client.Calls);
        time.Advance(TimeSpan.FromTicks(1));
        await client.WaitForCallAsync("GetService").WaitAsync(FakeClockDriver.DefaultGuard, Ct);
        await client.WaitForCallAsync("RegisterInstance").WaitAsync(FakeClockDriver.DefaultGuard, Ct);

        // One of many starting together: the operation is first read 1 s after RegisterInstance, not at once.
        await time.WaitUntilParkedAsync(1, Ct);
        Assert.Equal(0, client.CallCount("GetOperation"));
        time.Advance(TimeSpan.FromSeconds(1));
        await logs.WaitForEventAsync("Registered", cancellationToken: Ct);
        Assert.Equal(["GetService", "RegisterInstance", "GetOperation"], client.Calls.Take(3));
        Assert.Single(logs.Collector.GetEvents("StartupJitter"));
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task StopAsync_DuringTheJitter_SendsNothing()
    {
        var (host, client, logs, time) = Build(random: 0.9, ("CloudMap:StartupJitter", "00:01:00"));
        using var _host = host;
        await host.StartAsync(Ct);
        await time.WaitUntilParkedAsync(2, Ct);

        await host.StopAsync(Ct);

        Assert.Empty(client.Calls);
        Assert.True(logs.Collector.HasEvent("StoppedBeforeRegistration"));
        Assert.Equal(CloudMapRegistrationPhase.Stopped, host.Services.GetRequiredService<ICloudMapRegistrationState>().Phase);
    }

    [Fact]
    public async Task StartAsync_WithJitterAndAServiceCloudMapDoesNotKnow_StartsAndReportsItWhenAnswered()
    {
        var (host, client, logs, time) = Build(random: 0.25, ("CloudMap:StartupJitter", "00:00:04"), ("CloudMap:ServiceId", "srv-nope"));
        using var _host = host;

        await host.StartAsync(Ct); // no OptionsValidationException: the start did not wait for the answer

        await time.WaitUntilParkedAsync(2, Ct);
        time.Advance(TimeSpan.FromSeconds(1));
        var problem = await logs.WaitForEventAsync("ConfigurationProblemRetrying", cancellationToken: Ct);
        Assert.Contains("CloudMap:ServiceId is 'srv-nope', but Cloud Map has no such service", problem.Message, StringComparison.Ordinal);
        Assert.Equal(CloudMapRegistrationPhase.Failed, host.Services.GetRequiredService<ICloudMapRegistrationState>().Phase);
        await host.StopAsync(Ct);
        Assert.DoesNotContain("RegisterInstance", client.Calls);
    }

    [Fact]
    public async Task StartAsync_WithoutJitter_ResolvesBeforeTheStartCompletes()
    {
        var (host, client, logs, _) = Build(random: 0.5);
        using var _host = host;

        await host.StartAsync(Ct);

        Assert.Equal("GetService", client.Calls[0]);
        Assert.False(logs.Collector.HasEvent("StartupJitter"));
        await host.StopAsync(Ct);
    }

    private static (IHost Host, FakeCloudMapClient Client, AwaitableFakeLogs Logs, TimerCountingFakeTimeProvider Time) Build(double random, params (string Key, string? Value)[] pairs)
    {
        var client = new FakeCloudMapClient();
        var time = new TimerCountingFakeTimeProvider();
        var logs = new AwaitableFakeLogs(FakeLogCollector.Create(new FakeLogCollectorOptions { TimeProvider = time }));
        var builder = TestHost.CreateBuilder(TestHost.Config(pairs), client, time, logs: logs);
        builder.Services.AddHealthChecks();
        builder.AddCloudMapRegistration();
        var host = builder.Build();
        host.Services.GetRequiredService<CloudMapRegistrationService>().NextRandom = () => random;
        return (host, client, logs, time);
    }
}
