// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Reflection;
using CloudMap.Lifecycle.Identity;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
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
        { "CloudMap:StartupJitter", "-00:00:01", "CloudMap:StartupJitter is -00:00:01; it must be between 00:00:00 and 00:10:00." },
        { "CloudMap:StartupJitter", "00:10:01", "CloudMap:StartupJitter is 00:10:01; it must be between 00:00:00 and 00:10:00." },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    [MemberData(nameof(Cleanup.CleanupOptionsTests.InvalidSettings), MemberType = typeof(Cleanup.CleanupOptionsTests))]
    public async Task StartAsync_InvalidSetting_FailsWithMessageNamingKeyAndValueAndSendsNothing(string key, string? value, string expected)
    {
        var client = new FakeCloudMapClient();
        var builder = TestHost.CreateBuilder(TestHost.Config((key, value)), client, new TimerCountingFakeTimeProvider());
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
        var builder = TestHost.CreateBuilder(TestHost.Config(("CloudMap:ServiceId", null), ("CloudMap:NamespaceName", "example.local")), client, new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:ServiceName is not set but CloudMap:NamespaceName is 'example.local'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ServiceNameWithoutNamespace_FailsNamingBothKeys()
    {
        var builder = TestHost.CreateBuilder(TestHost.Config(("CloudMap:ServiceId", null), ("CloudMap:ServiceName", "api")), new FakeCloudMapClient(), new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:NamespaceName is not set but CloudMap:ServiceName is 'api'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_TooManyAttributes_Fails()
    {
        var pairs = Enumerable.Range(0, 31).Select(i => ("CloudMap:Attributes:k" + i, (string?)"v")).ToArray();
        var builder = TestHost.CreateBuilder(TestHost.Config(pairs), new FakeCloudMapClient(), new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:Attributes has 31 entries; Cloud Map allows at most 30 custom attributes.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_AttributesTooLongInTotal_Fails()
    {
        var pairs = Enumerable.Range(0, 5).Select(i => ("CloudMap:Attributes:k" + i, (string?)new string('v', 1000))).ToArray();
        var builder = TestHost.CreateBuilder(TestHost.Config(pairs), new FakeCloudMapClient(), new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:Attributes keys and values total 5010 characters; at most 4600 are available", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task StartAsync_ShutdownBudgetErrorAndDelaysTooLong_FailsNamingKeys()
    {
        var builder = TestHost.CreateBuilder(
            TestHost.Config(("CloudMap:Shutdown:BudgetSeverity", "Error"), ("CloudMap:Shutdown:DrainDelay", "00:00:25")),
            new FakeCloudMapClient(),
            new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:Shutdown:DeregistrationTimeout (00:00:15) plus CloudMap:Shutdown:DrainDelay (00:00:25) is 00:00:40, which does not fit in HostOptions.ShutdownTimeout (00:00:30)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_UnknownKey_FailsNamingTheKey()
    {
        var builder = TestHost.CreateBuilder(TestHost.Config(("CloudMap:Helth:Interval", "00:00:05")), new FakeCloudMapClient(), new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.Contains("'Helth'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_UnparsableValue_FailsNamingTheKey()
    {
        var builder = TestHost.CreateBuilder(TestHost.Config(("CloudMap:Health:Interval", "ten seconds")), new FakeCloudMapClient(), new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:Health:Interval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_GenericHostWithoutPort_FailsNamingPort()
    {
        var client = new FakeCloudMapClient();
        var builder = TestHost.CreateBuilder(TestHost.Config(), client, new TimerCountingFakeTimeProvider(), withServer: false);
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
            new TimerCountingFakeTimeProvider(),
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
            new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();
        builder.AddCloudMapRegistration("grpc");
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:grpc:Port is 99999", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Each limit declared on the options types (keyed by the constant), as the validator applies it: a value at the
    /// limit passes and one step past it fails, naming the key. The cases read the limits from the constants, so the
    /// validator must follow a changed constant.
    /// </summary>
    private static readonly Dictionary<string, (string Key, Action<CloudMapRegistrationOptions> AtLimit, Action<CloudMapRegistrationOptions> PastLimit)> Limits = new()
    {
        ["CloudMapReadinessOptions.MinPollInterval"] = ("CloudMap:Readiness:PollInterval", o => o.Readiness.PollInterval = CloudMapReadinessOptions.MinPollInterval, o => o.Readiness.PollInterval = CloudMapReadinessOptions.MinPollInterval - TimeSpan.FromTicks(1)),
        ["CloudMapReadinessOptions.MaxPollInterval"] = ("CloudMap:Readiness:PollInterval", o => o.Readiness.PollInterval = CloudMapReadinessOptions.MaxPollInterval, o => o.Readiness.PollInterval = CloudMapReadinessOptions.MaxPollInterval + TimeSpan.FromTicks(1)),
        ["CloudMapReadinessOptions.MinConsecutiveSuccesses"] = ("CloudMap:Readiness:ConsecutiveSuccesses", o => o.Readiness.ConsecutiveSuccesses = CloudMapReadinessOptions.MinConsecutiveSuccesses, o => o.Readiness.ConsecutiveSuccesses = CloudMapReadinessOptions.MinConsecutiveSuccesses - 1),
        ["CloudMapReadinessOptions.MaxConsecutiveSuccesses"] = ("CloudMap:Readiness:ConsecutiveSuccesses", o => o.Readiness.ConsecutiveSuccesses = CloudMapReadinessOptions.MaxConsecutiveSuccesses, o => o.Readiness.ConsecutiveSuccesses = CloudMapReadinessOptions.MaxConsecutiveSuccesses + 1),
        ["CloudMapReadinessOptions.MinCheckTimeout"] = ("CloudMap:Readiness:CheckTimeout", o => o.Readiness.CheckTimeout = CloudMapReadinessOptions.MinCheckTimeout, o => o.Readiness.CheckTimeout = CloudMapReadinessOptions.MinCheckTimeout - TimeSpan.FromTicks(1)),
        ["CloudMapReadinessOptions.MaxCheckTimeout"] = ("CloudMap:Readiness:CheckTimeout", o => o.Readiness.CheckTimeout = CloudMapReadinessOptions.MaxCheckTimeout, o => o.Readiness.CheckTimeout = CloudMapReadinessOptions.MaxCheckTimeout + TimeSpan.FromTicks(1)),
        ["CloudMapHealthOptions.MinCheckTimeout"] = ("CloudMap:Health:CheckTimeout", o => o.Health.CheckTimeout = CloudMapHealthOptions.MinCheckTimeout, o => o.Health.CheckTimeout = CloudMapHealthOptions.MinCheckTimeout - TimeSpan.FromTicks(1)),
        ["CloudMapHealthOptions.MaxCheckTimeout"] = ("CloudMap:Health:CheckTimeout", o => o.Health.CheckTimeout = CloudMapHealthOptions.MaxCheckTimeout, o => o.Health.CheckTimeout = CloudMapHealthOptions.MaxCheckTimeout + TimeSpan.FromTicks(1)),
        ["CloudMapHealthOptions.MinInterval"] = ("CloudMap:Health:Interval", o => o.Health.Interval = CloudMapHealthOptions.MinInterval, o => o.Health.Interval = CloudMapHealthOptions.MinInterval - TimeSpan.FromTicks(1)),
        ["CloudMapHealthOptions.MaxInterval"] = ("CloudMap:Health:Interval", o => (o.Health.Interval, o.Health.ReassertInterval) = (CloudMapHealthOptions.MaxInterval, CloudMapHealthOptions.MaxInterval), o => (o.Health.Interval, o.Health.ReassertInterval) = (CloudMapHealthOptions.MaxInterval + TimeSpan.FromTicks(1), CloudMapHealthOptions.MaxInterval + TimeSpan.FromTicks(1))),
        ["CloudMapHealthOptions.MinThreshold (healthy)"] = ("CloudMap:Health:HealthyThreshold", o => o.Health.HealthyThreshold = CloudMapHealthOptions.MinThreshold, o => o.Health.HealthyThreshold = CloudMapHealthOptions.MinThreshold - 1),
        ["CloudMapHealthOptions.MaxThreshold (healthy)"] = ("CloudMap:Health:HealthyThreshold", o => o.Health.HealthyThreshold = CloudMapHealthOptions.MaxThreshold, o => o.Health.HealthyThreshold = CloudMapHealthOptions.MaxThreshold + 1),
        ["CloudMapHealthOptions.MinThreshold (unhealthy)"] = ("CloudMap:Health:UnhealthyThreshold", o => o.Health.UnhealthyThreshold = CloudMapHealthOptions.MinThreshold, o => o.Health.UnhealthyThreshold = CloudMapHealthOptions.MinThreshold - 1),
        ["CloudMapHealthOptions.MaxThreshold (unhealthy)"] = ("CloudMap:Health:UnhealthyThreshold", o => o.Health.UnhealthyThreshold = CloudMapHealthOptions.MaxThreshold, o => o.Health.UnhealthyThreshold = CloudMapHealthOptions.MaxThreshold + 1),
        ["CloudMapHealthOptions.ReassertInterval at least Interval"] = ("CloudMap:Health:ReassertInterval", o => o.Health.ReassertInterval = o.Health.Interval, o => o.Health.ReassertInterval = o.Health.Interval - TimeSpan.FromTicks(1)),
        ["CloudMapHealthOptions.MaxReassertInterval"] = ("CloudMap:Health:ReassertInterval", o => o.Health.ReassertInterval = CloudMapHealthOptions.MaxReassertInterval, o => o.Health.ReassertInterval = CloudMapHealthOptions.MaxReassertInterval + TimeSpan.FromTicks(1)),
        ["CloudMapShutdownOptions.MinDeregistrationTimeout"] = ("CloudMap:Shutdown:DeregistrationTimeout", o => o.Shutdown.DeregistrationTimeout = CloudMapShutdownOptions.MinDeregistrationTimeout, o => o.Shutdown.DeregistrationTimeout = CloudMapShutdownOptions.MinDeregistrationTimeout - TimeSpan.FromTicks(1)),
        ["CloudMapShutdownOptions.MaxDeregistrationTimeout"] = ("CloudMap:Shutdown:DeregistrationTimeout", o => o.Shutdown.DeregistrationTimeout = CloudMapShutdownOptions.MaxDeregistrationTimeout, o => o.Shutdown.DeregistrationTimeout = CloudMapShutdownOptions.MaxDeregistrationTimeout + TimeSpan.FromTicks(1)),
        ["CloudMapShutdownOptions.DrainDelay at least zero"] = ("CloudMap:Shutdown:DrainDelay", o => o.Shutdown.DrainDelay = TimeSpan.Zero, o => o.Shutdown.DrainDelay = -TimeSpan.FromTicks(1)),
        ["CloudMapShutdownOptions.MaxDrainDelay"] = ("CloudMap:Shutdown:DrainDelay", o => o.Shutdown.DrainDelay = CloudMapShutdownOptions.MaxDrainDelay, o => o.Shutdown.DrainDelay = CloudMapShutdownOptions.MaxDrainDelay + TimeSpan.FromTicks(1)),
        ["InstanceIdRule.MaxLength"] = ("CloudMap:InstanceId", o => o.InstanceId = new string('i', InstanceIdRule.MaxLength), o => o.InstanceId = new string('i', InstanceIdRule.MaxLength + 1)),
        ["CloudMapRegistrationOptions.MaxAttributeCount"] = ("CloudMap:Attributes", o => AddAttributes(o, CloudMapRegistrationOptions.MaxAttributeCount), o => AddAttributes(o, CloudMapRegistrationOptions.MaxAttributeCount + 1)),
        ["CloudMapRegistrationOptions.MaxAttributeKeyLength"] = ("CloudMap:Attributes", o => o.Attributes[new string('k', CloudMapRegistrationOptions.MaxAttributeKeyLength)] = "v", o => o.Attributes[new string('k', CloudMapRegistrationOptions.MaxAttributeKeyLength + 1)] = "v"),
        ["CloudMapRegistrationOptions.MaxAttributeValueLength"] = ("CloudMap:Attributes:k", o => o.Attributes["k"] = new string('v', CloudMapRegistrationOptions.MaxAttributeValueLength), o => o.Attributes["k"] = new string('v', CloudMapRegistrationOptions.MaxAttributeValueLength + 1)),
        ["CloudMapRegistrationOptions.MaxStartupJitter"] = ("CloudMap:StartupJitter", o => o.StartupJitter = CloudMapRegistrationOptions.MaxStartupJitter, o => o.StartupJitter = CloudMapRegistrationOptions.MaxStartupJitter + TimeSpan.FromTicks(1)),
        ["CloudMapRegistrationOptions.StartupJitter at least zero"] = ("CloudMap:StartupJitter", o => o.StartupJitter = TimeSpan.Zero, o => o.StartupJitter = -TimeSpan.FromTicks(1)),
        ["CloudMapRegistrationOptions.MaxAttributesLength"] = ("CloudMap:Attributes", o => FillAttributes(o, CloudMapRegistrationOptions.MaxAttributesLength), o => FillAttributes(o, CloudMapRegistrationOptions.MaxAttributesLength + 1)),
    };

    public static TheoryData<string> LimitNames => new(Limits.Keys);

    [Theory]
    [MemberData(nameof(LimitNames))]
    public void Validate_ValueAtDeclaredLimit_Passes(string limit)
    {
        var options = ValidOptions();
        Limits[limit].AtLimit(options);

        var result = Validator().Validate(Options.DefaultName, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [MemberData(nameof(LimitNames))]
    public void Validate_ValueOneStepPastDeclaredLimit_FailsNamingTheKey(string limit)
    {
        var (key, _, pastLimit) = Limits[limit];
        var options = ValidOptions();
        pastLimit(options);

        var result = Validator().Validate(Options.DefaultName, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, failure => failure.StartsWith(key + " ", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_LimitCases_CoverEveryDeclaredMinAndMax()
    {
        var declared = new[] { typeof(CloudMapRegistrationOptions), typeof(CloudMapReadinessOptions), typeof(CloudMapHealthOptions), typeof(CloudMapShutdownOptions) }
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => t.Name + "." + f.Name))
            .Where(name => name.Contains(".Min", StringComparison.Ordinal) || name.Contains(".Max", StringComparison.Ordinal));

        Assert.All(declared, name => Assert.Contains(Limits.Keys, key => key == name || key.StartsWith(name + " ", StringComparison.Ordinal)));
    }

    private static CloudMapRegistrationOptionsValidator Validator() =>
        new([new CloudMapRegistrationMarker(Options.DefaultName, null)], Options.Create(new HostOptions()));

    private static CloudMapRegistrationOptions ValidOptions() => new() { ServiceId = FakeCloudMapClient.CustomServiceId };

    private static void AddAttributes(CloudMapRegistrationOptions options, int count)
    {
        for (var i = 0; i < count; i++)
        {
            options.Attributes["k" + i.ToString(CultureInfo.InvariantCulture)] = "v";
        }
    }

    /// <summary>Keys <c>k0</c>, <c>k1</c>, ... with values as long as allowed until keys and values total <paramref name="length"/>.</summary>
    private static void FillAttributes(CloudMapRegistrationOptions options, int length)
    {
        for (var i = 0; length > 0; i++)
        {
            var key = "k" + i.ToString(CultureInfo.InvariantCulture);
            var value = new string('v', Math.Min(CloudMapRegistrationOptions.MaxAttributeValueLength, length - key.Length));
            options.Attributes[key] = value;
            length -= key.Length + value.Length;
        }
    }
}
