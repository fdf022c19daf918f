// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Tests.Client;

public sealed class CloudMapEndpointTests
{
    [Theory]
    [InlineData("us-east-1", "https://servicediscovery.us-east-1.amazonaws.com/", "https://data-servicediscovery.us-east-1.amazonaws.com/")]
    [InlineData("cn-north-1", "https://servicediscovery.cn-north-1.amazonaws.com.cn/", "https://data-servicediscovery.cn-north-1.amazonaws.com.cn/")]
    public void Create_NoServiceUrl_UsesRegionalEndpoints(string region, string control, string data)
    {
        var endpoint = CloudMapEndpoint.Create(region, null, disableHostPrefixInjection: false);

        Assert.Equal(new Uri(control), endpoint.ControlPlane);
        Assert.Equal(new Uri(data), endpoint.DataPlane);
        Assert.Equal(region, endpoint.Region);
    }

    [Fact]
    public void Create_CustomUrl_PrefixesDataHostKeepingPort()
    {
        var endpoint = CloudMapEndpoint.Create("us-east-1", new Uri("http://cloudmap.internal:5000"), disableHostPrefixInjection: false);

        Assert.Equal(new Uri("http://cloudmap.internal:5000/"), endpoint.ControlPlane);
        Assert.Equal("data-cloudmap.internal", endpoint.DataPlane.Host);
        Assert.Equal(5000, endpoint.DataPlane.Port);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000/")]
    [InlineData("http://[::1]:5000/")]
    [InlineData("http://localhost:5000/")]
    [InlineData("http://emulator.localhost:5000/")]
    public void Create_IpLiteralOrLocalhost_NeverPrefixed(string url)
    {
        // data-127.0.0.1 is a DNS name: resolving it would send a query off this machine and could never succeed.
        var endpoint = CloudMapEndpoint.Create("us-east-1", new Uri(url), disableHostPrefixInjection: false);

        Assert.Equal(endpoint.ControlPlane, endpoint.DataPlane);
    }

    [Fact]
    public void Create_PrefixDisabled_DataPlaneIsControlPlane()
    {
        var endpoint = CloudMapEndpoint.Create("us-east-1", new Uri("http://localhost:5000/"), disableHostPrefixInjection: true);

        Assert.Equal(endpoint.ControlPlane, endpoint.DataPlane);
    }

    [Fact]
    public void Create_NonHttpServiceUrl_Throws()
        => Assert.Throws<InvalidOperationException>(() => CloudMapEndpoint.Create("us-east-1", new Uri("ftp://example.com/"), false));
}
