// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Identity;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudMap.Lifecycle.Tests;

/// <summary>ECS task metadata v4 and EC2 IMDSv2 resolvers against fake metadata endpoints on loopback.</summary>
public sealed class IdentityResolverTests
{
    private const string AwsvpcTask = """
        {"TaskARN":"arn:aws:ecs:us-east-1:111122223333:task/prod/158d1c8083dd49d6b527399fd6414f5c",
         "Containers":[
           {"Name":"~internal~ecs~pause","Type":"CNI_PAUSE","Networks":[{"NetworkMode":"awsvpc","IPv4Addresses":["10.9.9.9"]}]},
           {"Name":"app","Type":"NORMAL","Networks":[{"NetworkMode":"awsvpc","IPv4Addresses":["10.0.2.106"]}]}]}
        """;

    private const string BridgeTask = """
        {"TaskARN":"arn:aws:ecs:us-east-1:111122223333:task/prod/aaaabbbbccccdddd",
         "Containers":[{"Name":"app","Type":"NORMAL",
           "Networks":[{"NetworkMode":"bridge","IPv4Addresses":["172.17.0.2"]}],
           "Ports":[{"ContainerPort":8080,"Protocol":"tcp","HostPort":32768,"HostIp":"0.0.0.0"}]}]}
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ResolveAsync_EcsAwsvpc_TaskIdAndNormalContainerAddress_NoImdsCall()
    {
        await using var ecs = await FakeMetadataServer.StartAsync(AwsvpcTask);
        await using var imds = await FakeMetadataServer.StartAsync(null);
        using var resolver = Resolver(ecs.Url, imds.Url);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Equal("158d1c8083dd49d6b527399fd6414f5c", identity.InstanceId);
        Assert.Equal(IPAddress.Parse("10.0.2.106"), identity.Address);
        Assert.Equal("ecs", identity.Source);
        Assert.Empty(imds.Requests);
        Assert.Equal(["GET /v4/task"], ecs.Requests);
    }

    [Fact]
    public async Task ResolveAsync_EcsBridge_HostAddressFromImdsAndHostPortMapping()
    {
        await using var ecs = await FakeMetadataServer.StartAsync(BridgeTask);
        await using var imds = await FakeMetadataServer.StartAsync(null);
        using var resolver = Resolver(ecs.Url, imds.Url);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Equal("aaaabbbbccccdddd", identity.InstanceId);
        Assert.Equal(IPAddress.Parse("10.0.0.42"), identity.Address);
        Assert.Equal(32768, identity.HostPorts[8080]);
        Assert.Equal("ecs+ec2", identity.Source);
    }

    [Fact]
    public async Task ResolveAsync_EcsMissingFields_ReturnsWhatIsKnownWithoutThrowing()
    {
        await using var ecs = await FakeMetadataServer.StartAsync("""{"Containers":[{"Type":"NORMAL"}]}""");
        using var resolver = Resolver(ecs.Url, imds: null);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Null(identity.InstanceId);
        Assert.Null(identity.Address);
    }

    [Fact]
    public async Task ResolveAsync_EcsMalformedJson_FallsThroughToNothing()
    {
        await using var ecs = await FakeMetadataServer.StartAsync("{not json");
        using var resolver = Resolver(ecs.Url, imds: null);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Same(InstanceIdentity.None, identity);
    }

    [Fact]
    public async Task ResolveAsync_Ec2_UsesImdsV2TokenThenGetsWithToken()
    {
        await using var imds = await FakeMetadataServer.StartAsync(null);
        using var resolver = Resolver(ecs: null, imds.Url);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Equal("i-0abc123def4567890", identity.InstanceId);
        Assert.Equal(IPAddress.Parse("10.0.0.42"), identity.Address);
        Assert.Equal(["PUT /latest/api/token", "GET /latest/meta-data/instance-id", "GET /latest/meta-data/local-ipv4", "GET /latest/meta-data/placement/availability-zone", "GET /latest/meta-data/placement/region"], imds.Requests);
        Assert.All(imds.TokenHeaders.Skip(1), t => Assert.Equal("token-1", t));
        Assert.Equal("21600", imds.TtlHeaders[0]);
    }

    [Fact]
    public async Task ResolveAsync_Ec2TokenExpired_FetchesNewTokenOnce()
    {
        await using var imds = await FakeMetadataServer.StartAsync(null, rejectFirstGet: true);
        using var resolver = Resolver(ecs: null, imds.Url);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Equal("i-0abc123def4567890", identity.InstanceId);
        Assert.Equal(2, imds.Requests.Count(r => r.StartsWith("PUT", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ResolveAsync_Ec2Disabled_NeverAsksImds()
    {
        await using var imds = await FakeMetadataServer.StartAsync(null);
        using var resolver = new InstanceIdentityResolver(
            new InstanceIdentityResolverOptions { RequestTimeout = TestPatience.Request, TotalTimeout = TestPatience.Total, ImdsBaseUri = imds.Url, Ec2MetadataDisabled = true },
            NullLogger<InstanceIdentityResolver>.Instance);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Same(InstanceIdentity.None, identity);
        Assert.Empty(imds.Requests);
    }

    [Fact]
    public async Task ResolveAsync_NothingListening_ReturnsNoneAndCachesIt()
    {
        using var resolver = new InstanceIdentityResolver(
            new InstanceIdentityResolverOptions { ImdsBaseUri = new Uri("http://127.0.0.1:9/"), RequestTimeout = TimeSpan.FromSeconds(1) },
            NullLogger<InstanceIdentityResolver>.Instance);

        var first = await resolver.ResolveAsync(Ct);
        var second = await resolver.ResolveAsync(Ct);

        Assert.Same(InstanceIdentity.None, first);
        Assert.Same(first, second);
    }

    [Fact]
    public async Task ResolveAsync_HostLooksLikeEc2_AsksImdsV2AtTheUnconfiguredAddress()
    {
        await using var imds = await FakeMetadataServer.StartAsync(null);
        using var resolver = new InstanceIdentityResolver(
            new InstanceIdentityResolverOptions { RequestTimeout = TestPatience.Request, TotalTimeout = TestPatience.Total, UnconfiguredImdsBaseUri = imds.Url, ReadPlatformFile = p => p == Ec2HostEvidence.SysVendorPath ? "Amazon EC2\n" : null },
            NullLogger<InstanceIdentityResolver>.Instance);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Equal("i-0abc123def4567890", identity.InstanceId);
        Assert.Equal("PUT /latest/api/token", imds.Requests[0]);
    }

    [Fact]
    public async Task ResolveAsync_NoEc2SignAndNoEndpoint_NeverAsksImds()
    {
        await using var imds = await FakeMetadataServer.StartAsync(null);
        var read = new List<string>();
        using var resolver = new InstanceIdentityResolver(
            new InstanceIdentityResolverOptions
            {
                RequestTimeout = TestPatience.Request,
                TotalTimeout = TestPatience.Total,
                UnconfiguredImdsBaseUri = imds.Url,
                ReadPlatformFile = p =>
                {
                    read.Add(p);
                    return p == Ec2HostEvidence.SysVendorPath ? "QEMU" : null;
                },
            },
            NullLogger<InstanceIdentityResolver>.Instance);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Same(InstanceIdentity.None, identity);
        Assert.Empty(imds.Requests);
        Assert.Equal(Ec2HostEvidence.Paths, read);
    }

    [Fact]
    public async Task ResolveAsync_ImdsEndpointConfigured_AsksItWithoutAnyEc2Sign()
    {
        await using var imds = await FakeMetadataServer.StartAsync(null);
        using var resolver = new InstanceIdentityResolver(
            new InstanceIdentityResolverOptions { RequestTimeout = TestPatience.Request, TotalTimeout = TestPatience.Total, ImdsBaseUri = imds.Url, UnconfiguredImdsBaseUri = new Uri("http://127.0.0.1:9/"), ReadPlatformFile = _ => null },
            NullLogger<InstanceIdentityResolver>.Instance);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Equal("i-0abc123def4567890", identity.InstanceId);
        Assert.Equal(5, imds.Requests.Count); // token, instance-id, local-ipv4, placement zone and region
    }

    [Theory]
    [InlineData("EC2", true)]
    [InlineData("EXTERNAL", false)]
    public async Task ResolveAsync_EcsBridgeWithoutEc2Sign_AsksImdsOnlyOnTheEc2LaunchType(string launchType, bool asks)
    {
        await using var ecs = await FakeMetadataServer.StartAsync(BridgeTask.Replace("\"TaskARN\"", $"\"LaunchType\":\"{launchType}\",\"TaskARN\"", StringComparison.Ordinal));
        await using var imds = await FakeMetadataServer.StartAsync(null);
        using var resolver = new InstanceIdentityResolver(
            new InstanceIdentityResolverOptions { RequestTimeout = TestPatience.Request, TotalTimeout = TestPatience.Total, EcsMetadataUri = new Uri(ecs.Url, "v4"), UnconfiguredImdsBaseUri = imds.Url, ReadPlatformFile = _ => null },
            NullLogger<InstanceIdentityResolver>.Instance);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Equal(launchType, identity.LaunchType);
        Assert.Equal(32768, identity.HostPorts[8080]);
        Assert.Equal(asks ? IPAddress.Parse("10.0.0.42") : null, identity.Address);
        Assert.Equal(asks, imds.Requests.Count > 0);
    }

    [Theory]
    [InlineData(null, null, null, null, false)]
    [InlineData("http://127.0.0.1:1338", null, null, "http://127.0.0.1:1338/", false)]
    [InlineData("http://[fd00:ec2::254]/", "IPv4", null, "http://[fd00:ec2::254]/", false)]
    [InlineData(null, "IPv6", null, "http://[fd00:ec2::254]/", false)]
    [InlineData(null, "IPv4", "true", null, true)]
    [InlineData("not a uri", null, "false", null, false)]
    public void FromEnvironment_ImdsVariables_ExplicitEndpointOnlyWhenConfigured(string? endpoint, string? mode, string? disabled, string? expected, bool expectDisabled)
    {
        var variables = new Dictionary<string, string?>
        {
            ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = endpoint,
            ["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"] = mode,
            ["AWS_EC2_METADATA_DISABLED"] = disabled,
        };

        var options = InstanceIdentityResolverOptions.FromEnvironment(n => variables.GetValueOrDefault(n));

        Assert.Equal(expected, options.ImdsBaseUri?.AbsoluteUri);
        Assert.Equal(expectDisabled, options.Ec2MetadataDisabled);
        Assert.Equal(InstanceIdentityResolverOptions.DefaultImdsBaseUri, options.UnconfiguredImdsBaseUri);
    }

    [Theory]
    [InlineData("web-01.internal", "web-01.internal")]
    [InlineData("My Host (2)", "My-Host--2-")]
    [InlineData("", "instance")]
    public void SanitizeInstanceId_HostName_MatchesCloudMapPattern(string hostName, string expected)
    {
        Assert.Equal(expected, HostIdentity.SanitizeInstanceId(hostName));
    }

    [Fact]
    public void SanitizeInstanceId_LongHostName_TruncatedTo64()
    {
        Assert.Equal(64, HostIdentity.SanitizeInstanceId(new string('h', 100)).Length);
    }

    private static InstanceIdentityResolver Resolver(Uri? ecs, Uri? imds) => new(
        new InstanceIdentityResolverOptions
        {
            RequestTimeout = TestPatience.Request,
            TotalTimeout = TestPatience.Total,
            EcsMetadataUri = ecs is null ? null : new Uri(ecs, "v4"),
            ImdsBaseUri = imds ?? new Uri("http://127.0.0.1:9/"),
            Ec2MetadataDisabled = imds is null,
        },
        NullLogger<InstanceIdentityResolver>.Instance);

    /// <summary>One loopback server playing both ECS task metadata (<c>/v4/task</c>) and IMDSv2 (<c>/latest/...</c>).</summary>
    private sealed class FakeMetadataServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly List<string> _requests = [];
        private int _tokens;
        private bool _rejectNextGet;

        private FakeMetadataServer(WebApplication app) => _app = app;

        public Uri Url { get; private set; } = null!;

        public List<string?> TokenHeaders { get; } = [];

        public List<string?> TtlHeaders { get; } = [];

        public IReadOnlyList<string> Requests
        {
            get
            {
                lock (_requests)
                {
                    return _requests.ToArray();
                }
            }
        }

        public static async Task<FakeMetadataServer> StartAsync(string? taskJson, bool rejectFirstGet = false)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var server = new FakeMetadataServer(app) { _rejectNextGet = rejectFirstGet };
            app.Run(server.HandleAsync(taskJson));
            await app.StartAsync(TestContext.Current.CancellationToken);
            server.Url = new Uri(app.Urls.First() + "/");
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(TestContext.Current.CancellationToken);
            await _app.DisposeAsync();
        }

        private RequestDelegate HandleAsync(string? taskJson) => async context =>
        {
            var path = context.Request.Path.Value ?? string.Empty;
            lock (_requests)
            {
                _requests.Add(context.Request.Method + " " + path);
            }

            if (path == "/v4/task" && taskJson is not null)
            {
                await context.Response.WriteAsync(taskJson, TestContext.Current.CancellationToken);
                return;
            }

            if (path == "/latest/api/token" && HttpMethods.IsPut(context.Request.Method))
            {
                TtlHeaders.Add(context.Request.Headers["X-aws-ec2-metadata-token-ttl-seconds"]);
                TokenHeaders.Add(null);
                await context.Response.WriteAsync("token-" + Interlocked.Increment(ref _tokens), TestContext.Current.CancellationToken);
                return;
            }

            var token = context.Request.Headers["X-aws-ec2-metadata-token"].ToString();
            TokenHeaders.Add(token);
            if (string.IsNullOrEmpty(token) || _rejectNextGet)
            {
                _rejectNextGet = false;
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            var body = path switch
            {
                "/latest/meta-data/instance-id" => "i-0abc123def4567890",
                "/latest/meta-data/local-ipv4" => "10.0.0.42",
                _ => null,
            };
            if (body is null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            await context.Response.WriteAsync(body, TestContext.Current.CancellationToken);
        };
    }
}
