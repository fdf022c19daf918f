// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests.Checks;

/// <summary><c>Readiness:CheckTimeout</c> and <c>Health:CheckTimeout</c> bind from configuration and are validated on start.</summary>
public sealed class CheckTimeoutOptionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Defaults_AreFiveSecondsBelowTheHealthInterval()
    {
        var options = new CloudMapRegistrationOptions();

        Assert.Equal(TimeSpan.FromSeconds(5), options.Readiness.CheckTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Health.CheckTimeout);
        Assert.True(options.Health.CheckTimeout < options.Health.Interval);
    }

    [Fact]
    public async Task StartAsync_CheckTimeoutsInConfiguration_AreBound()
    {
        var builder = TestHost.CreateBuilder(
            TestHost.Config(("CloudMap:Readiness:CheckTimeout", "00:00:03"), ("CloudMap:Health:CheckTimeout", "00:00:00.750")),
            new FakeCloudMapClient(),
            new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        await host.StartAsync(Ct);
        await host.StopAsync(Ct);

        var options = host.Services.GetRequiredService<IOptionsMonitor<CloudMapRegistrationOptions>>().Get(Options.DefaultName);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Readiness.CheckTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(750), options.Health.CheckTimeout);
    }

    [Theory]
    [InlineData("CloudMap:Readiness:CheckTimeout", "00:00:00.050", "CloudMap:Readiness:CheckTimeout is 00:00:00.0500000; it must be between 00:00:00.1000000 and 00:10:00.")]
    [InlineData("CloudMap:Health:CheckTimeout", "00:10:01", "CloudMap:Health:CheckTimeout is 00:10:01; it must be between 00:00:00.1000000 and 00:10:00.")]
    [InlineData("CloudMap:Health:CheckTimeout", "-00:00:01", "CloudMap:Health:CheckTimeout is -00:00:01; it must be between 00:00:00.1000000 and 00:10:00.")]
    public async Task StartAsync_CheckTimeoutOutOfRange_FailsNamingTheKeyAndTheValue(string key, string value, string expected)
    {
        var client = new FakeCloudMapClient();
        var builder = TestHost.CreateBuilder(TestHost.Config((key, value)), client, new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Empty(client.Calls);
    }
}
