// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Runtime;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Identity;
using CloudMap.Lifecycle.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>
/// The default credential chain and its backoff, through <see cref="CloudMapClientEnvironment"/>'s seams: no real
/// environment variable, profile file, platform file or metadata endpoint is read, and nothing is sent anywhere.
/// </summary>
public sealed class CloudMapCredentialChainTests
{
    private const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetCredentialsAsync_NothingAnywhere_OneErrorNamingEverySourceAndEc2NotAsked()
    {
        var host = new FakeHost();
        using var environment = host.Environment();

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => host.GetAsync(environment));

        Assert.Equal(CloudMapErrorCodes.CredentialsUnavailable, ex.ErrorCode);
        Assert.Contains("environment variables (AWS_ACCESS_KEY_ID is not set)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("web identity (AWS_WEB_IDENTITY_TOKEN_FILE is not set)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("profile 'default' (not in the shared AWS credentials or config file)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ECS container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("EC2 instance profile (not asked: no sign of an EC2 host", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Looking again in 00:00:05.", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, host.ImdsCalls);
        Assert.Equal(Ec2HostEvidence.Paths, host.FilesRead);
        Assert.Equal(["default"], host.ProfilesRead);
    }

    [Theory]
    [InlineData(Ec2HostEvidence.SysVendorPath, "Amazon EC2\n")]
    [InlineData(Ec2HostEvidence.BoardAssetTagPath, "i-0af01c0123456789a")]
    [InlineData(Ec2HostEvidence.HypervisorUuidPath, "ec2e1916-9099-7caf-fd21-012345abcdef")]
    public async Task GetCredentialsAsync_HostLooksLikeEc2_AsksTheInstanceProfile(string path, string content)
    {
        var host = new FakeHost { Files = { [path] = content } };
        using var environment = host.Environment();

        var credentials = await host.GetAsync(environment);

        Assert.Same(host.InstanceProfile, credentials);
        Assert.Equal(1, host.ImdsCalls);
    }

    [Fact]
    public async Task GetCredentialsAsync_ImdsEndpointConfigured_AsksTheInstanceProfileWithoutSigns()
    {
        var host = new FakeHost { Variables = { ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:9" } };
        using var environment = host.Environment();

        var credentials = await host.GetAsync(environment);

        Assert.Same(host.InstanceProfile, credentials);
        Assert.Equal(1, host.ImdsCalls);
    }

    [Fact]
    public async Task GetCredentialsAsync_Ec2SignsButMetadataDisabled_NeverAsksImds()
    {
        var host = new FakeHost
        {
            Files = { [Ec2HostEvidence.SysVendorPath] = "Amazon EC2" },
            Variables = { ["AWS_EC2_METADATA_DISABLED"] = "TRUE" },
        };
        using var environment = host.Environment();

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => host.GetAsync(environment));

        Assert.Contains("EC2 instance profile (not asked: AWS_EC2_METADATA_DISABLED is true)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, host.ImdsCalls);
    }

    [Fact]
    public async Task GetCredentialsAsync_Ec2ProbeFails_MessageSaysWhereAndWhy()
    {
        var host = new FakeHost { Files = { [Ec2HostEvidence.BoardAssetTagPath] = "i-0abc" }, ImdsError = new InvalidOperationException("Unable to retrieve token for use in IMDSv2.") };
        using var environment = host.Environment();

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => host.GetAsync(environment));

        Assert.Contains("EC2 instance profile (IMDSv2, the host looking like EC2 by /sys/class/dmi/id/board_asset_tag = 'i-0abc': Unable to retrieve token for use in IMDSv2.). Looking again", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, host.ImdsCalls);
    }

    [Fact]
    public async Task GetCredentialsAsync_EnvironmentKeys_FoundFirstAndNothingElseAsked()
    {
        var host = new FakeHost
        {
            Files = { [Ec2HostEvidence.SysVendorPath] = "Amazon EC2" },
            Variables = { ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE", ["AWS_SECRET_ACCESS_KEY"] = SecretKey, ["AWS_SESSION_TOKEN"] = "session-token" },
        };
        using var environment = host.Environment();

        var credentials = await host.GetAsync(environment);

        var immutable = await credentials.GetCredentialsAsync();
        Assert.Equal("AKIDEXAMPLE", immutable.AccessKey);
        Assert.Equal("session-token", immutable.Token);
        Assert.Equal(0, host.ImdsCalls);
        Assert.Empty(host.ProfilesRead);
        var resolved = Assert.Single(host.Logs.GetSnapshot(), r => r.Id.Name == "CloudMapCredentialsResolved");
        Assert.Equal("Cloud Map client signs with AWS credentials from environment variables, found in AWS_ACCESS_KEY_ID with AWS_SESSION_TOKEN (after 0 failed look(s)).", resolved.Message);
        Assert.DoesNotContain(host.Logs.GetSnapshot(), r => r.Message.Contains(SecretKey, StringComparison.Ordinal) || r.Message.Contains("session-token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetCredentialsAsync_AwsProfileNamesMissingProfile_EndsTheChainBeforeEc2()
    {
        var host = new FakeHost { Files = { [Ec2HostEvidence.SysVendorPath] = "Amazon EC2" }, Variables = { ["AWS_PROFILE"] = "work" } };
        using var environment = host.Environment();

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => host.GetAsync(environment));

        Assert.Contains("profile 'work' (named by AWS_PROFILE but not in the shared AWS credentials or config file; nothing else was asked)", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ECS container credentials", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, host.ImdsCalls);
    }

    [Fact]
    public async Task GetCredentialsAsync_ExplicitProfile_OnlyThatProfileIsAsked()
    {
        var profile = new BasicAWSCredentials("AKIDPROFILE", SecretKey);
        var host = new FakeHost { Profiles = { ["work"] = profile }, Variables = { ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE", ["AWS_SECRET_ACCESS_KEY"] = SecretKey } };
        using var environment = host.Environment();

        var credentials = await host.GetAsync(environment, explicitProfile: "work");

        Assert.Same(profile, credentials);
        Assert.Equal(["work"], host.ProfilesRead);
    }

    [Fact]
    public async Task GetCredentialsAsync_NoCredentials_BacksOffWithoutAskingTheSourcesAgain()
    {
        var host = new FakeHost { Files = { [Ec2HostEvidence.SysVendorPath] = "Amazon EC2" }, ImdsError = new InvalidOperationException("no role") };
        using var environment = host.Environment();
        var expected = new[] { 5, 10, 20, 40, 80, 160, 300, 300 };

        for (var look = 1; look <= expected.Length; look++)
        {
            var ex = await Assert.ThrowsAsync<CloudMapException>(() => host.GetAsync(environment));
            Assert.Equal(look, host.ImdsCalls);
            Assert.EndsWith($"Looking again in {TimeSpan.FromSeconds(expected[look - 1]):c}.", ex.Message, StringComparison.Ordinal);

            // Inside the wait: fails at once with the same places, and asks nothing.
            host.Clock.Advance(TimeSpan.FromSeconds(expected[look - 1]) - TimeSpan.FromMilliseconds(1));
            var cached = await Assert.ThrowsAsync<CloudMapException>(() => host.GetAsync(environment));
            Assert.Equal(CloudMapErrorCodes.CredentialsUnavailable, cached.ErrorCode);
            Assert.EndsWith("Looking again in 00:00:00.0010000.", cached.Message, StringComparison.Ordinal);
            Assert.Equal(look, host.ImdsCalls);
            host.Clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        var warnings = host.Logs.GetSnapshot().Where(r => r.Level == LogLevel.Warning).ToList();
        Assert.Equal(expected.Length, warnings.Count);
        Assert.All(warnings, w => Assert.Equal("CloudMapCredentialsUnavailable", w.Id.Name));
        Assert.All(warnings, w => Assert.Null(w.Exception));
        Assert.All(warnings, w => Assert.DoesNotContain('\n', w.Message));
        var details = host.Logs.GetSnapshot().Where(r => r.Id.Name == "CloudMapCredentialSourceErrors").ToList();
        Assert.Equal(expected.Length, details.Count);
        Assert.All(details, d => Assert.Equal(LogLevel.Debug, d.Level));
        Assert.All(details, d => Assert.Equal("no role", Assert.IsType<AggregateException>(d.Exception).InnerExceptions.Single().Message));
    }

    [Fact]
    public async Task GetCredentialsAsync_CredentialsAppearLater_FoundAtTheNextLookAndKept()
    {
        var host = new FakeHost();
        using var environment = host.Environment();
        await Assert.ThrowsAsync<CloudMapException>(() => host.GetAsync(environment));
        host.Variables["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE";
        host.Variables["AWS_SECRET_ACCESS_KEY"] = SecretKey;

        await Assert.ThrowsAsync<CloudMapException>(() => host.GetAsync(environment));
        host.Clock.Advance(CloudMapClientEnvironment.CredentialsFirstRetryDelay);
        var found = await host.GetAsync(environment);
        host.Variables.Clear();
        var kept = await host.GetAsync(environment);

        Assert.Same(found, kept);
        Assert.Single(host.ProfilesRead); // the look inside the wait asked nothing; the next look found the keys first
        Assert.Contains(host.Logs.GetSnapshot(), r => r.Message.EndsWith("(after 1 failed look(s)).", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 10)]
    [InlineData(6, 160)]
    [InlineData(7, 300)]
    [InlineData(1000, 300)]
    public void CredentialsRetryDelay_DoublesFromFiveSecondsToFiveMinutes(int failedLooks, int seconds)
        => Assert.Equal(TimeSpan.FromSeconds(seconds), CloudMapClientEnvironment.CredentialsRetryDelay(failedLooks));

    [Fact]
    public async Task Call_NoCredentials_SendsNothingAndLogsOneWarningNotACallFailure()
    {
        var host = new FakeHost();
        await using var h = await ClientHarness.StartAsync(configureServices: services =>
        {
            services.AddSingleton(host.Environment());
            services.AddLogging(b => b.AddProvider(new FakeLoggerProvider(host.Logs)));
        });

        var first = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct));
        var second = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct));

        Assert.Equal(CloudMapErrorCodes.CredentialsUnavailable, first.ErrorCode);
        Assert.Equal(CloudMapErrorCodes.CredentialsUnavailable, second.ErrorCode);
        Assert.Empty(h.Server.Requests);
        Assert.Single(host.ProfilesRead);
        Assert.Single(host.Logs.GetSnapshot(), r => r.Level >= LogLevel.Warning);
        Assert.DoesNotContain(host.Logs.GetSnapshot(), r => r.Id.Name == "CloudMapCallFailed");
    }

    /// <summary>A host described by dictionaries: variables, platform files, profiles, and an instance-profile step that counts its calls.</summary>
    private sealed class FakeHost
    {
        public Dictionary<string, string> Variables { get; } = [];

        public Dictionary<string, string> Files { get; } = [];

        public Dictionary<string, AWSCredentials> Profiles { get; } = [];

        public List<string> FilesRead { get; } = [];

        public List<string> ProfilesRead { get; } = [];

        public Exception? ImdsError { get; init; }

        public int ImdsCalls { get; private set; }

        public AWSCredentials InstanceProfile { get; } = new BasicAWSCredentials("AKIDINSTANCE", SecretKey);

        public TimerCountingFakeTimeProvider Clock { get; } = new();

        public FakeLogCollector Logs { get; } = new();

        public CloudMapClientEnvironment Environment() => new()
        {
            GetEnvironmentVariable = name => Variables.GetValueOrDefault(name),
            GetProfileRegion = _ => null,
            GetProfileCredentials = name =>
            {
                ProfilesRead.Add(name);
                return Profiles.GetValueOrDefault(name);
            },
            ReadPlatformFile = path =>
            {
                FilesRead.Add(path);
                return Files.GetValueOrDefault(path);
            },
            FetchInstanceProfileCredentials = _ =>
            {
                ImdsCalls++;
                return ImdsError is { } error ? ValueTask.FromException<AWSCredentials>(error) : ValueTask.FromResult(InstanceProfile);
            },
        };

        public async Task<AWSCredentials> GetAsync(CloudMapClientEnvironment environment, string? explicitProfile = null)
            => await environment.GetCredentialsAsync(explicitProfile, Clock, new FakeLogger(Logs), Ct);
    }
}
