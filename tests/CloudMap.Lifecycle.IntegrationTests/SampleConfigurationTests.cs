// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Sample;

namespace CloudMap.Lifecycle.IntegrationTests;

/// <summary>What the sample decides from its configuration, before anything starts: where it listens and which Cloud Map it uses.</summary>
public sealed class SampleConfigurationTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BuildAsync_NoListenAddressSet_UsesLocalDefault()
    {
        await using var app = await SampleApp.BuildAsync(["--CloudMap:Enabled=false", "--Sample:EmbeddedEmulator=false"], cancellationToken: Token);

        Assert.Equal(SampleApp.LocalDefaultUrl, app.Configuration["urls"]);
    }

    [Theory]
    [InlineData("HTTP_PORTS")]
    [InlineData("HTTPS_PORTS")]
    [InlineData("Kestrel:Endpoints:Http:Url")]
    public async Task BuildAsync_AspNetCoreAddressSourceSet_LeavesAddressToKestrel(string key)
    {
        // ASPNETCORE_HTTP_PORTS arrives as the key HTTP_PORTS; a "urls" value would override it.
        await using var app = await SampleApp.BuildAsync(
            ["--CloudMap:Enabled=false", "--Sample:EmbeddedEmulator=false"],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = "8080" }),
            Token);

        Assert.Null(app.Configuration["urls"]);
    }

    [Fact]
    public async Task BuildAsync_ServiceUrlAndServiceNameConfigured_DoesNotStartEmbeddedEmulator()
    {
        var logs = new AwaitableFakeLogs();

        // The case: an endpoint and a service name, no namespace name (the library then reports what is missing).
        await using var app = await SampleApp.BuildAsync(
            ["--urls=http://127.0.0.1:0", "--AWS:ServiceURL=http://127.0.0.1:4566", "--CloudMap:ServiceName=orders", "--CloudMap:Enabled=false"],
            builder => builder.Logging.AddProvider(logs),
            Token);

        Assert.Equal(0, logs.CountEvents("EmbeddedEmulator"));
        Assert.Equal("http://127.0.0.1:4566", app.Configuration["AWS:ServiceURL"]);
        Assert.Null(app.Configuration["CloudMap:NamespaceName"]);
    }

    [Theory]
    [InlineData("--AWS:ServiceURL=http://127.0.0.1:4566")]
    [InlineData("--CloudMap:ServiceId=srv-0123456789abcdef")]
    [InlineData("--CloudMap:NamespaceName=example")]
    [InlineData("--CloudMap:ServiceName=orders")]
    public async Task BuildAsync_AnyTargetKeyConfigured_DoesNotStartEmbeddedEmulator(string target)
    {
        var logs = new AwaitableFakeLogs();

        await using var app = await SampleApp.BuildAsync(["--urls=http://127.0.0.1:0", "--CloudMap:Enabled=false", target], builder => builder.Logging.AddProvider(logs), Token);

        Assert.Equal(0, logs.CountEvents("EmbeddedEmulator"));
        Assert.Equal(1, logs.CountEvents("ConfiguredCloudMap"));
    }

    [Fact]
    public async Task BuildAsync_EmbeddedEmulatorTrueWithNames_CreatesThemInTheEmulator()
    {
        var logs = new AwaitableFakeLogs();

        await using var app = await SampleApp.BuildAsync(
            ["--urls=http://127.0.0.1:0", "--CloudMap:Enabled=false", "--Sample:EmbeddedEmulator=true", "--CloudMap:NamespaceName=shop.local", "--CloudMap:ServiceName=orders"],
            builder => builder.Logging.AddProvider(logs),
            Token);

        Assert.Equal(1, logs.CountEvents("EmbeddedEmulator"));
        Assert.Equal("shop.local", app.Configuration["CloudMap:NamespaceName"]);
        Assert.StartsWith("http://127.0.0.1:", app.Configuration["AWS:ServiceURL"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--AWS:ServiceURL=http://127.0.0.1:4566", "'AWS:ServiceURL' is set to 'http://127.0.0.1:4566'")]
    [InlineData("--CloudMap:ServiceId=srv-0123456789abcdef", "'CloudMap:ServiceId' is set to 'srv-0123456789abcdef'")]
    public async Task BuildAsync_EmbeddedEmulatorTrueWithEndpointOrServiceId_FailsNamingBoth(string conflict, string expected)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => SampleApp.BuildAsync(["--urls=http://127.0.0.1:0", "--Sample:EmbeddedEmulator=true", conflict], cancellationToken: Token));

        Assert.Contains("'Sample:EmbeddedEmulator' is 'true'", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildAsync_EmbeddedEmulatorFalseAndNothingConfigured_StartsNoEmulator()
    {
        var logs = new AwaitableFakeLogs();

        await using var app = await SampleApp.BuildAsync(["--urls=http://127.0.0.1:0", "--CloudMap:Enabled=false", "--Sample:EmbeddedEmulator=false"], builder => builder.Logging.AddProvider(logs), Token);

        Assert.Equal(0, logs.CountEvents("EmbeddedEmulator"));
        Assert.Null(app.Configuration["AWS:ServiceURL"]);
    }

    [Theory]
    [InlineData("--Sample:RegistrationMode=Hybrid", "Configuration key 'Sample:RegistrationMode' has value 'Hybrid', which is not one of Library, Baseline.")]
    [InlineData("--Sample:RegistrationMode=1", "Configuration key 'Sample:RegistrationMode' has value '1', which is not one of Library, Baseline.")]
    [InlineData("--Sample:WarmupSeconds=-1", "Configuration key 'Sample:WarmupSeconds' has value '-1', which is not a number of seconds, 0 or more (such as 2 or 0.5).")]
    [InlineData("--Sample:EmbeddedEmulator=yes", "Configuration key 'Sample:EmbeddedEmulator' has value 'yes', which is not one of auto, true, false.")]
    [InlineData("--Sample:Warmup=2", "Configuration key 'Sample:Warmup' is not a setting of the sample; the settings are Sample:WarmupSeconds, Sample:RegistrationMode and Sample:EmbeddedEmulator.")]
    public async Task BuildAsync_BadSampleSetting_FailsNamingKeyAndValidValues(string setting, string expected)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => SampleApp.BuildAsync(["--urls=http://127.0.0.1:0", "--CloudMap:Enabled=false", setting], cancellationToken: Token));

        Assert.Equal(expected, error.Message);
    }

    [Theory]
    [InlineData("auto", null)]
    [InlineData("", null)]
    [InlineData("TRUE", true)]
    [InlineData("false", false)]
    public void Read_EmbeddedEmulator_ParsesAutoTrueFalse(string value, bool? expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Sample:EmbeddedEmulator"] = value }).Build();

        Assert.Equal(expected, SampleOptions.Read(configuration).EmbeddedEmulator);
    }
}
