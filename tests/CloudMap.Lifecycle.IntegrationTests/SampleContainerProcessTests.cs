// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text.RegularExpressions;
using CloudMap.Lifecycle.Sample;

namespace CloudMap.Lifecycle.IntegrationTests;

/// <summary>
/// The built sample as a container runs it: the listening address from the ASP.NET Core variables and arguments, the
/// Cloud Map from the configuration (never the embedded emulator once one is configured), and a startup failure as one
/// line and exit code 1. Every child binds loopback only, on port 0, and never asks instance metadata.
/// </summary>
public sealed partial class SampleContainerProcessTests
{
    private static readonly TimeSpan ProcessGuard = TimeSpan.FromSeconds(60);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sample_AspNetCoreUrlsSet_ListensThere()
    {
        await using var process = StartSample(
            ["--CloudMap:Enabled=false", "--Sample:WarmupSeconds=0"],
            env => env["ASPNETCORE_URLS"] = "http://127.0.0.1:0");

        var address = await ListeningAddressAsync(process);

        // Port 0 asked: any real port but the sample's local default proves the variable won.
        Assert.NotEqual(5080, address.Port);
        using var http = new HttpClient { BaseAddress = address };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/live", UriKind.Relative), Token)).StatusCode);
        await StopGracefullyAsync(process);
        Assert.DoesNotContain(process.Lines, l => l.Contains("Overriding", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sample_UrlsArgumentAndAspNetCoreUrls_ArgumentWins()
    {
        // Command line over environment, as in every ASP.NET Core app: the variable's port 1 must not be used.
        await using var process = StartSample(
            ["--urls", "http://127.0.0.1:0", "--CloudMap:Enabled=false", "--Sample:WarmupSeconds=0"],
            env => env["ASPNETCORE_URLS"] = "http://127.0.0.1:1");

        var address = await ListeningAddressAsync(process);

        Assert.NotEqual(1, address.Port);
        Assert.NotEqual(5080, address.Port);
        using var http = new HttpClient { BaseAddress = address };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/live", UriKind.Relative), Token)).StatusCode);
        await StopGracefullyAsync(process);
    }

    [Fact]
    public async Task Sample_EndpointAndTargetConfigured_RegistersThereWithoutEmbeddedEmulator()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(cancellationToken: Token);
        var namespaceId = emulator.CreateHttpNamespace("configured.local");
        var serviceId = emulator.CreateService(namespaceId, "orders", EmulatedHealthCheck.Custom);
        var endpoint = emulator.Endpoint.ToString().TrimEnd('/');

        await using var process = StartSample(
            [
                "--urls", "http://127.0.0.1:0", "--Sample:WarmupSeconds=0",
                $"--AWS:ServiceURL={endpoint}", $"--AWS:Region={emulator.Region}",
                "--CloudMap:NamespaceName=configured.local", "--CloudMap:ServiceName=orders",
                "--CloudMap:InstanceId=orders-1", "--CloudMap:Address=127.0.0.1", "--CloudMap:Shutdown:DrainDelay=00:00:00",
            ],
            env =>
            {
                env["AWS_ACCESS_KEY_ID"] = "AKIDSAMPLETEST";
                env["AWS_SECRET_ACCESS_KEY"] = "sample-test-secret";
            });
        await process.WaitForLineAsync(l => l.Contains("registered instance 'orders-1'", StringComparison.Ordinal)).WaitAsync(ProcessGuard, Token);

        // Registered in the configured Cloud Map, not in an emulator of its own.
        Assert.NotNull(emulator.FindInstance(serviceId, "orders-1"));
        Assert.Contains(process.Lines, l => l.Contains($"Cloud Map configured: talking to {endpoint}", StringComparison.Ordinal));
        Assert.DoesNotContain(process.Lines, l => l.Contains("embedded emulator", StringComparison.Ordinal));
        await StopGracefullyAsync(process);
        Assert.Null(emulator.FindInstance(serviceId, "orders-1"));
    }

    [Fact]
    public async Task Sample_EndpointAndServiceNameWithoutNamespace_FailsStartupInsteadOfEmbedding()
    {
        // The issue's case: the embedded emulator used to start and take the registration "instead".
        await using var process = StartSample(["--urls", "http://127.0.0.1:0", "--AWS:ServiceURL=http://127.0.0.1:4566", "--CloudMap:ServiceName=orders"]);

        var exitCode = await process.Exited.WaitAsync(ProcessGuard, Token);

        Assert.True(exitCode == SampleApp.StartupFailedExitCode, $"Exit code {exitCode}.{Environment.NewLine}{process.Output}");
        Assert.DoesNotContain(process.Lines, l => l.Contains("embedded emulator", StringComparison.Ordinal));
        var line = Assert.Single(process.Lines, l => l.StartsWith(SampleApp.StartupFailedPrefix, StringComparison.Ordinal));
        Assert.Contains("CloudMap:NamespaceName", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--CloudMap:Readiness:PollInterval=banana", "'banana'", "CloudMap:Readiness:PollInterval")]
    [InlineData("--Sample:EmbeddedEmulator=maybe", "'maybe'", "Sample:EmbeddedEmulator")]
    [InlineData("--Sample:WarmupSecond=2", "'Sample:WarmupSecond'", "Sample:WarmupSeconds")]
    public async Task Sample_BadOption_PrintsOneLineAndExitsWith1(string option, string value, string key)
    {
        await using var process = StartSample(["--urls", "http://127.0.0.1:0", option]);

        var exitCode = await process.Exited.WaitAsync(ProcessGuard, Token);

        // The information lines the app logged before the failure are not part of the report; everything else is.
        var report = process.Lines.Where(l => !InformationLine().IsMatch(l)).ToList();
        Assert.True(exitCode == SampleApp.StartupFailedExitCode, $"Exit code {exitCode}.{Environment.NewLine}{process.Output}");
        var line = Assert.Single(report);
        Assert.StartsWith(SampleApp.StartupFailedPrefix, line, StringComparison.Ordinal);
        Assert.Contains(key, line, StringComparison.Ordinal);
        Assert.Contains(value, line, StringComparison.Ordinal);
    }

    private static async Task<Uri> ListeningAddressAsync(ChildProcess process)
    {
        var listening = await process.WaitForLineAsync(l => l.Contains("Now listening on: ", StringComparison.Ordinal)).WaitAsync(ProcessGuard, Token);
        return new Uri(ListeningUrl().Match(listening).Value);
    }

    private static async Task StopGracefullyAsync(ChildProcess process)
    {
        process.Terminate();
        var exitCode = await process.Exited.WaitAsync(ProcessGuard, Token);
        Assert.True(exitCode == 0, $"Exit code {exitCode}.{Environment.NewLine}{process.Output}");
    }

    private static ChildProcess StartSample(string[] args, Action<IDictionary<string, string?>>? environment = null) =>
        ChildProcess.StartDotnet("sample", Path.Combine(AppContext.BaseDirectory, "CloudMap.Lifecycle.Sample.dll"), args, env =>
        {
            // Nothing from the runner's environment decides where the child listens or which Cloud Map it uses.
            foreach (var key in env.Keys.Where(k => k.StartsWith("AWS", StringComparison.OrdinalIgnoreCase)
                || k.StartsWith("ECS_", StringComparison.OrdinalIgnoreCase)
                || k.StartsWith("CloudMap__", StringComparison.OrdinalIgnoreCase)
                || k.StartsWith("Sample__", StringComparison.OrdinalIgnoreCase)
                || k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
                || k.StartsWith("DOTNET_URLS", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                env.Remove(key);
            }

            // No packet for 169.254.169.254, from the identity resolver or the AWS credential chain.
            env["AWS_EC2_METADATA_DISABLED"] = "true";
            environment?.Invoke(env);
        });

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex ListeningUrl();

    [GeneratedRegex(@"^\d\d:\d\d:\d\d\.\d{3} info: ")]
    private static partial Regex InformationLine();
}
