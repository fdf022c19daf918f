// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.RegularExpressions;
using CloudMap.Lifecycle.Identity;

namespace CloudMap.Lifecycle.Tests;

/// <summary>The one instance-id rule: what validation accepts is exactly what sanitizing produces.</summary>
public sealed class InstanceIdRuleTests
{
    [Theory]
    [InlineData("i-0123456789abcdef0")]
    [InlineData("158d1c8083dd49d6b527399fd6414f5c")]
    [InlineData("web_01/a:b.c@d-e")]
    [InlineData("a")]
    public void IsValid_CloudMapInstanceId_True(string instanceId)
    {
        Assert.True(InstanceIdRule.IsValid(instanceId));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("bad id")]
    [InlineData("caf\u00e9")]
    [InlineData("a+b")]
    [InlineData("line\n")]
    public void IsValid_NotACloudMapInstanceId_False(string? instanceId)
    {
        Assert.False(InstanceIdRule.IsValid(instanceId));
    }

    [Fact]
    public void IsValid_AtMaxLength_TrueAndOneLonger_False()
    {
        Assert.True(InstanceIdRule.IsValid(new string('a', InstanceIdRule.MaxLength)));
        Assert.False(InstanceIdRule.IsValid(new string('a', InstanceIdRule.MaxLength + 1)));
    }

    [Fact]
    public void Pattern_StatesMaxLength()
    {
        Assert.EndsWith("]{1," + InstanceIdRule.MaxLength + "}$", InstanceIdRule.Pattern, StringComparison.Ordinal);
        Assert.Contains(InstanceIdRule.Pattern, InstanceIdRule.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void IsValid_EveryCharacterOfTheBasicPlane_AgreesWithPattern()
    {
        for (var c = (char)1; c < char.MaxValue; c++)
        {
            var id = "a" + c + "b";
            Assert.True(Regex.IsMatch(id, InstanceIdRule.Pattern, RegexOptions.CultureInvariant) == InstanceIdRule.IsValid(id), $"U+{(int)c:X4}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    [InlineData(65)]
    public void IsValid_Length_AgreesWithPattern(int length)
    {
        var id = new string('a', length);

        Assert.Equal(Regex.IsMatch(id, InstanceIdRule.Pattern, RegexOptions.CultureInvariant), InstanceIdRule.IsValid(id));
    }

    [Fact]
    public void IsValid_TrailingNewline_False()
    {
        // Where a regex's $ would accept it (it matches before a final \n), Cloud Map would refuse it.
        Assert.False(InstanceIdRule.IsValid("web-01\n"));
    }

    [Theory]
    [InlineData("web-01.internal")]
    [InlineData("My Host (2)")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("\u00e9\u00e8\u00ea")]
    [InlineData("ip-10-0-0-1.ec2.internal with a very long suffix that goes well past sixty-four characters")]
    public void Sanitize_AnyName_GivesAValidInstanceId(string? name)
    {
        var sanitized = InstanceIdRule.Sanitize(name);

        Assert.True(InstanceIdRule.IsValid(sanitized), sanitized);
    }

    [Fact]
    public void Sanitize_ValidInstanceId_Unchanged()
    {
        Assert.Equal("web_01/a:b.c@d-e", InstanceIdRule.Sanitize("web_01/a:b.c@d-e"));
    }

    [Fact]
    public void SanitizeInstanceId_HostIdentity_ForwardsToTheRule()
    {
        Assert.Equal(InstanceIdRule.Sanitize("My Host (2)"), HostIdentity.SanitizeInstanceId("My Host (2)"));
        Assert.Equal(InstanceIdRule.Fallback, HostIdentity.SanitizeInstanceId(null));
    }
}
