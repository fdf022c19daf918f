// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Runtime;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Identity;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Tests.Client;
using CloudMap.Lifecycle.Tests.Fakes;
using CloudMap.Lifecycle.TestInfrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace CloudMap.Lifecycle.Tests;

/// <summary>
/// Credential failures while resolving the service: the app still starts, the phase is <c>Failed</c> with the reason,
/// attempts back off from 5 s to 5 minutes, each attempt asks the credential sources (and the EC2 metadata probe) once,
/// and the registration recovers when credentials appear.
/// </summary>
public sealed class CredentialFailureTests
{
    private static readonly int[] ExpectedDelaysSeconds = [5, 10, 20, 40, 80, 160, 300, 300];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Start_NoCredentialsAnywhere_StartsFailedBacksOffToMinutesAndRecoversWhenAFileAppears()
    {
        await using var server = await ScriptedCloudMapServer.StartAsync();
        server.Reply("{\"Service\":{\"Id\":\"" + FakeCloudMapClient.CustomServiceId + "\",\"Name\":\"orders\",\"NamespaceId\":\"ns-1\",\"HealthCheckCustomConfig\":{}}}");
        var sources = new CountingSources();
        var (host, time, logs) = Build(server, sources);
        using var _host = host;
        var state = host.Services.GetRequiredService<ICloudMapRegistrationState>();

        // Missing credentials are transient for the start: the host starts.
        await host.StartAsync(Ct);
        Assert.True(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.IsCancellationRequested);

        var first = await logs.WaitForEventAsync("CredentialsUnavailable", cancellationToken: Ct);
        Assert.Equal(LogLevel.Error, first.Level);
        Assert.Null(first.Exception);
        Assert.Contains("(attempt 1): No AWS credentials for Cloud Map; looked at: environment variables (AWS_ACCESS_KEY_ID is not set)", first.Message, StringComparison.Ordinal);
        Assert.Contains("EC2 instance profile (IMDSv2, the host looking like EC2", first.Message, StringComparison.Ordinal);
        Assert.EndsWith("The phase is Failed; the next attempt is in 00:00:05.", first.Message, StringComparison.Ordinal);
        var snapshot = state.GetSnapshot();
        Assert.Equal(CloudMapRegistrationPhase.Failed, snapshot.Phase);
        Assert.Contains("looked at: environment variables", snapshot.LastError, StringComparison.Ordinal);
        Assert.Equal(1, sources.MetadataProbes);

        // Each later attempt comes after the credential backoff (not the lifecycle's 1-30 s one) and asks the sources once.
        var lastAt = first.Timestamp;
        for (var attempt = 2; attempt <= ExpectedDelaysSeconds.Length + 1; attempt++)
        {
            var next = logs.WaitForEventAsync("CredentialsUnavailable", occurrence: attempt, cancellationToken: Ct);
            await time.AdvanceUntilAsync(next, TimeSpan.FromSeconds(1), maxSteps: 400, timers: 2, cancellationToken: Ct);
            var record = await next;
            Assert.Equal(TimeSpan.FromSeconds(ExpectedDelaysSeconds[attempt - 2]), record.Timestamp - lastAt);
            Assert.Equal(attempt, sources.MetadataProbes);
            Assert.Equal(CloudMapRegistrationPhase.Failed, state.Phase);
            lastAt = record.Timestamp;
        }

        Assert.Equal(0, logs.CountEvents("ResolveFailed"));
        Assert.Equal(ExpectedDelaysSeconds.Length + 1, logs.CountEvents("CloudMapCredentialsUnavailable"));
        Assert.Empty(server.Requests);

        // A credentials file is written: the next attempt finds it and the registration goes on.
        sources.ProfileCredentials = new BasicAWSCredentials("AKIDWRITTENLATER", "secret-later");
        var resolved = logs.WaitForEventAsync("TargetResolved", cancellationToken: Ct);
        await time.AdvanceUntilAsync(resolved, TimeSpan.FromSeconds(1), maxSteps: 400, timers: 2, cancellationToken: Ct);
        await resolved;
        var recovered = Assert.Single(logs.Collector.GetEvents("CredentialsRecovered"));
        Assert.Contains($"after {ExpectedDelaysSeconds.Length + 1} failed attempt(s)", recovered.Message, StringComparison.Ordinal);
        Assert.NotEqual(CloudMapRegistrationPhase.Failed, state.Phase);
        Assert.Null(state.LastError);
        Assert.Contains("Credential=AKIDWRITTENLATER/", Assert.Single(server.Requests).Header("Authorization"), StringComparison.Ordinal);

        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Resolve_CredentialsRejectedAfterStart_PhaseFailedAndBacksOffLikeMissingOnes()
    {
        var client = new FakeCloudMapClient();
        var time = new TimerCountingFakeTimeProvider();
        var logs = new AwaitableFakeLogs(FakeLogCollector.Create(new FakeLogCollectorOptions { TimeProvider = time }));
        var builder = TestHost.CreateBuilder(TestHost.Config(), client, time, logs: logs);
        builder.Services.AddHealthChecks().AddCheck("never-ready", () => HealthCheckResult.Unhealthy(), tags: ["ready"]);
        builder.AddCloudMapRegistration();
        using var host = builder.Build();

        // The first answer is transient (the start goes on); the later ones reject the credentials.
        client.FailNext("GetService", FakeCloudMapClient.Error(CloudMapErrorCodes.ThrottlingException));
        client.FailNext("GetService", FakeCloudMapClient.Error("UnrecognizedClientException"), times: 2);
        await host.StartAsync(Ct);

        var firstRejection = logs.WaitForEventAsync("ConfigurationProblemRetrying", cancellationToken: Ct);
        await time.AdvanceUntilAsync(firstRejection, TimeSpan.FromSeconds(1), timers: 2, cancellationToken: Ct);
        Assert.Equal(CloudMapRegistrationPhase.Failed, host.Services.GetRequiredService<ICloudMapRegistrationState>().Phase);
        var secondRejection = logs.WaitForEventAsync("ConfigurationProblemRetrying", occurrence: 2, cancellationToken: Ct);
        await time.AdvanceUntilAsync(secondRejection, TimeSpan.FromSeconds(1), timers: 2, cancellationToken: Ct);

        // Without the credential backoff the lifecycle's own would retry within 2 s.
        Assert.Equal(TimeSpan.FromSeconds(5), (await secondRejection).Timestamp - (await firstRejection).Timestamp);
        var resolved = logs.WaitForEventAsync("TargetResolved", cancellationToken: Ct);
        await time.AdvanceUntilAsync(resolved, TimeSpan.FromSeconds(1), maxSteps: 20, timers: 2, cancellationToken: Ct);
        Assert.Equal(4, client.CallCount("GetService"));
        Assert.Single(logs.Collector.GetEvents("CredentialsRecovered"));
        await host.StopAsync(Ct);
    }

    [Theory]
    [InlineData(CloudMapErrorCodes.CredentialsUnavailable, true)]
    [InlineData(CloudMapErrorCodes.ThrottlingException, false)]
    [InlineData("ExpiredTokenException", false)]
    [InlineData(CloudMapErrorCodes.ServiceNotFound, false)]
    public void IsCredentialFailure_ClientErrors(string code, bool expected)
        => Assert.Equal(expected, CloudMapRegistrationService.IsCredentialFailure(FakeCloudMapClient.Error(code)));

    [Fact]
    public void IsCredentialFailure_RejectedCredentialsAndOtherProblems()
    {
        Assert.True(CloudMapRegistrationService.IsCredentialFailure(new CloudMapConfigurationException("x", FakeCloudMapClient.Error("InvalidSignatureException"))));
        Assert.False(CloudMapRegistrationService.IsCredentialFailure(new CloudMapConfigurationException("x", FakeCloudMapClient.Error(CloudMapErrorCodes.ServiceNotFound))));
        Assert.False(CloudMapRegistrationService.IsCredentialFailure(new InvalidOperationException("a bug")));
    }

    private static (IHost Host, TimerCountingFakeTimeProvider Time, AwaitableFakeLogs Logs) Build(ScriptedCloudMapServer server, CountingSources sources)
    {
        var time = new TimerCountingFakeTimeProvider();
        var logs = new AwaitableFakeLogs(FakeLogCollector.Create(new FakeLogCollectorOptions { TimeProvider = time }));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(TestHost.Config(("AWS:Region", "us-east-1"), ("AWS:ServiceURL", server.Url.ToString())));
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton<IInstanceIdentityResolver>(new FakeIdentityResolver());
        builder.Services.AddSingleton<IServer, TestHost.FakeServer>();
        builder.Services.AddSingleton(sources.Environment());
        builder.Services.AddHttpClient(HttpCloudMapClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => ClientHarness.CreateHandler(null));

        // No fake-clock timer while a request is on the (real) wire, so moving the clock never times out a call.
        builder.Services.Configure<CloudMapClientOptions>(o => o.AttemptTimeout = Timeout.InfiniteTimeSpan);

        // Readiness never passes: once resolved, the registration waits and the stop sends nothing. Its polls run beside
        // the resolution, so the clock moves only once both the poll and the resolution's backoff wait (timers: 2).
        builder.Services.AddHealthChecks().AddCheck("never-ready", () => HealthCheckResult.Unhealthy(), tags: ["ready"]);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(logs);
        builder.AddCloudMapRegistration();
        return (builder.Build(), time, logs);
    }

    /// <summary>A host that looks like EC2 but whose metadata has no role, no variables, and a default profile that appears later.</summary>
    private sealed class CountingSources
    {
        private int _metadataProbes;

        public int MetadataProbes => Volatile.Read(ref _metadataProbes);

        public AWSCredentials? ProfileCredentials { get; set; }

        public CloudMapClientEnvironment Environment() => new()
        {
            GetEnvironmentVariable = _ => null,
            GetProfileRegion = _ => null,
            GetProfileCredentials = profile => profile == "default" ? ProfileCredentials : null,
            ReadPlatformFile = path => path == Ec2HostEvidence.SysVendorPath ? "Amazon EC2" : null,
            FetchInstanceProfileCredentials = _ =>
            {
                Interlocked.Increment(ref _metadataProbes);
                return ValueTask.FromException<AWSCredentials>(new InvalidOperationException("the instance has no IAM role (instance profile)."));
            },
        };
    }
}
