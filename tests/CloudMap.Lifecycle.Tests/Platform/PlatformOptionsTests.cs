// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal;
using Microsoft.Extensions.Configuration;

namespace CloudMap.Lifecycle.Tests.Platform;

/// <summary>The <c>CloudMap:Platform</c> keys: defaults, binding, and typos caught by the key checker.</summary>
public sealed class PlatformOptionsTests
{
    [Fact]
    public void Defaults_AttributesAndEvidenceOn()
    {
        var options = new CloudMapRegistrationOptions();

        Assert.True(options.Platform.Attributes);
        Assert.True(options.Platform.Evidence);
    }

    [Fact]
    public void Bind_PlatformSection_TurnsBothOff()
    {
        var configuration = Configuration(("CloudMap:Platform:Attributes", "false"), ("CloudMap:Platform:Evidence", "false"));
        var options = new CloudMapRegistrationOptions();

        configuration.GetSection("CloudMap").Bind(options, o => o.ErrorOnUnknownConfiguration = true);

        Assert.False(options.Platform.Attributes);
        Assert.False(options.Platform.Evidence);
    }

    [Fact]
    public void Check_MisspelledPlatformKey_NamesTheFullKeyAndTheNearestOne()
    {
        var configuration = Configuration(("CloudMap:Platform:Evidense", "false"));

        var problem = Assert.Single(ConfigurationKeyChecker.Check(configuration.GetSection("CloudMap"), "CloudMap", typeof(CloudMapRegistrationOptions)));

        Assert.Contains("CloudMap:Platform:Evidense", problem, StringComparison.Ordinal);
        Assert.Contains("Evidence", problem.Replace("Evidense", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_BadBoolean_NamesTheKeyAndTheValue()
    {
        var configuration = Configuration(("CloudMap:Platform:Attributes", "maybe"));

        var problem = Assert.Single(ConfigurationKeyChecker.Check(configuration.GetSection("CloudMap"), "CloudMap", typeof(CloudMapRegistrationOptions)));

        Assert.Contains("CloudMap:Platform:Attributes", problem, StringComparison.Ordinal);
        Assert.Contains("maybe", problem, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
