// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Identity;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Platform;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudMap.Lifecycle.Tests.Platform;

/// <summary>Platform identity from ECS task metadata and EC2 IMDSv2 (loopback fakes), and the attributes it becomes.</summary>
public sealed class PlatformIdentityTests
{
    private const string FargateTask = """
        {"Cluster":"arn:aws:ecs:eu-west-1:111122223333:cluster/prod","TaskARN":"arn:aws:ecs:eu-west-1:111122223333:task/prod/158d1c8083dd49d6b527399fd6414f5c",
         "AvailabilityZone":"eu-west-1b","LaunchType":"FARGATE",
         "Containers":[{"Name":"app","Type":"NORMAL","Networks":[{"NetworkMode":"awsvpc","IPv4Addresses":["10.0.2.106"]}]}]}
        """;

    private const string BridgeTaskOnEc2 = """
        {"Cluster":"prod","TaskARN":"arn:aws:ecs:us-east-1:111122223333:task/prod/aaaabbbbccccdddd","AvailabilityZone":"us-east-1a","LaunchType":"EC2",
         "Containers":[{"Name":"app","Type":"NORMAL","Networks":[{"NetworkMode":"bridge","IPv4Addresses":["172.17.0.2"]}],
           "Ports":[{"ContainerPort":8080,"HostPort":32768}]}]}
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ResolveAsync_EcsFargate_TaskArnClusterZoneAndRegion()
    {
        await using var ecs = await MetadataFake.StartAsync(new() { ["/v4/task"] = FargateTask });
        using var resolver = Resolver(ecsUri: new Uri(ecs.Url, "v4"));

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Equal(
            new PlatformIdentity("arn:aws:ecs:eu-west-1:111122223333:task/prod/158d1c8083dd49d6b527399fd6414f5c", "prod", null, "eu-west-1b", "eu-west-1"),
            identity.Platform);
        Assert.Equal(
            ["ECS_TASK_ARN", "ECS_CLUSTER_NAME", "AVAILABILITY_ZONE", "REGION"],
            identity.Platform.ToAttributes().Select(a => a.Key));
    }

    [Fact]
    public async Task ResolveAsync_Ec2_InstanceIdZoneAndRegionThroughImdsV2()
    {
        await using var imds = await MetadataFake.StartAsync(Imds("i-0abc123def4567890"));
        using var resolver = Resolver(imdsUri: imds.Url);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Equal(new PlatformIdentity(null, null, "i-0abc123def4567890", "us-east-1c", "us-east-1"), identity.Platform);
        Assert.Equal("PUT /latest/api/token", imds.Requests[0]);
        Assert.All(imds.Requests.Skip(1), r => Assert.StartsWith("GET /latest/meta-data/", r, StringComparison.Ordinal));
        Assert.All(imds.TokenHeaders.Skip(1), t => Assert.False(string.IsNullOrEmpty(t)));
    }

    [Fact]
    public async Task ResolveAsync_EcsBridgeOnEc2_TaskFromEcsAndTheHostInstanceFromImds()
    {
        await using var ecs = await MetadataFake.StartAsync(new() { ["/v4/task"] = BridgeTaskOnEc2 });
        await using var imds = await MetadataFake.StartAsync(Imds("i-0abc123def4567890"));
        using var resolver = Resolver(ecsUri: new Uri(ecs.Url, "v4"), imdsUri: imds.Url);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Equal(
            new PlatformIdentity("arn:aws:ecs:us-east-1:111122223333:task/prod/aaaabbbbccccdddd", "prod", "i-0abc123def4567890", "us-east-1a", "us-east-1"),
            identity.Platform);
    }

    [Fact]
    public async Task ResolveAsync_Ec2MetadataDisabled_NoRequestEvenWithAnEndpointConfigured()
    {
        await using var imds = await MetadataFake.StartAsync(Imds("i-0abc123def4567890"));
        using var resolver = new InstanceIdentityResolver(
            new InstanceIdentityResolverOptions { RequestTimeout = TestPatience.Request, TotalTimeout = TestPatience.Total, ImdsBaseUri = imds.Url, Ec2MetadataDisabled = true, ReadPlatformFile = _ => "Amazon EC2" },
            NullLogger<InstanceIdentityResolver>.Instance);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.True(identity.Platform.IsEmpty);
        Assert.Empty(imds.Requests);
    }

    [Fact]
    public void FromEnvironment_NoEndpointConfigured_ImdsOnlyWhereTheHostLooksLikeEc2()
    {
        var options = InstanceIdentityResolverOptions.FromEnvironment(_ => null);

        Assert.Null(options.ImdsBaseUri);
        Assert.Null(options.EcsMetadataUri);
        Assert.False(options.Ec2MetadataDisabled);
    }

    [Fact]
    public async Task ResolveAsync_EndpointsAbsent_NothingKnownQuickly()
    {
        using var resolver = Resolver(ecsUri: new Uri("http://127.0.0.1:9/v4"), imdsUri: new Uri("http://127.0.0.1:9/"));

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Same(InstanceIdentity.None, identity);
    }

    [Fact]
    public async Task ResolveAsync_EndpointsHang_NothingKnownWithinTheTotalBound()
    {
        await using var ecs = await MetadataFake.StartAsync([], hang: true);
        await using var imds = await MetadataFake.StartAsync([], hang: true);
        using var resolver = new InstanceIdentityResolver(
            new InstanceIdentityResolverOptions
            {
                EcsMetadataUri = new Uri(ecs.Url, "v4"),
                ImdsBaseUri = imds.Url,
                RequestTimeout = TimeSpan.FromMilliseconds(300),
                TotalTimeout = TimeSpan.FromMilliseconds(500),
                ReadPlatformFile = _ => null,
            },
            NullLogger<InstanceIdentityResolver>.Instance);
        var started = TimeProvider.System.GetTimestamp();

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Same(InstanceIdentity.None, identity);

        // Real time on purpose (the resolver's timeouts are real time): bounded by TotalTimeout, with room for a loaded machine
        // (a hang the bound did not end would run until the test's own cancellation).
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"TaskARN":42,"Cluster":["x"],"AvailabilityZone":{"a":1}}""")]
    [InlineData("""{"TaskARN":"arn:aws:ecs:us-east-1:1:task/prod/id with spaces","Cluster":"prod\u0000x"}""")]
    public async Task ResolveAsync_EcsGarbage_NoCrashNoBadAttribute(string body)
    {
        await using var ecs = await MetadataFake.StartAsync(new() { ["/v4/task"] = body });
        using var resolver = Resolver(ecsUri: new Uri(ecs.Url, "v4"));

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Null(identity.Platform.EcsTaskArn);
        Assert.Null(identity.Platform.EcsClusterName);
        Assert.Null(identity.Platform.AvailabilityZone);
    }

    [Fact]
    public async Task ResolveAsync_EcsAnswerTooLarge_Dropped()
    {
        var huge = "{\"TaskARN\":\"arn:aws:ecs:us-east-1:1:task/prod/abc\",\"Pad\":\"" + new string('x', InstanceIdentityResolver.MaxAnswerBytes + 10) + "\"}";
        await using var ecs = await MetadataFake.StartAsync(new() { ["/v4/task"] = huge });
        using var resolver = Resolver(ecsUri: new Uri(ecs.Url, "v4"));

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Same(InstanceIdentity.None, identity);
    }

    [Fact]
    public async Task ResolveAsync_Ec2GarbageValues_Dropped()
    {
        await using var imds = await MetadataFake.StartAsync(Imds("i-0abc123def4567890", zone: "us east 1\n<script>", region: new string('r', 600)));
        using var resolver = Resolver(imdsUri: imds.Url);

        var identity = await resolver.ResolveAsync(Ct);

        Assert.Equal(new PlatformIdentity(null, null, "i-0abc123def4567890", null, null), identity.Platform);
    }

    [Fact]
    public void Build_PlatformAttributes_ReplaceCustomOnesOfTheSameName()
    {
        var platform = new PlatformIdentity(null, null, "i-0abc123def4567890", "us-east-1c", "us-east-1").ToAttributes();

        var attributes = RegistrationAttributes.Build(
            IPAddress.Parse("10.0.0.1"), 8080, "owner", ServiceHealthCheckKind.None, CloudMapHealthStatus.Healthy,
            new Dictionary<string, string> { ["REGION"] = "mars-1", ["team"] = "a" }, null, platform, out var dropped);

        Assert.Equal("us-east-1", attributes["REGION"]);
        Assert.Equal("i-0abc123def4567890", attributes["EC2_INSTANCE_ID"]);
        Assert.Equal("a", attributes["team"]);
        Assert.Empty(dropped);
    }

    [Fact]
    public void Build_PlatformAttributesBeyondTheQuota_LeftOutAndNamed()
    {
        var custom = Enumerable.Range(0, 28).ToDictionary(i => "k" + i, i => "v");
        var platform = new PlatformIdentity(null, null, "i-0abc123def4567890", "us-east-1c", "us-east-1").ToAttributes();

        var attributes = RegistrationAttributes.Build(
            IPAddress.Parse("10.0.0.1"), 8080, "owner", ServiceHealthCheckKind.None, CloudMapHealthStatus.Healthy, custom, null, platform, out var dropped);

        // 28 custom + the owner = 29: one platform attribute fits.
        Assert.Equal(30, attributes.Keys.Count(k => !k.StartsWith("AWS_", StringComparison.Ordinal)));
        Assert.Equal(["AVAILABILITY_ZONE", "REGION"], dropped);
    }

    [Fact]
    public void FromAttributes_EcsRegistration_ClusterAndRegionFromTheArn()
    {
        var identity = PlatformIdentity.FromAttributes(new Dictionary<string, string>
        {
            ["ECS_TASK_ARN"] = "arn:aws:ecs:ap-south-1:111122223333:task/blue/0123",
        });

        Assert.Equal(("blue", "ap-south-1", "0123"), (identity.EcsCluster, identity.EffectiveRegion, identity.EcsTaskId));
    }

    private static Dictionary<string, string> Imds(string instanceId, string zone = "us-east-1c", string region = "us-east-1") => new()
    {
        ["/latest/meta-data/instance-id"] = instanceId,
        ["/latest/meta-data/local-ipv4"] = "10.0.0.42",
        ["/latest/meta-data/placement/availability-zone"] = zone,
        ["/latest/meta-data/placement/region"] = region,
    };

    private static InstanceIdentityResolver Resolver(Uri? ecsUri = null, Uri? imdsUri = null) => new(
        new InstanceIdentityResolverOptions
        {
            RequestTimeout = TestPatience.Request,
            TotalTimeout = TestPatience.Total,
            EcsMetadataUri = ecsUri,
            ImdsBaseUri = imdsUri,
            Ec2MetadataDisabled = imdsUri is null,
            UnconfiguredImdsBaseUri = new Uri("http://127.0.0.1:9/"),
            ReadPlatformFile = _ => null,
        },
        NullLogger<InstanceIdentityResolver>.Instance);

    /// <summary>ECS task metadata and IMDSv2 on loopback: fixed answers by path, a token for PUT /latest/api/token, or never an answer.</summary>
    private sealed class MetadataFake : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly List<string> _requests = [];
        private readonly List<string?> _tokens = [];

        private MetadataFake(WebApplication app) => _app = app;

        public Uri Url { get; private set; } = null!;

        public IReadOnlyList<string> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        public IReadOnlyList<string?> TokenHeaders
        {
            get
            {
                lock (_requests)
                {
                    return [.. _tokens];
                }
            }
        }

        public static async Task<MetadataFake> StartAsync(Dictionary<string, string> answers, bool hang = false)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var fake = new MetadataFake(app);
            app.Run(async context =>
            {
                var path = context.Request.Path.Value ?? string.Empty;
                lock (fake._requests)
                {
                    fake._requests.Add(context.Request.Method + " " + path);
                    fake._tokens.Add(context.Request.Headers["X-aws-ec2-metadata-token"].ToString());
                }

                if (hang)
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                    return;
                }

                if (path == "/latest/api/token" && HttpMethods.IsPut(context.Request.Method))
                {
                    await context.Response.WriteAsync("token-1", context.RequestAborted);
                    return;
                }

                if (answers.TryGetValue(path, out var body))
                {
                    await context.Response.WriteAsync(body, context.RequestAborted);
                    return;
                }

                context.Response.StatusCode = StatusCodes.Status404NotFound;
            });
            await app.StartAsync(TestContext.Current.CancellationToken);
            fake.Url = new Uri(app.Urls.First() + "/");
            return fake;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(TestContext.Current.CancellationToken);
            await _app.DisposeAsync();
        }
    }
}
