// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Runtime;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests;

/// <summary>
/// At start, the drain is checked against the TTL of the service's DNS records (event 1131): a DNS client may resolve a
/// deregistered instance for that long, so a shorter drain sends it requests after it stops serving (G2). Against the
/// emulator, whose GetService returns the service's DnsConfig as Cloud Map does.
/// </summary>
[Trait(Guarantees.Trait, Guarantees.G2)]
public sealed class DnsDrainCheckTests
{
    private const string DnsServiceId = "srv-dnsdrain00000000";
    private const string HttpServiceId = "srv-httpdrain0000000";
    private const string Seed = """
        {"namespaces":[
          {"name":"drain.internal","type":"DNS_PRIVATE","services":[{"name":"web","id":"srv-dnsdrain00000000","healthCheck":"custom",
            "dnsConfig":{"RoutingPolicy":"MULTIVALUE","DnsRecords":[{"Type":"A","TTL":4},{"Type":"SRV","TTL":10}]}}]},
          {"name":"drain-http","type":"HTTP","services":[{"name":"web","id":"srv-httpdrain0000000","healthCheck":"custom"}]}]}
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_DrainShorterThanTheLongestRecordTtl_WarnsNamingDrainServiceRecordAndTtl()
    {
        await using var app = await DrainHost.StartEmulatorAsync(DnsServiceId, drain: "00:00:05");

        await app.Host.StartAsync(Ct).WaitAsync(FakeClockDriver.DefaultGuard, Ct);
        var warning = await app.Logs.WaitForEventAsync("DrainShorterThanDnsTtl", cancellationToken: Ct);

        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal(1131, warning.Id.Id);
        Assert.Contains(
            $"CloudMap:Shutdown:DrainDelay is 5 s, shorter than the 10 s TTL of the SRV record of service '{DnsServiceId}' ('web')",
            warning.Message,
            StringComparison.Ordinal);
        Assert.Contains("plus their resolver's own caching", warning.Message, StringComparison.Ordinal);
        Assert.Single(app.Logs.Collector.GetEvents("DrainShorterThanDnsTtl"));
        await app.StopAsync();
    }

    [Fact]
    public async Task StartAsync_DrainTooShort_WithBudgetSeverityError_FailsTheStartNamingBothSettings()
    {
        await using var app = await DrainHost.StartEmulatorAsync(DnsServiceId, drain: "00:00:05", ("CloudMap:Shutdown:BudgetSeverity", "Error"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.Host.StartAsync(Ct).WaitAsync(FakeClockDriver.DefaultGuard, Ct));

        Assert.Contains("CloudMap:Shutdown:DrainDelay is 5 s, shorter than the 10 s TTL of the SRV record", error.Message, StringComparison.Ordinal);
        Assert.Contains("CloudMap:Shutdown:BudgetSeverity is Error", error.Message, StringComparison.Ordinal);
        Assert.Equal(CloudMapRegistrationPhase.Failed, app.Host.Services.GetRequiredService<ICloudMapRegistrationState>().Phase);
        Assert.Equal(0, app.Emulator.GetCallCount("RegisterInstance"));
    }

    [Fact]
    public async Task ResolveTarget_WhenTheStartDidNotGetTheAnswer_OnlyWarns_EvenWithBudgetSeverityError()
    {
        await using var app = await DrainHost.StartEmulatorAsync(DnsServiceId, drain: "00:00:05", ("CloudMap:Shutdown:BudgetSeverity", "Error"));
        var registration = app.Host.Services.GetRequiredService<Internal.CloudMapRegistrationService>();

        // The background's resolution, as when GetService answered after the start's wait: the host runs already.
        var target = await registration.ResolveTargetAsync(Ct).WaitAsync(FakeClockDriver.DefaultGuard, Ct);
        var again = await registration.ResolveTargetAsync(Ct).WaitAsync(FakeClockDriver.DefaultGuard, Ct);

        Assert.NotNull(target);
        Assert.NotNull(again);
        var warning = Assert.Single(app.Logs.Collector.GetEvents("DrainShorterThanDnsTtl"));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("CloudMap:Shutdown:DrainDelay is 5 s, shorter than the 10 s TTL of the SRV record", warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DnsServiceId, "00:00:10")]
    [InlineData(DnsServiceId, "00:00:00")]
    [InlineData(HttpServiceId, "00:00:05")]
    public async Task StartAsync_DrainAtLeastTheTtl_OrNoDnsRecords_OrNoDrain_SaysNothing(string serviceId, string drain)
    {
        await using var app = await DrainHost.StartEmulatorAsync(serviceId, drain, ("CloudMap:Shutdown:BudgetSeverity", "Error"));

        await app.Host.StartAsync(Ct).WaitAsync(FakeClockDriver.DefaultGuard, Ct);
        await app.Logs.WaitForEventAsync("Registered", cancellationToken: Ct);

        Assert.Empty(app.Logs.Collector.GetEvents("DrainShorterThanDnsTtl"));
        await app.StopAsync();
    }

    /// <summary>A generic host with the library and its real client against a seeded loopback emulator, on a fake clock.</summary>
    private sealed class DrainHost(CloudMapEmulator emulator, TimerCountingFakeTimeProvider time, AwaitableFakeLogs logs, IHost host) : IAsyncDisposable
    {
        public CloudMapEmulator Emulator => emulator;

        public AwaitableFakeLogs Logs => logs;

        public IHost Host => host;

        public static async Task<DrainHost> StartEmulatorAsync(string serviceId, string drain, params (string Key, string Value)[] settings)
        {
            var time = new TimerCountingFakeTimeProvider();
            var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { SeedJson = Seed, CompleteOperationsImmediately = true, HealthChangeDelay = TimeSpan.Zero }, Ct);
            var logs = new AwaitableFakeLogs(FakeLogCollector.Create(new FakeLogCollectorOptions { TimeProvider = time }));
            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
            var configuration = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
            {
                ["AWS:ServiceURL"] = emulator.Endpoint.ToString(),
                ["AWS:Region"] = emulator.Region,
                ["CloudMap:ServiceId"] = serviceId,
                ["CloudMap:InstanceId"] = "drain-1",
                ["CloudMap:Address"] = "127.0.0.1",
                ["CloudMap:Port"] = "8080",
                ["CloudMap:Readiness:ConsecutiveSuccesses"] = "1",
                ["CloudMap:Shutdown:DrainDelay"] = drain,
            };
            foreach (var (key, value) in settings)
            {
                configuration[key] = value;
            }

            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            builder.Services.AddSingleton<TimeProvider>(time);
            builder.Services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("drain", "drain"));
            builder.AddCloudMapRegistration();
            builder.Services.AddHttpClient(CloudMap.Lifecycle.Client.HttpCloudMapClient.HttpClientName)
                .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });
            return new DrainHost(emulator, time, logs, builder.Build());
        }

        /// <summary>Stops the host, moving the fake clock through the drain.</summary>
        public Task StopAsync() => time.AdvanceUntilAsync(host.StopAsync(Ct), TimeSpan.FromSeconds(1), cancellationToken: Ct);

        public async ValueTask DisposeAsync()
        {
            try
            {
                host.Dispose();
            }
            finally
            {
                await emulator.DisposeAsync();
                logs.Dispose();
            }
        }
    }
}
