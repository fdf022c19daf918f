// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests.Cleanup;

/// <summary>Every <c>CloudMap:Cleanup</c> key: bad values fail startup naming the key and the value; typos name the nearest key; the held gauge.</summary>
public sealed class CleanupOptionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Run by <see cref="OptionsValidationTests.StartAsync_InvalidSetting_FailsWithMessageNamingKeyAndValueAndSendsNothing"/>.</summary>
    public static TheoryData<string, string, string> InvalidSettings => new()
    {
        { "CloudMap:Cleanup:ProbeInterval", "00:00:00.500", "CloudMap:Cleanup:ProbeInterval is 00:00:00.5000000; it must be between 00:00:01 and 00:05:00." },
        { "CloudMap:Cleanup:ProbeInterval", "00:06:00", "CloudMap:Cleanup:ProbeInterval is 00:06:00; it must be between 00:00:01 and 00:05:00." },
        { "CloudMap:Cleanup:ProbeTimeout", "00:00:00.050", "CloudMap:Cleanup:ProbeTimeout is 00:00:00.0500000; it must be at least 00:00:00.1000000 and at most CloudMap:Cleanup:ProbeInterval (00:00:10)." },
        { "CloudMap:Cleanup:ProbeTimeout", "00:00:11", "CloudMap:Cleanup:ProbeTimeout is 00:00:11; it must be at least 00:00:00.1000000 and at most CloudMap:Cleanup:ProbeInterval (00:00:10)." },
        { "CloudMap:Cleanup:WatchedPeers", "0", "CloudMap:Cleanup:WatchedPeers is 0; it must be between 1 and 10." },
        { "CloudMap:Cleanup:WatchedPeers", "11", "CloudMap:Cleanup:WatchedPeers is 11; it must be between 1 and 10." },
        { "CloudMap:Cleanup:FailuresBeforeRemoval", "1", "CloudMap:Cleanup:FailuresBeforeRemoval is 1; it must be between 2 and 20." },
        { "CloudMap:Cleanup:FailuresBeforeRemoval", "21", "CloudMap:Cleanup:FailuresBeforeRemoval is 21; it must be between 2 and 20." },
        { "CloudMap:Cleanup:MinimumEvidenceSpan", "-00:00:01", "CloudMap:Cleanup:MinimumEvidenceSpan is -00:00:01; it must be between 00:00:00 and 01:00:00." },
        { "CloudMap:Cleanup:MinimumEvidenceSpan", "01:00:01", "CloudMap:Cleanup:MinimumEvidenceSpan is 01:00:01; it must be between 00:00:00 and 01:00:00." },
        { "CloudMap:Cleanup:StartupGrace", "-00:00:01", "CloudMap:Cleanup:StartupGrace is -00:00:01; it must be between 00:00:00 and 01:00:00." },
        { "CloudMap:Cleanup:StartupGrace", "02:00:00", "CloudMap:Cleanup:StartupGrace is 02:00:00; it must be between 00:00:00 and 01:00:00." },
        { "CloudMap:Cleanup:MaxRemovalShare", "0", "CloudMap:Cleanup:MaxRemovalShare is 0; it must be more than 0 and at most 1" },
        { "CloudMap:Cleanup:MaxRemovalShare", "1.5", "CloudMap:Cleanup:MaxRemovalShare is 1.5; it must be more than 0 and at most 1" },
        { "CloudMap:Cleanup:MaxRemovalShare", "NaN", "CloudMap:Cleanup:MaxRemovalShare is NaN; it must be more than 0 and at most 1" },
    };

    [Fact]
    public async Task StartAsync_ProbeTimeoutEqualToALongerInterval_IsValid()
    {
        var client = new FakeCloudMapClient();
        var builder = TestHost.CreateBuilder(TestHost.Config(("CloudMap:Cleanup:ProbeInterval", "00:01:00"), ("CloudMap:Cleanup:ProbeTimeout", "00:01:00"), ("CloudMap:Cleanup:MaxRemovalShare", "1")), client, new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        await host.StartAsync(Ct);

        var options = host.Services.GetRequiredService<IOptionsMonitor<CloudMapRegistrationOptions>>().Get(Options.DefaultName).Cleanup;
        Assert.Equal(TimeSpan.FromMinutes(1), options.ProbeTimeout);
        Assert.Equal(1.0, options.MaxRemovalShare);
        await host.StopAsync(Ct);
    }

    [Theory]
    [InlineData("CloudMap:Cleanup:ProbeIntervall", "CloudMap:Cleanup:ProbeIntervall is not a known setting", "did you mean CloudMap:Cleanup:ProbeInterval?")]
    [InlineData("CloudMap:Cleanup:Watched", "CloudMap:Cleanup:Watched is not a known setting", "did you mean CloudMap:Cleanup:WatchedPeers?")]
    [InlineData("CloudMap:Cleanp:Enabled", "CloudMap:Cleanp is not a known setting", "did you mean CloudMap:Cleanup?")]
    public async Task StartAsync_MisspelledCleanupKey_NamesTheNearestValidOne(string key, string unknown, string nearest)
    {
        var builder = TestHost.CreateBuilder(TestHost.Config((key, "1")), new FakeCloudMapClient(), new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.Contains(unknown, error.Message, StringComparison.Ordinal);
        Assert.Contains(nearest, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CloudMap:Cleanup:WatchedPeers", "three", "whole number")]
    [InlineData("CloudMap:Cleanup:Enabled", "yes", "true or false")]
    [InlineData("CloudMap:Cleanup:ProbeInterval", "10s", "duration")]
    public async Task StartAsync_CleanupValueThatDoesNotParse_SaysWhatItTakes(string key, string value, string expected)
    {
        var builder = TestHost.CreateBuilder(TestHost.Config((key, value)), new FakeCloudMapClient(), new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.Contains($"{key} is '{value}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HeldGauge_IsOneWhileHeldPerRegistration()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var states = new CloudMapRegistrationStateProvider([new CloudMapRegistrationMarker("http", null), new CloudMapRegistrationMarker("grpc", null)]);
        _ = new LifecycleTelemetry(factory, states);
        using var gauge = new MetricCollector<int>(factory, CloudMapTelemetry.Name, LifecycleTelemetry.CleanupHeldInstrument);

        states.Get("http").Update(s => s with { IsCleanupHeld = true });
        gauge.RecordObservableInstruments();

        var values = gauge.GetMeasurementSnapshot().ToDictionary(m => (string)m.Tags[TelemetryTags.Registration]!, m => m.Value);
        Assert.Equal(1, values["http"]);
        Assert.Equal(0, values["grpc"]);
    }
}
