// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text;
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Tests.Client;

public sealed class CloudMapErrorParserTests
{
    [Theory]
    [InlineData("InstanceNotFound", "InstanceNotFound")]
    [InlineData("com.amazonaws.servicediscovery#InstanceNotFound", "InstanceNotFound")]
    [InlineData("InstanceNotFound:http://internal.amazon.com/", "InstanceNotFound")]
    [InlineData("a.b#c#InstanceNotFound:x#y", "InstanceNotFound")]
    [InlineData("", null)]
    [InlineData(":http://only-url", null)]
    [InlineData(null, null)]
    public void SanitizeErrorCode_KeepsNameOnly(string? raw, string? expected)
        => Assert.Equal(expected, CloudMapErrorParser.SanitizeErrorCode(raw));

    [Fact]
    public void Parse_HeaderAndBody_HeaderWinsAsInSmithyAwsJson11()
    {
        var info = CloudMapErrorParser.Parse(Encoding.UTF8.GetBytes("""{"__type":"FromBody","message":"m"}"""), "FromHeader:http://x");

        Assert.Equal("FromHeader", info.Code);
        Assert.Equal("m", info.Message);
        Assert.True(info.BodyWasJson);
    }

    [Fact]
    public void Parse_CodeBeforeType()
        => Assert.Equal("FromCode", CloudMapErrorParser.Parse(Encoding.UTF8.GetBytes("""{"__type":"FromType","code":"FromCode"}"""), null).Code);

    [Fact]
    public void Parse_NonStringMembers_AreIgnored()
    {
        var info = CloudMapErrorParser.Parse(Encoding.UTF8.GetBytes("""{"__type":42,"Message":{"a":1}}"""), null);

        Assert.Equal(CloudMapErrorCodes.Unknown, info.Code);
        Assert.Equal(string.Empty, info.Message);
        Assert.True(info.BodyWasJson);
    }

    [Theory]
    [InlineData("<html/>")]
    [InlineData("[]")]
    [InlineData("{\"__type\":")]
    [InlineData("")]
    public void Parse_NotAJsonObject_ReportsIt(string body)
    {
        var info = CloudMapErrorParser.Parse(Encoding.UTF8.GetBytes(body), null);

        Assert.False(info.BodyWasJson);
        Assert.Equal(CloudMapErrorCodes.Unknown, info.Code);
    }
}
