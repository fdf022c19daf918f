// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Runtime;
using CloudMap.Lifecycle.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>The client's own events and spans describe each call; IHttpClientFactory's four lines per request do not reach the app's log.</summary>
public sealed class CloudMapClientLoggingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Client_OneCall_LogsNothingFromTheHttpClientFactory()
    {
        await using var server = await ScriptedCloudMapServer.StartAsync();
        server.Reply("""{"Service":{"Id":"srv-1","Name":"orders","HealthCheckCustomConfig":{}}}""");
        var collector = new FakeLogCollector();
        var services = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(collector)));
        services.AddSingleton<AWSCredentials>(ClientHarness.Credentials);
        services.TryAddCloudMapClient();
        services.Configure<CloudMapClientOptions>(o =>
        {
            o.Region = "us-east-1";
            o.ServiceUrl = server.Url;
        });
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<ICloudMapClient>().GetServiceAsync("srv-1", Ct);

        var records = collector.GetSnapshot();
        Assert.Contains(records, r => r.Id.Id == 2000);
        Assert.DoesNotContain(records, r => r.Category?.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal) == true);
    }
}
