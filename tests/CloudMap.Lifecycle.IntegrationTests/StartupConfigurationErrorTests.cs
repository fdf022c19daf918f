// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Runtime;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.IntegrationTests;

/// <summary>
/// Through a real web host, Kestrel and the emulator over HTTP: a target or credentials Cloud Map rejects stop the
/// host before it reports started, with the key, the value and what exists; a transient failure never does.
/// </summary>
public sealed class StartupConfigurationErrorTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Start_ServiceIdThatDoesNotExist_FailsBeforeStartedListingTheServices()
    {
        await using var host = await LifecycleTestHost.CreateAsync(new Dictionary<string, string?>
        {
            ["CloudMap:ServiceId"] = "srv-nope",
            ["CloudMap:NamespaceName"] = null,
            ["CloudMap:ServiceName"] = null,
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(host.StartAsync);

        Assert.StartsWith("CloudMap:ServiceId is 'srv-nope', but Cloud Map has no such service (ServiceNotFound", error.Message, StringComparison.Ordinal);
        Assert.Contains($"Services that exist: '{LifecycleTestHost.ServiceName}' ({host.ServiceId}, namespace '{LifecycleTestHost.NamespaceName}').", error.Message, StringComparison.Ordinal);
        AssertNeverStarted(host);
    }

    [Fact]
    public async Task Start_NamespaceNameThatDoesNotExist_FailsListingTheNamespaces()
    {
        await using var host = await LifecycleTestHost.CreateAsync(new Dictionary<string, string?> { ["CloudMap:NamespaceName"] = "it.locl" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(host.StartAsync);

        Assert.Equal(
            $"CloudMap:NamespaceName is 'it.locl', but no Cloud Map namespace has that name (NamespaceNotFound: No Cloud Map namespace is named 'it.locl'). Namespaces that exist: '{LifecycleTestHost.NamespaceName}' (HTTP).",
            error.Message);
        AssertNeverStarted(host);
    }

    [Fact]
    public async Task Start_ServiceNameThatDoesNotExist_FailsListingTheNamespacesServices()
    {
        await using var host = await LifecycleTestHost.CreateAsync(new Dictionary<string, string?> { ["CloudMap:ServiceName"] = "order" });
        host.Emulator.CreateService(host.Emulator.CreateHttpNamespace("elsewhere"), "order", EmulatedHealthCheck.None);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(host.StartAsync);

        Assert.StartsWith($"CloudMap:ServiceName is 'order', but namespace '{LifecycleTestHost.NamespaceName}' has no service of that name (ServiceNotFound", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"Services in namespace '{LifecycleTestHost.NamespaceName}': 'orders'.", error.Message, StringComparison.Ordinal);
        AssertNeverStarted(host);
    }

    [Fact]
    public async Task Start_TransientFailures_StartAnywayAndRegisterOnceCloudMapAnswers()
    {
        await using var host = await LifecycleTestHost.CreateAsync();
        host.Emulator.Faults.ErrorRate(1.0, statusCode: 503);
        host.Readiness.IsReady = true;

        // A 503 is answered before the fake clock moves; then the client's retries and the start's wait for an
        // answer both run on the app's fake clock, and the start completes without an error.
        var start = host.StartAsync();
        await host.Logs.WaitForAsync(r => r.Id.Name == "CloudMapRetrying" && r.Message.Contains("503", StringComparison.Ordinal), description: "a retried 503 answer", cancellationToken: Token);
        await host.AdvanceUntilAsync(start, TimeSpan.FromSeconds(1));
        await start;
        Assert.True(host.App.Lifetime.ApplicationStarted.IsCancellationRequested);
        Assert.Equal(0, host.Emulator.GetCallCount("RegisterInstance"));

        host.Emulator.Faults.Clear();
        await host.AdvanceUntilAsync(host.Logs.WaitForEventAsync("Registered", cancellationToken: Token), LifecycleTestHost.PollInterval);

        Assert.NotNull(host.Emulator.FindInstance(host.ServiceId, LifecycleTestHost.InstanceId));
        Assert.True(host.Emulator.GetCallCount("ListNamespaces") > 1);
    }

    [Fact]
    public async Task Start_CredentialsTheEmulatorDoesNotKnow_FailsNamingTheCredentials()
    {
        var emulatorTime = new TimerCountingFakeTimeProvider();
        var options = new CloudMapEmulatorOptions { TimeProvider = emulatorTime, RandomSeed = 1 };
        options.SigV4Credentials["AKIDKNOWN"] = "known-secret";
        await using var emulator = await CloudMapEmulator.StartAsync(options, Token);
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("it.local"), "orders", EmulatedHealthCheck.Custom);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "IntegrationTests" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AWS:ServiceURL"] = emulator.Endpoint.ToString(),
            ["AWS:Region"] = emulator.Region,
            ["CloudMap:ServiceId"] = serviceId,
            ["CloudMap:InstanceId"] = "it-1",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(new TimerCountingFakeTimeProvider());
        builder.Services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("AKIDUNKNOWN", "secret"));
        builder.Services.Configure<CloudMapClientOptions>(o => o.AttemptTimeout = Timeout.InfiniteTimeSpan);
        builder.AddCloudMapRegistration();
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(Token).WaitAsync(LifecycleTestHost.Guard, Token));

        Assert.StartsWith($"Cloud Map rejected the AWS credentials while resolving CloudMap:ServiceId '{serviceId}' (UnrecognizedClientException: The security token included in the request is invalid)", error.Message, StringComparison.Ordinal);
        Assert.False(app.Lifetime.ApplicationStarted.IsCancellationRequested);
        Assert.Equal(0, emulator.GetCallCount("RegisterInstance"));
    }

    private static void AssertNeverStarted(LifecycleTestHost host)
    {
        Assert.False(host.App.Lifetime.ApplicationStarted.IsCancellationRequested);
        Assert.Equal(0, host.Emulator.GetCallCount("RegisterInstance"));
        Assert.Equal(CloudMapRegistrationPhase.Failed, host.State.Phase);
    }
}
