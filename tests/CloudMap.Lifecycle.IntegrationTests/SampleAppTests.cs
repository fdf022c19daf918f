// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text.Json;
using CloudMap.Lifecycle.Sample;

namespace CloudMap.Lifecycle.IntegrationTests;

/// <summary>The sample, built by the very method its <c>Program</c> runs, with the app's clock driven by the test.</summary>
public sealed class SampleAppTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BuildAsync_NoCloudMapConfigured_AnswersOnlyAfterWarmupAndFollowsToggle()
    {
        var time = new TimerCountingFakeTimeProvider();
        var logs = new AwaitableFakeLogs();

        // Registration off: this test is about the app's own endpoints; the child-process test covers registration.
        await using var app = await SampleApp.BuildAsync(
            ["--urls=http://127.0.0.1:0", "--CloudMap:InstanceId=sample-it", "--CloudMap:Enabled=false", "--Sample:WarmupSeconds=5"],
            builder =>
            {
                builder.Services.AddSingleton<TimeProvider>(time);
                builder.Logging.AddProvider(logs);
            },
            Token);
        await app.StartAsync(Token).WaitAsync(LifecycleTestHost.Guard, Token);
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single()).Port;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await logs.WaitForEventAsync("WarmupStarted", cancellationToken: Token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(new Uri("/", UriKind.Relative), Token)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(new Uri("/health/ready", UriKind.Relative), Token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/live", UriKind.Relative), Token)).StatusCode);

        await time.WaitForTimersAsync(1, Token).WaitAsync(LifecycleTestHost.Guard, Token);
        time.Advance(TimeSpan.FromSeconds(5));
        await logs.WaitForEventAsync("WarmupCompleted", cancellationToken: Token);

        Assert.Equal("sample-it", await http.GetStringAsync(new Uri("/", UriKind.Relative), Token));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/ready", UriKind.Relative), Token)).StatusCode);

        (await http.PostAsync(new Uri("/admin/unhealthy", UriKind.Relative), null, Token)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(new Uri("/health/ready", UriKind.Relative), Token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/live", UriKind.Relative), Token)).StatusCode);
        (await http.PostAsync(new Uri("/admin/healthy", UriKind.Relative), null, Token)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/ready", UriKind.Relative), Token)).StatusCode);

        using var registration = JsonDocument.Parse(await http.GetStringAsync(new Uri("/admin/registration", UriKind.Relative), Token));
        Assert.Equal("Library", registration.RootElement.GetProperty("mode").GetString());
        Assert.Equal("Disabled", registration.RootElement.GetProperty("phase").GetString());

        var embedded = await logs.WaitForEventAsync("EmbeddedEmulator", cancellationToken: Token);
        Assert.StartsWith("No Cloud Map configured: using the embedded emulator at http://127.0.0.1:", embedded.Message, StringComparison.Ordinal);
        await app.StopAsync(Token).WaitAsync(LifecycleTestHost.Guard, Token);
    }

    [Fact]
    public async Task BuildAsync_NamespaceConfigured_DoesNotStartEmbeddedEmulator()
    {
        var logs = new AwaitableFakeLogs();

        await using var app = await SampleApp.BuildAsync(
            ["--urls=http://127.0.0.1:0", "--CloudMap:NamespaceName=demo.local", "--CloudMap:ServiceName=sample", "--CloudMap:Enabled=false"],
            builder => builder.Logging.AddProvider(logs),
            Token);

        Assert.Equal(0, logs.CountEvents("EmbeddedEmulator"));
        Assert.Equal(1, logs.CountEvents("ConfiguredCloudMap"));
    }
}
