// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using CloudMap.Lifecycle.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>
/// One test per step of the documented precedence. Region, profile, endpoint: CloudMapClientOptions in code >
/// the AWSOptions registered in DI (else the AWS section as GetAWSOptions reads it; never a mix) > AWS_REGION >
/// AWS_DEFAULT_REGION > the profile's region. Credentials: AWSCredentials in DI > AWSOptions.Credentials > the profile
/// (in ProfilesLocation) > the default chain.
/// </summary>
public sealed class AwsSettingsPrecedenceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Region_SetInCode_WinsOverAwsOptionsAndSection()
    {
        var options = Resolve(
            config: new() { ["AWS:Region"] = "eu-west-1" },
            services: s => s.AddDefaultAWSOptions(new AWSOptions { Region = RegionEndpoint.EUWest3 }),
            code: o => o.Region = "ap-south-1");

        Assert.Equal("ap-south-1", options.Region);
    }

    [Fact]
    public void Region_AwsOptionsRegistered_WinsOverSection()
    {
        var options = Resolve(
            config: new() { ["AWS:Region"] = "eu-west-1" },
            services: s => s.AddDefaultAWSOptions(new AWSOptions { Region = RegionEndpoint.EUWest3 }));

        Assert.Equal("eu-west-3", options.Region);
    }

    [Fact]
    public void Settings_AwsOptionsRegistered_SectionIsNotMixedIn()
    {
        // The app's own SDK clients use the registered AWSOptions alone; so does this library.
        var options = Resolve(
            config: new() { ["AWS:Region"] = "eu-west-1", ["AWS:Profile"] = "from-section", ["AWS:ServiceURL"] = "http://127.0.0.1:4566" },
            services: s => s.AddDefaultAWSOptions(new AWSOptions { Profile = "from-options" }));

        Assert.Null(options.Region);
        Assert.Null(options.ServiceUrl);
        Assert.Equal("from-options", options.Profile);
    }

    [Fact]
    public void Settings_NoAwsOptions_SectionReadAsGetAwsOptionsReadsIt()
    {
        var options = Resolve(config: new()
        {
            ["AWS:Region"] = "eu-north-1",
            ["AWS:Profile"] = "work",
            ["AWS:ServiceURL"] = "http://127.0.0.1:4566",
            ["AWS:AuthenticationRegion"] = "us-west-2",
            ["AWS:DisableHostPrefixInjection"] = "true",
        });

        Assert.Equal("eu-north-1", options.Region);
        Assert.Equal("work", options.Profile);
        Assert.Equal(new Uri("http://127.0.0.1:4566"), options.ServiceUrl);
        Assert.Equal("us-west-2", options.AuthenticationRegion);
        Assert.True(options.DisableHostPrefixInjection);
    }

    [Fact]
    public void Settings_AwsOptionsFromGetAwsOptions_SameAsTheSection()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AWS:Region"] = "eu-north-1",
            ["AWS:Profile"] = "work",
            ["AWS:ServiceURL"] = "http://127.0.0.1:4566",
        }).Build();

        var options = Resolve(config: [], services: s => s.AddDefaultAWSOptions(configuration.GetAWSOptions()));

        Assert.Equal("eu-north-1", options.Region);
        Assert.Equal("work", options.Profile);
        Assert.Equal(new Uri("http://127.0.0.1:4566"), options.ServiceUrl);
    }

    [Fact]
    public void Settings_LegacySectionKeys_ReadAsTheSdkReadsThem()
    {
        var options = Resolve(config: new() { ["AWS:AWSRegion"] = "sa-east-1", ["AWS:AWSProfileName"] = "legacy" });

        Assert.Equal("sa-east-1", options.Region);
        Assert.Equal("legacy", options.Profile);
    }

    [Fact]
    public void ServiceUrl_SetInCode_WinsOverAwsOptions()
    {
        var options = Resolve(
            config: [],
            services: s => s.AddDefaultAWSOptions(WithServiceUrl(new AWSOptions(), "http://127.0.0.1:1111")),
            code: o => o.ServiceUrl = new Uri("http://127.0.0.1:2222"));

        Assert.Equal(new Uri("http://127.0.0.1:2222"), options.ServiceUrl);
    }

    [Fact]
    public void ServiceUrl_AwsOptionsDefaultClientConfig_WinsOverSection()
    {
        var options = Resolve(
            config: new() { ["AWS:ServiceURL"] = "http://127.0.0.1:1111" },
            services: s => s.AddDefaultAWSOptions(WithServiceUrl(new AWSOptions(), "http://127.0.0.1:3333")));

        Assert.Equal(new Uri("http://127.0.0.1:3333"), options.ServiceUrl);
    }

    [Fact]
    public void ServiceUrl_AwsOptionsNotAUrl_FailsNamingTheProperty()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Resolve(
            config: [],
            services: s => s.AddDefaultAWSOptions(WithServiceUrl(new AWSOptions(), "ftp://example.com/"))));

        Assert.Contains("AWSOptions.DefaultClientConfig.ServiceURL (AWSOptions registered in DI) has value 'ftp://example.com/', which is not an absolute http or https URL", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Section_ValueTheSdkCannotRead_FailsNamingTheKeyAndValue()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Resolve(config: new() { ["AWS:Timeout"] = "soon" }));

        Assert.Contains("Configuration key 'AWS:Timeout' has value 'soon', which the AWS SDK cannot read", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Endpoint_AuthenticationRegion_SignsForItAndCallsTheRegionsEndpoint()
    {
        var options = Resolve(config: new() { ["AWS:Region"] = "eu-west-1", ["AWS:AuthenticationRegion"] = "us-west-2" });

        var endpoint = CloudMapEndpoint.Resolve(options, Environment());

        Assert.Equal("us-west-2", endpoint.Region);
        Assert.Equal(new Uri("https://servicediscovery.eu-west-1.amazonaws.com/"), endpoint.ControlPlane);
    }

    [Fact]
    public void Endpoint_ServiceUrlAndAuthenticationRegionWithoutRegion_NeedsNoRegion()
    {
        var options = Resolve(services: s => s.AddDefaultAWSOptions(WithServiceUrl(new AWSOptions(), "http://127.0.0.1:4566", authenticationRegion: "us-east-2")));

        var endpoint = CloudMapEndpoint.Resolve(options, Environment());

        Assert.Equal("us-east-2", endpoint.Region);
        Assert.Equal(new Uri("http://127.0.0.1:4566"), endpoint.ControlPlane);
    }

    [Theory]
    [InlineData("eu-central-1", "eu-south-1", "ca-central-1", "eu-central-1")]
    [InlineData(null, "eu-south-1", "ca-central-1", "eu-south-1")]
    [InlineData(null, null, "ca-central-1", "ca-central-1")]
    public void Region_NotInOptions_AwsRegionThenAwsDefaultRegionThenProfile(string? awsRegion, string? awsDefaultRegion, string? profileRegion, string expected)
    {
        var environment = Environment(
            env: name => name switch { "AWS_REGION" => awsRegion, "AWS_DEFAULT_REGION" => awsDefaultRegion, _ => null },
            profileRegion: _ => profileRegion);

        var endpoint = CloudMapEndpoint.Resolve(Resolve(services: s => s.AddDefaultAWSOptions(new AWSOptions())), environment);

        Assert.Equal(expected, endpoint.Region);
    }

    [Fact]
    public async Task Credentials_InDi_WinOverAwsOptionsCredentials()
    {
        var fromDi = new BasicAWSCredentials("AKIDFROMDI", "secret-di");
        await using var provider = Build(services: s =>
        {
            s.AddSingleton<AWSCredentials>(fromDi);
            s.AddDefaultAWSOptions(new AWSOptions { Credentials = new BasicAWSCredentials("AKIDFROMOPTIONS", "secret-options"), Profile = "work" });
        });

        Assert.Same(fromDi, await GetCredentialsAsync(provider));
    }

    [Fact]
    public async Task Credentials_AwsOptionsCredentials_WinOverTheProfile()
    {
        var fromOptions = new BasicAWSCredentials("AKIDFROMOPTIONS", "secret-options");
        await using var provider = Build(services: s => s.AddDefaultAWSOptions(new AWSOptions { Credentials = fromOptions, Profile = "work" }));

        Assert.Same(fromOptions, await GetCredentialsAsync(provider));
    }

    [Fact]
    public async Task Credentials_AwsOptionsProfileInProfilesLocation_ReadFromThatFile()
    {
        using var file = new TempCredentialsFile("""
            [work]
            aws_access_key_id = AKIDWORKPROFILE
            aws_secret_access_key = secret-work
            region = ap-southeast-2
            """);
        await using var provider = Build(services: s => s.AddDefaultAWSOptions(new AWSOptions { Profile = "work", ProfilesLocation = file.Path }));

        var credentials = await GetCredentialsAsync(provider);

        Assert.Equal("AKIDWORKPROFILE", (await credentials.GetCredentialsAsync()).AccessKey);
        Assert.Equal("ap-southeast-2", provider.GetRequiredService<CloudMapClientEnvironment>().GetProfileRegion("work"));
    }

    [Fact]
    public async Task Credentials_SectionProfileAndProfilesLocation_ReadFromThatFile()
    {
        using var file = new TempCredentialsFile("""
            [ci]
            aws_access_key_id = AKIDCIPROFILE
            aws_secret_access_key = secret-ci
            """);
        await using var provider = Build(config: new() { ["AWS:Profile"] = "ci", ["AWS:ProfilesLocation"] = file.Path });

        var credentials = await GetCredentialsAsync(provider);

        Assert.Equal("AKIDCIPROFILE", (await credentials.GetCredentialsAsync()).AccessKey);
    }

    [Fact]
    public async Task Credentials_AwsOptionsProfileMissingFromItsFile_EndsTheChainNamingIt()
    {
        using var file = new TempCredentialsFile("""
            [other]
            aws_access_key_id = AKIDOTHER
            aws_secret_access_key = secret-other
            """);
        await using var provider = Build(services: s => s.AddDefaultAWSOptions(new AWSOptions { Profile = "work", ProfilesLocation = file.Path }));

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => GetCredentialsAsync(provider));

        Assert.Equal(CloudMapErrorCodes.CredentialsUnavailable, ex.ErrorCode);
        Assert.Contains($"profile 'work' (named by AWS:Profile (or AWSOptions.Profile, CloudMapClientOptions.Profile) but not in '{file.Path}' (ProfilesLocation); nothing else was asked)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Credentials_AwsOptionsSessionRoleArn_WrapsItsCredentialsInTheRole()
    {
        var fromOptions = new BasicAWSCredentials("AKIDFROMOPTIONS", "secret-options");
        await using var provider = Build(services: s => s.AddDefaultAWSOptions(new AWSOptions
        {
            Credentials = fromOptions,
            SessionRoleArn = "arn:aws:iam::123456789012:role/cloudmap",
            SessionName = "orders",
            ExternalId = "ext-1",
        }));

        var role = Assert.IsType<AssumeRoleAWSCredentials>(await GetCredentialsAsync(provider));

        Assert.Same(fromOptions, role.SourceCredentials);
        Assert.Equal("arn:aws:iam::123456789012:role/cloudmap", role.RoleArn);
        Assert.Equal("orders", role.RoleSessionName);
        Assert.Equal("ext-1", role.Options.ExternalId);
    }

    [Fact]
    public async Task Credentials_AwsOptionsSessionRoleArnWithProfile_WrapsTheProfilesCredentials()
    {
        using var file = new TempCredentialsFile("""
            [work]
            aws_access_key_id = AKIDWORKPROFILE
            aws_secret_access_key = secret-work
            """);
        await using var provider = Build(services: s => s.AddDefaultAWSOptions(new AWSOptions { Profile = "work", ProfilesLocation = file.Path, SessionRoleArn = "arn:aws:iam::123456789012:role/cloudmap" }));

        var role = Assert.IsType<AssumeRoleAWSCredentials>(await GetCredentialsAsync(provider));

        Assert.Equal("AKIDWORKPROFILE", (await role.SourceCredentials.GetCredentialsAsync()).AccessKey);
        Assert.Equal("DefaultSessionName", role.RoleSessionName);
    }

    [Fact]
    public async Task Credentials_InDiWithSessionRoleArn_UsedAsGiven()
    {
        var fromDi = new BasicAWSCredentials("AKIDFROMDI", "secret-di");
        await using var provider = Build(services: s =>
        {
            s.AddSingleton<AWSCredentials>(fromDi);
            s.AddDefaultAWSOptions(new AWSOptions { SessionRoleArn = "arn:aws:iam::123456789012:role/cloudmap" });
        });

        Assert.Same(fromDi, await GetCredentialsAsync(provider));
    }

    [Fact]
    public async Task Client_AwsOptionsRegistered_SignsWithItsCredentialsForItsRegionAtItsEndpoint()
    {
        await using var server = await ScriptedCloudMapServer.StartAsync();
        server.Reply("""{"InstancesRevision":1}""");
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["AWS:Region"] = "eu-west-1", ["AWS:ServiceURL"] = "http://127.0.0.1:9/" });
        var aws = new AWSOptions { Region = RegionEndpoint.EUNorth1, Credentials = new BasicAWSCredentials("AKIDAWSOPTIONS", "secret-options") };
        aws.DefaultClientConfig.ServiceURL = server.Url.ToString();
        aws.DefaultClientConfig.DisableHostPrefixInjection = true;
        builder.Services.AddDefaultAWSOptions(aws);
        builder.Services.TryAddCloudMapDiscoveryClient();
        builder.Services.AddHttpClient(HttpCloudMapClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => ClientHarness.CreateHandler(null));
        using var host = builder.Build();
        await host.StartAsync(Ct);

        await host.Services.GetRequiredService<ICloudMapDiscoveryClient>().DiscoverInstancesRevisionAsync("ns", "svc", Ct);

        var request = Assert.Single(server.Requests);
        Assert.Contains("Credential=AKIDAWSOPTIONS/", request.Header("Authorization"), StringComparison.Ordinal);
        Assert.Contains("/eu-north-1/servicediscovery/aws4_request", request.Header("Authorization"), StringComparison.Ordinal);
        Assert.True(SigV4Verifier.IsValid(request, "secret-options"));
        await host.StopAsync(Ct);
    }

    [Theory]
    [InlineData("http://127.0.0.1:4566", "http://127.0.0.1:9999", null, "http://127.0.0.1:4566/")]
    [InlineData(null, "http://127.0.0.1:9999", null, "http://127.0.0.1:9999/")]
    [InlineData("http://127.0.0.1:4566", "http://127.0.0.1:9999", "true", "https://servicediscovery.eu-west-1.amazonaws.com/")]
    [InlineData("http://127.0.0.1:4566", null, "TRUE", "https://servicediscovery.eu-west-1.amazonaws.com/")]
    [InlineData(null, null, null, "https://servicediscovery.eu-west-1.amazonaws.com/")]
    public void Endpoint_NoServiceUrl_ServiceVariableThenGlobalVariableUnlessIgnored(string? serviceVariable, string? globalVariable, string? ignore, string expected)
    {
        var environment = Environment(env: name => name switch
        {
            "AWS_ENDPOINT_URL_SERVICEDISCOVERY" => serviceVariable,
            "AWS_ENDPOINT_URL" => globalVariable,
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" => ignore,
            _ => null,
        });

        var endpoint = CloudMapEndpoint.Resolve(Resolve(config: new() { ["AWS:Region"] = "eu-west-1" }), environment);

        Assert.Equal(new Uri(expected), endpoint.ControlPlane);
        Assert.Equal("eu-west-1", endpoint.Region);
    }

    [Fact]
    public void Endpoint_ServiceUrlConfigured_WinsOverTheEndpointVariables()
    {
        var environment = Environment(env: name => name.StartsWith("AWS_ENDPOINT_URL", StringComparison.Ordinal) ? "http://127.0.0.1:9999" : null);

        var endpoint = CloudMapEndpoint.Resolve(Resolve(config: new() { ["AWS:Region"] = "eu-west-1", ["AWS:ServiceURL"] = "http://127.0.0.1:4566" }), environment);

        Assert.Equal(new Uri("http://127.0.0.1:4566"), endpoint.ControlPlane);
    }

    [Fact]
    public void Endpoint_VariableNotAUrl_IsAnErrorNamingTheVariableAndValue()
    {
        var environment = Environment(env: name => name == "AWS_ENDPOINT_URL_SERVICEDISCOVERY" ? "localhost:4566" : null);

        var ex = Assert.Throws<InvalidOperationException>(() => CloudMapEndpoint.Resolve(Resolve(config: new() { ["AWS:Region"] = "eu-west-1" }), environment));

        Assert.Equal("Environment variable AWS_ENDPOINT_URL_SERVICEDISCOVERY has value 'localhost:4566', which is not an absolute http or https URL.", ex.Message);
    }

    private static AWSOptions WithServiceUrl(AWSOptions options, string url, string? authenticationRegion = null)
    {
        options.DefaultClientConfig.ServiceURL = url;
        options.DefaultClientConfig.AuthenticationRegion = authenticationRegion;
        return options;
    }

    private static CloudMapClientEnvironment Environment(Func<string, string?>? env = null, Func<string, string?>? profileRegion = null) => new()
    {
        GetEnvironmentVariable = env ?? (_ => null),
        GetProfileRegion = profileRegion ?? (_ => null),
    };

    [Theory]
    [InlineData(RequestRetryMode.Standard, CloudMapRetryMode.Standard)]
    [InlineData(RequestRetryMode.Adaptive, CloudMapRetryMode.Adaptive)]
    public void RetryMode_AwsOptionsRegisteredWithARetryMode_IsHonoured(RequestRetryMode sdkMode, CloudMapRetryMode expected)
    {
        var aws = new AWSOptions();
        aws.DefaultClientConfig.RetryMode = sdkMode;

        var options = Resolve(services: s => s.AddDefaultAWSOptions(aws));

        Assert.Equal(expected, options.RetryMode);
    }

    [Fact]
    public void RetryMode_SetInCode_WinsOverAwsOptions()
    {
        var aws = new AWSOptions();
        aws.DefaultClientConfig.RetryMode = RequestRetryMode.Standard;

        var options = Resolve(services: s => s.AddDefaultAWSOptions(aws), code: o => o.RetryMode = CloudMapRetryMode.Adaptive);

        Assert.Equal(CloudMapRetryMode.Adaptive, options.RetryMode);
    }

    [Fact]
    public void RetryMode_AwsOptionsWithoutARetryMode_KeepsAdaptive()
    {
        var options = Resolve(services: s => s.AddDefaultAWSOptions(new AWSOptions { Region = RegionEndpoint.EUWest3 }));

        Assert.Equal(CloudMapRetryMode.Adaptive, options.RetryMode);
    }

    private static CloudMapClientOptions Resolve(Dictionary<string, string?>? config = null, Action<IServiceCollection>? services = null, Action<CloudMapClientOptions>? code = null)
    {
        using var provider = Build(config, services, code);
        return provider.GetRequiredService<IOptions<CloudMapClientOptions>>().Value;
    }

    private static ServiceProvider Build(Dictionary<string, string?>? config = null, Action<IServiceCollection>? services = null, Action<CloudMapClientOptions>? code = null)
    {
        var collection = new ServiceCollection().AddLogging(b => b.ClearProviders());
        collection.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(config ?? []).Build());
        services?.Invoke(collection);
        collection.TryAddCloudMapClient();
        if (code is not null)
        {
            collection.Configure(code);
        }

        return collection.BuildServiceProvider();
    }

    /// <summary>What HttpCloudMapClient does before signing: ask the environment with the options' profile.</summary>
    private static async Task<AWSCredentials> GetCredentialsAsync(ServiceProvider provider)
    {
        var options = provider.GetRequiredService<IOptions<CloudMapClientOptions>>().Value;
        var environment = provider.GetRequiredService<CloudMapClientEnvironment>();
        return await environment.GetCredentialsAsync(options.Profile, TimeProvider.System, NullLogger.Instance, Ct);
    }

    private sealed class TempCredentialsFile : IDisposable
    {
        public TempCredentialsFile(string content)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cloudmap-credentials-" + Guid.NewGuid().ToString("N"));
            File.WriteAllText(Path, content + "\n");
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}
