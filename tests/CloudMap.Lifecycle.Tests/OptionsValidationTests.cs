// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests;

/// <summary>Bad options fail startup, before anything is sent, with a message naming the key and the value.</summary>
public sealed class OptionsValidationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string?, string> InvalidSettings => new()
    {
        { "CloudMap:ServiceId", null, "CloudMap:ServiceId is not set and neither are CloudMap:NamespaceName and CloudMap:ServiceName" },
        { "CloudMap:NamespaceName", "example.local", "CloudMap:ServiceId is 'srv-custom0000000001' and CloudMap:NamespaceName is 'example.local'; set either ServiceId or NamespaceName plus ServiceName, not both." },
        { "CloudMap:ServiceId", "srv bad", "CloudMap:ServiceId is 'srv bad'" },
        { "CloudMap:ServiceId", "arn:aws:ecs:us-east-1:1:service/x", "CloudMap:ServiceId is 'arn:aws:ecs:us-east-1:1:service/x'" },
        { "CloudMap:InstanceId", "bad id!", "CloudMap:InstanceId is 'bad id!'; it must be 1 to 64 characters" },
        { "CloudMap:InstanceId", new string('a', 65), "CloudMap:InstanceId is '" + new string('a', 65) + "'" },
        { "CloudMap:Address", "not-an-ip", "CloudMap:Address is 'not-an-ip'; it must be an IPv4 or IPv6 address" },
        { "CloudMap:Address", "0.0.0.0", "CloudMap:Address is '0.0.0.0'; the unspecified address" },
        { "CloudMap:Port", "0", "CloudMap:Port is 0; it must be between 1 and 65535" },
        { "CloudMap:Port", "70000", "CloudMap:Port is 70000" },
        { "CloudMap:Attributes:AWS_INSTANCE_PORT", "80", "CloudMap:Attributes:AWS_INSTANCE_PORT uses the reserved prefix 'AWS_'" },
        { "CloudMap:Attributes:aws_custom", "x", "CloudMap:Attributes:aws_custom uses the reserved prefix 'AWS_'" },
        { "CloudMap:Attributes:CLOUDMAP_LIFECYCLE_OWNER", "x", "CloudMap:Attributes:CLOUDMAP_LIFECYCLE_OWNER is reserved" },
        { "CloudMap:Attributes:bad key", "x", "CloudMap:Attributes has the key 'bad key'" },
        { "CloudMap:Attributes:version", " 1.0", "CloudMap:Attributes:version is ' 1.0'" },
        { "CloudMap:Attributes:version", "caf\u00e9", "CloudMap:Attributes:version is 'caf\u00e9'" },
        { "CloudMap:Attributes:big", new string('v', 1025), "CloudMap:Attributes:big is '" + new string('v', 40) + "...' (1025 characters)" },
        { "CloudMap:Readiness:Tag", "", "CloudMap:Readiness:Tag is ''" },
        { "CloudMap:Readiness:PollInterval", "00:00:00.050", "CloudMap:Readiness:PollInterval is 00:00:00.0500000; it must be between 00:00:00.1000000 and 00:10:00." },
        { "CloudMap:Readiness:ConsecutiveSuccesses", "0", "CloudMap:Readiness:ConsecutiveSuccesses is 0; it must be between 1 and 100." },
        { "CloudMap:Readiness:Timeout", "00:00:00", "CloudMap:Readiness:Timeout is 00:00:00; it must be positive" },
        { "CloudMap:Health:Tag", " ", "CloudMap:Health:Tag is ' '" },
        { "CloudMap:Health:Interval", "00:00:00.500", "CloudMap:Health:Interval is 00:00:00.5000000" },
        { "CloudMap:Health:HealthyThreshold", "0", "CloudMap:Health:HealthyThreshold is 0; it must be between 1 and 100." },
        { "CloudMap:Health:UnhealthyThreshold", "101", "CloudMap:Health:UnhealthyThreshold is 101; it must be between 1 and 100." },
        { "CloudMap:Health:ReassertInterval", "00:00:05", "CloudMap:Health:ReassertInterval is 00:00:05; it must be at least CloudMap:Health:Interval (00:00:10)" },
        { "CloudMap:Health:ReassertInterval", "2.00:00:00", "CloudMap:Health:ReassertInterval is 2.00:00:00" },
        { "CloudMap:Shutdown:DeregistrationTimeout", "00:00:00.500", "CloudMap:Shutdown:DeregistrationTimeout is 00:00:00.5000000; it must be between 00:00:01 and 00:10:00." },
        { "CloudMap:Shutdown:DrainDelay", "-00:00:01", "CloudMap:Shutdown:DrainDelay is -00:00:01; it must be between 00:00:00 and 00:10:00." },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public async Task StartAsync_InvalidSetting_FailsWithMessageNamingKeyAndValueAndSendsNothing(string key, string? value, string expected)
    {
        var client = new FakeCloudMapClient();
        var builder = TestHost.CreateBuilder(TestHost.Config((key, value)), client, new FakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Empty(client.Calls);
    }

    [Fact]
    public async Task StartAsync_NamespaceWithoutServiceName_FailsNamingBothKeys()
    {
        var client = new FakeCloudMapClient();
        var builder = TestHost.CreateBuilder(TestHost.Config(("CloudMap:ServiceId", null), ("CloudMap:NamespaceName", "example.local")), client, new FakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:ServiceName is not set but CloudMap:NamespaceName is 'example.local'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ServiceNameWithoutNamespace_FailsNamingBothKeys()
    {
        var builder = TestHost.CreateBuilder(TestHost.Config(("CloudMap:ServiceId", null), ("CloudMap:ServiceName", "api")), new FakeCloudMapClient(), new FakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:NamespaceName is not set but CloudMap:ServiceName is 'api'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_TooManyAttributes_Fails()
    {
        var pairs = Enumerable.Range(0, 31).Select(i => ("CloudMap:Attributes:k" + i, (string?)"v")).ToArray();
        var builder = TestHost.CreateBuilder(TestHost.Config(pairs), new FakeCloudMapClient(), new FakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:Attributes has 31 entries; Cloud Map allows at most 30 custom attributes.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_AttributesTooLongInTotal_Fails()
    {
        var pairs = Enumerable.Range(0, 5).Select(i => ("CloudMap:Attributes:k" + i, (string?)new string('v', 1000))).ToArray();
        var builder = TestHost.CreateBuilder(TestHost.Config(pairs), new FakeCloudMapClient(), new FakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:Attributes keys and values total 5010 characters; at most 4800 are available", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ShutdownBudgetErrorAndDelaysTooLong_FailsNamingKeys()
    {
        var builder = TestHost.CreateBuilder(
            TestHost.Config(("CloudMap:Shutdown:BudgetSeverity", "Error"), ("CloudMap:Shutdown:DrainDelay", "00:00:25")),
            new FakeCloudMapClient(),
            new FakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:Shutdown:DeregistrationTimeout (00:00:10) plus CloudMap:Shutdown:DrainDelay (00:00:25) is 00:00:35, which does not fit in HostOptions.ShutdownTimeout (00:00:30)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_UnknownKey_FailsNamingTheKey()
    {
        var builder = TestHost.CreateBuilder(TestHost.Config(("CloudMap:Helth:Interval", "00:00:05")), new FakeCloudMapClient(), new FakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.Contains("'Helth'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_UnparsableValue_FailsNamingTheKey()
    {
        var builder = TestHost.CreateBuilder(TestHost.Config(("CloudMap:Health:Interval", "ten seconds")), new FakeCloudMapClient(), new FakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:Health:Interval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_GenericHostWithoutPort_FailsNamingPort()
    {
        var client = new FakeCloudMapClient();
        var builder = TestHost.CreateBuilder(TestHost.Config(), client, new FakeTimeProvider(), withServer: false);
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:Port is not set and the application has no server", error.Message, StringComparison.Ordinal);
        Assert.Empty(client.Calls);
    }

    [Fact]
    public async Task StartAsync_DisabledWithInvalidSettings_StartsAndSendsNothing()
    {
        var client = new FakeCloudMapClient();
        var builder = TestHost.CreateBuilder(
            TestHost.Config(("CloudMap:Enabled", "false"), ("CloudMap:ServiceId", null), ("CloudMap:Port", "0")),
            client,
            new FakeTimeProvider(),
            withServer: false);
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        await host.StartAsync(Ct);
        var state = host.Services.GetRequiredService<ICloudMapRegistrationState>();
        Assert.Equal(CloudMapRegistrationPhase.Disabled, state.Phase);
        await host.StopAsync(Ct);

        Assert.Empty(client.Calls);
        Assert.Equal(CloudMapRegistrationPhase.Disabled, state.Phase);
    }

    [Fact]
    public async Task StartAsync_NamedRegistrationInvalid_MessageNamesItsSection()
    {
        var builder = TestHost.CreateBuilder(
            TestHost.Config(("CloudMap:grpc:ServiceId", FakeCloudMapClient.NoHealthServiceId), ("CloudMap:grpc:Port", "99999")),
            new FakeCloudMapClient(),
            new FakeTimeProvider());
        builder.AddCloudMapRegistration();
        builder.AddCloudMapRegistration("grpc");
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:grpc:Port is 99999", error.Message, StringComparison.Ordinal);
    }
}
