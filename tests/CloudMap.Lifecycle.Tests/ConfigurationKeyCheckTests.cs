// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CloudMap.Lifecycle.Tests;

/// <summary>Typos and bad values in the CloudMap section fail startup with the full key, the nearest valid key, or the valid values.</summary>
public sealed class ConfigurationKeyCheckTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_MisspelledSection_NamesTheFullKeyAndTheNearestValidOne()
    {
        var error = await StartFailureAsync(("CloudMap:Readines:Tag", "ready"));

        Assert.Contains("CloudMap:Readines is not a known setting", error.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean CloudMap:Readiness?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_MisspelledNestedKey_NamesTheFullNestedKey()
    {
        var error = await StartFailureAsync(("CloudMap:Health:Intervall", "00:00:05"));

        Assert.Contains("CloudMap:Health:Intervall is not a known setting", error.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean CloudMap:Health:Interval?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_KeyNothingLike_ListsTheValidKeys()
    {
        var error = await StartFailureAsync(("CloudMap:Shutdown:Completely", "x"));

        Assert.Contains("CloudMap:Shutdown:Completely is not a known setting", error.Message, StringComparison.Ordinal);
        Assert.Contains("the settings under CloudMap:Shutdown are DeregistrationTimeout, DrainDelay, BudgetSeverity.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("did you mean", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_BadEnumValue_ListsTheValidValues()
    {
        var error = await StartFailureAsync(("CloudMap:Readiness:TimeoutBehavior", "Stop"));

        Assert.Contains("CloudMap:Readiness:TimeoutBehavior is 'Stop'; the valid values are KeepWaiting, StopApplication.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_UndefinedEnumNumber_ListsTheValidValues()
    {
        var error = await StartFailureAsync(("CloudMap:Health:UnmanagedMode", "7"));

        Assert.Contains("CloudMap:Health:UnmanagedMode is '7'; the valid values are", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_BadDurationAndNumber_NameKeyValueAndFormat()
    {
        var error = await StartFailureAsync(("CloudMap:Shutdown:DrainDelay", "5 seconds"), ("CloudMap:Port", "eighty"));

        Assert.Contains("CloudMap:Shutdown:DrainDelay is '5 seconds'; it must be a duration such as 00:00:10", error.Message, StringComparison.Ordinal);
        Assert.Contains("CloudMap:Port is 'eighty'; it must be a whole number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ScalarWithChildren_NamesTheChildKey()
    {
        var error = await StartFailureAsync(("CloudMap:Port:Http", "8080"));

        Assert.Contains("CloudMap:Port:Http is not a known setting: CloudMap:Port takes a single value.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ValidValuesInAnyCaseAndAttributes_Start()
    {
        var client = new FakeCloudMapClient();
        var builder = TestHost.CreateBuilder(TestHost.Config(
            ("cloudmap:readiness:timeoutbehavior", "stopapplication"),
            ("CloudMap:Attributes:any-key_1", "v"),
            ("CloudMap:Port", ""),
            ("CloudMap:Shutdown:BudgetSeverity", "1")), client, new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        await host.StartAsync(Ct);
        await host.StopAsync(Ct);

        Assert.Equal(ReadinessTimeoutBehavior.StopApplication, host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<CloudMapRegistrationOptions>>().Get(string.Empty).Readiness.TimeoutBehavior);
    }

    [Fact]
    public async Task StartAsync_NamedRegistrationSections_AreNotUnknownKeysOfTheDefault()
    {
        var client = new FakeCloudMapClient();
        var builder = TestHost.CreateBuilder(TestHost.Config(
            ("CloudMap:grpc:ServiceId", FakeCloudMapClient.NoHealthServiceId),
            ("CloudMap:grpc:Port", "5001"),
            ("CloudMap:grpc:Helth:Interval", "00:00:05")), client, new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        builder.AddCloudMapRegistration("grpc");
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:grpc:Helth is not a known setting", error.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean CloudMap:grpc:Health?", error.Message, StringComparison.Ordinal);
        Assert.Empty(client.Calls);
    }

    [Fact]
    public void Check_EveryProblem_IsReportedInConfigurationOrder()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CloudMap:Enabeld"] = "true",
            ["CloudMap:Health:UnmanagedMode"] = "Never",
        }).Build();

        var problems = ConfigurationKeyChecker.Check(config.GetSection("CloudMap"), "CloudMap", typeof(CloudMapRegistrationOptions));

        Assert.Equal(2, problems.Count);
        Assert.Contains("did you mean CloudMap:Enabled?", problems[0], StringComparison.Ordinal);
        Assert.Equal("CloudMap:Health:UnmanagedMode is 'Never'; the valid values are DeregisterWhileUnhealthy, ReportOnly.", problems[1]);
    }

    [Fact]
    public void Check_DelegateOptions_AreNotConfigurationKeys()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CloudMap:Readiness:Predicate"] = "x",
        }).Build();

        var problems = ConfigurationKeyChecker.Check(config.GetSection("CloudMap"), "CloudMap", typeof(CloudMapRegistrationOptions));

        Assert.Contains("CloudMap:Readiness:Predicate is not a known setting", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Readines", "Readiness")]
    [InlineData("helth", "Health")]
    [InlineData("ServiceID", "ServiceId")]
    [InlineData("NameSpace", "NamespaceName")]
    [InlineData("Zzzzzz", null)]
    public void Nearest_TypicalTypos_FindTheIntendedKey(string typo, string? expected)
    {
        string[] valid = ["Enabled", "ServiceId", "NamespaceName", "ServiceName", "InstanceId", "Address", "Port", "Attributes", "Readiness", "Health", "Shutdown"];

        Assert.Equal(expected, ConfigurationKeyChecker.Nearest(typo, valid));
    }

    private static async Task<InvalidOperationException> StartFailureAsync(params (string Key, string? Value)[] pairs)
    {
        var client = new FakeCloudMapClient();
        var builder = TestHost.CreateBuilder(TestHost.Config(pairs), client, new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.Empty(client.Calls);
        await host.StopAsync(Ct);
        return error;
    }
}
