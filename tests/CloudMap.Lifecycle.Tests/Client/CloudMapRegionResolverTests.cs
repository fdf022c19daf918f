// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Tests.Client;

public sealed class CloudMapRegionResolverTests
{
    private static readonly Dictionary<string, string> AllSources = new()
    {
        ["AWS_REGION"] = "env-region",
        ["AWS_DEFAULT_REGION"] = "env-default-region",
    };

    [Fact]
    public void Resolve_OptionsRegion_WinsOverEverything()
        => Assert.Equal("eu-west-1", CloudMapRegionResolver.Resolve("eu-west-1", "default", Env(AllSources), _ => "profile-region"));

    [Fact]
    public void Resolve_NoOptions_UsesAwsRegionBeforeAwsDefaultRegion()
        => Assert.Equal("env-region", CloudMapRegionResolver.Resolve(null, "default", Env(AllSources), _ => "profile-region"));

    [Fact]
    public void Resolve_OnlyAwsDefaultRegion_UsesIt()
        => Assert.Equal("env-default-region", CloudMapRegionResolver.Resolve("  ", "default", Env(new() { ["AWS_DEFAULT_REGION"] = "env-default-region", ["AWS_REGION"] = "" }), _ => "profile-region"));

    [Fact]
    public void Resolve_OnlyProfile_ReadsTheNamedProfile()
    {
        string? asked = null;

        var region = CloudMapRegionResolver.Resolve(null, "work", Env([]), p =>
        {
            asked = p;
            return "ap-south-1";
        });

        Assert.Equal("ap-south-1", region);
        Assert.Equal("work", asked);
    }

    [Fact]
    public void Resolve_Nothing_ThrowsNamingEveryPlaceLooked()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => CloudMapRegionResolver.Resolve(null, "work", Env([]), _ => null));

        foreach (var place in new[] { "CloudMapClientOptions.Region", "AWS:Region", "AWS_REGION", "AWS_DEFAULT_REGION", "'work'", "instance metadata" })
        {
            Assert.Contains(place, ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("opt", "env", "opt")]
    [InlineData(null, "env", "env")]
    [InlineData(null, null, "default")]
    public void ResolveProfileName_OptionsThenAwsProfileThenDefault(string? options, string? env, string expected)
        => Assert.Equal(expected, CloudMapRegionResolver.ResolveProfileName(options, n => n == "AWS_PROFILE" ? env : null));

    [Fact]
    public void ReadProfileRegion_CredentialsFileWithRegion_ReturnsIt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cloudmap-credentials-{Guid.NewGuid():N}");
        File.WriteAllText(path, "[work]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\nregion = sa-east-1\n");
        try
        {
            Assert.Equal("sa-east-1", CloudMapRegionResolver.ReadProfileRegion("work", path));
            Assert.Null(CloudMapRegionResolver.ReadProfileRegion("absent", path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ReadProfileRegion_MissingFile_ReturnsNull()
        => Assert.Null(CloudMapRegionResolver.ReadProfileRegion("default", Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}")));

    private static Func<string, string?> Env(Dictionary<string, string> values) => name => values.TryGetValue(name, out var v) ? v : null;
}
