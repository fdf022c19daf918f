// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests;

/// <summary>
/// A target or credentials Cloud Map rejects fail the host's start with a message naming the key, the value and what
/// exists; a transient failure never does; expected Cloud Map errors are logged as one line.
/// </summary>
public sealed class StartupResolutionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_ServiceIdThatDoesNotExist_FailsBeforeStartedNamingKeyValueAndExistingServices()
    {
        var (host, client, _, started) = Build(("CloudMap:ServiceId", "srv-nope"));
        using var _host = host;

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.StartsWith("CloudMap:ServiceId is 'srv-nope', but Cloud Map has no such service (ServiceNotFound", error.Message, StringComparison.Ordinal);
        Assert.Contains($"Services that exist: 'api' ({FakeCloudMapClient.CustomServiceId}, namespace '{FakeCloudMapClient.NamespaceName}')", error.Message, StringComparison.Ordinal);
        Assert.Contains("'connect'", error.Message, StringComparison.Ordinal);
        Assert.False(started.IsCancellationRequested);
        Assert.Equal(["GetService", "ListNamespaces", "ListServices"], client.Calls);
        var state = host.Services.GetRequiredService<ICloudMapRegistrationState>();
        Assert.Equal(CloudMapRegistrationPhase.Failed, state.Phase);
        Assert.Equal(error.Message, state.LastError);
        await host.StopAsync(Ct);
        Assert.DoesNotContain("RegisterInstance", client.Calls);
    }

    [Fact]
    public async Task StartAsync_NamespaceNameThatDoesNotExist_FailsListingTheNamespaces()
    {
        var (host, _, _, _) = Build(("CloudMap:ServiceId", null), ("CloudMap:NamespaceName", "shop.locl"), ("CloudMap:ServiceName", "api"));
        using var _host = host;

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.StartsWith("CloudMap:NamespaceName is 'shop.locl', but no Cloud Map namespace has that name (NamespaceNotFound", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"Namespaces that exist: '{FakeCloudMapClient.NamespaceName}' (HTTP).", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ServiceNameThatDoesNotExist_FailsListingTheNamespacesServices()
    {
        var (host, _, _, _) = Build(("CloudMap:ServiceId", null), ("CloudMap:NamespaceName", FakeCloudMapClient.NamespaceName), ("CloudMap:ServiceName", "orders"));
        using var _host = host;

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.StartsWith($"CloudMap:ServiceName is 'orders', but namespace '{FakeCloudMapClient.NamespaceName}' has no service of that name (ServiceNotFound", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"Services in namespace '{FakeCloudMapClient.NamespaceName}': 'api', 'connect', 'web'.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UnrecognizedClientException")]
    [InlineData("InvalidSignatureException")]
    [InlineData("MissingAuthenticationTokenException")]
    [InlineData("IncompleteSignatureException")]
    public async Task StartAsync_CredentialsRejected_FailsNamingTheCredentialSources(string code)
    {
        var (host, client, _, _) = Build();
        using var _host = host;
        client.FailNext("GetService", FakeCloudMapClient.Error(code));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.StartsWith($"Cloud Map rejected the AWS credentials while resolving CloudMap:ServiceId '{FakeCloudMapClient.CustomServiceId}' ({code}", error.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_ACCESS_KEY_ID", error.Message, StringComparison.Ordinal);
        Assert.Equal(["GetService"], client.Calls);
    }

    [Fact]
    public async Task StartAsync_AccessDenied_FailsNamingThePermissions()
    {
        var (host, client, _, _) = Build();
        using var _host = host;
        client.FailNext("GetService", FakeCloudMapClient.Error(CloudMapErrorCodes.AccessDeniedException));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("not allowed to call Cloud Map", error.Message, StringComparison.Ordinal);
        Assert.Contains("servicediscovery:RegisterInstance", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_NamedRegistration_NamesItsOwnKey()
    {
        var (host, _, _, _) = Build(
            configure: b => b.AddCloudMapRegistration("grpc"),
            ("CloudMap:grpc:ServiceId", "srv-nope"),
            ("CloudMap:grpc:Port", "5001"));
        using var _host = host;

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Equal("grpc", error.OptionsName);
        Assert.StartsWith("CloudMap:grpc:ServiceId is 'srv-nope'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CloudMapErrorCodes.ThrottlingException)]
    [InlineData(CloudMapErrorCodes.InternalFailure)]
    [InlineData(CloudMapErrorCodes.RequestFailed)]
    [InlineData("ExpiredTokenException")]
    public async Task StartAsync_TransientFailure_StartsAndRegistersOnRetryLoggingOneLine(string code)
    {
        var (host, client, logs, started) = Build();
        using var _host = host;
        client.FailNext("GetService", FakeCloudMapClient.Error(code));
        var time = (TimerCountingFakeTimeProvider)host.Services.GetRequiredService<TimeProvider>();

        await host.StartAsync(Ct);

        Assert.True(started.IsCancellationRequested);
        await logs.WaitForEventAsync("ResolveFailed", cancellationToken: Ct);
        var failure = Assert.Single(logs.Collector.GetEvents("ResolveFailed"));
        Assert.Equal(LogLevel.Warning, failure.Level);
        Assert.Null(failure.Exception);
        Assert.Contains($"(attempt 1): {code} (fake); retrying.", failure.Message, StringComparison.Ordinal);
        // The detail follows the one line on the same thread: wait for it rather than race it.
        var details = await logs.WaitForEventAsync("ErrorDetails", cancellationToken: Ct);
        Assert.Single(logs.Collector.GetEvents("ErrorDetails"));
        Assert.Equal(LogLevel.Debug, details.Level);
        Assert.IsType<CloudMapException>(details.Exception);

        // Two timers: the resolution's backoff, and the readiness poll beside it.
        await time.WaitForTimersAsync(2, Ct);
        time.Advance(Backoff.UpperBound(0));
        await logs.WaitForEventAsync("TargetResolved", cancellationToken: Ct);
        Assert.Equal(2, client.CallCount("GetService"));
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_UnexpectedException_KeepsItsStackTrace()
    {
        var (host, client, logs, _) = Build();
        using var _host = host;
        client.FailNext("GetService", new InvalidOperationException("a bug"));

        await host.StartAsync(Ct);

        await logs.WaitForEventAsync("ResolveFailed", cancellationToken: Ct);
        var failure = Assert.Single(logs.Collector.GetEvents("ResolveFailed"));
        Assert.IsType<InvalidOperationException>(failure.Exception);
        Assert.Contains("InvalidOperationException: a bug", failure.Message, StringComparison.Ordinal);
        Assert.False(logs.Collector.HasEvent("ErrorDetails"));
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_NoAnswerWithinTheStartupWait_StartsAndKeepsResolvingInTheBackground()
    {
        var (host, client, logs, started) = Build();
        using var _host = host;
        var time = (TimerCountingFakeTimeProvider)host.Services.GetRequiredService<TimeProvider>();
        client.Hang = true;

        var start = host.StartAsync(Ct);
        await time.WaitForTimersAsync(1, Ct);
        Assert.False(start.IsCompleted);
        time.Advance(CloudMapRegistrationService.StartupResolveTimeout);
        await start;

        Assert.True(started.IsCancellationRequested);
        Assert.Equal(CloudMapRegistrationPhase.Resolving, host.Services.GetRequiredService<ICloudMapRegistrationState>().Phase);
        Assert.Equal(1, client.CallCount("GetService"));
        await host.StopAsync(Ct);
        Assert.False(logs.Collector.HasEvent("ResolveFailed"));
    }

    [Fact]
    public async Task StartAsync_ResolvedAtStart_TheBackgroundDoesNotAskAgain()
    {
        var (host, client, logs, _) = Build();
        using var _host = host;

        await host.StartAsync(Ct);
        await logs.WaitForEventAsync("TargetResolved", cancellationToken: Ct);

        Assert.Equal(1, client.CallCount("GetService"));
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_DefinitiveAnswerAfterTheStart_LogsOneErrorLinePerAttemptAndKeepsTrying()
    {
        var (host, client, logs, _) = Build(("CloudMap:ServiceId", "srv-nope"));
        using var _host = host;
        var time = (TimerCountingFakeTimeProvider)host.Services.GetRequiredService<TimeProvider>();
        client.FailNext("GetService", FakeCloudMapClient.Error(CloudMapErrorCodes.ServiceUnavailable));

        await host.StartAsync(Ct);
        await logs.WaitForEventAsync("ResolveFailed", cancellationToken: Ct);
        await time.WaitForTimersAsync(2, Ct); // the resolution's backoff and the readiness poll beside it
        time.Advance(Backoff.UpperBound(0));
        await logs.WaitForEventAsync("ConfigurationProblemRetrying", cancellationToken: Ct);

        var problem = Assert.Single(logs.Collector.GetEvents("ConfigurationProblemRetrying"));
        Assert.Equal(LogLevel.Error, problem.Level);
        Assert.Null(problem.Exception);
        Assert.Contains("(attempt 2): CloudMap:ServiceId is 'srv-nope', but Cloud Map has no such service", problem.Message, StringComparison.Ordinal);
        Assert.Equal(CloudMapRegistrationPhase.Failed, host.Services.GetRequiredService<ICloudMapRegistrationState>().Phase);
        await host.StopAsync(Ct);
        Assert.DoesNotContain("RegisterInstance", client.Calls);
    }

    [Fact]
    public async Task StartAsync_Disabled_SendsNothing()
    {
        var (host, client, _, _) = Build(("CloudMap:Enabled", "false"), ("CloudMap:ServiceId", "srv-nope"));
        using var _host = host;

        await host.StartAsync(Ct);
        await host.StopAsync(Ct);

        Assert.Empty(client.Calls);
    }

    [Fact]
    public void DefinitiveErrors_TransientCodes_AreNeverDefinitive()
    {
        foreach (var code in CloudMapRetryClassifier.RetryableCodes.Append(CloudMapErrorCodes.RequestFailed).Append(CloudMapErrorCodes.CredentialsUnavailable))
        {
            Assert.False(DefinitiveErrors.IsDefinitive(new CloudMapException(code, "x", HttpStatusCode.BadRequest, null)), code);
        }

        Assert.True(DefinitiveErrors.IsDefinitive(FakeCloudMapClient.Error(CloudMapErrorCodes.ServiceNotFound)));
        Assert.False(DefinitiveErrors.IsDefinitive(new TimeoutException()));
    }

    private static (IHost Host, FakeCloudMapClient Client, AwaitableFakeLogs Logs, CancellationToken Started) Build(params (string Key, string? Value)[] pairs)
        => Build(configure: null, pairs);

    private static (IHost Host, FakeCloudMapClient Client, AwaitableFakeLogs Logs, CancellationToken Started) Build(Action<HostApplicationBuilder>? configure, params (string Key, string? Value)[] pairs)
    {
        var client = new FakeCloudMapClient();
        var time = new TimerCountingFakeTimeProvider();
        var logs = new AwaitableFakeLogs(FakeLogCollector.Create(new FakeLogCollectorOptions { TimeProvider = time }));
        var builder = TestHost.CreateBuilder(TestHost.Config(pairs), client, time, logs: logs);
        builder.Services.AddHealthChecks();
        if (configure is null)
        {
            builder.AddCloudMapRegistration();
        }
        else
        {
            configure(builder);
        }

        var host = builder.Build();
        return (host, client, logs, host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted);
    }
}
