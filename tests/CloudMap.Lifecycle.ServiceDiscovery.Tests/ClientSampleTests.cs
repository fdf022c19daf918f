// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Runtime;
using CloudMap.Lifecycle.ClientSample;
using CloudMap.Lifecycle.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudMap.Lifecycle.ServiceDiscovery.Tests;

/// <summary>The client sample, in process, against the emulator and a real backend (real time, loopback).</summary>
public sealed class ClientSampleTests
{
    [Fact]
    public async Task Run_AgainstAHealthyService_PrintsOneLinePerSecondAndTheTotals_ExitsZero()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var emulator = await CloudMapEmulator.StartAsync(cancellationToken: ct);
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("demo.local"), "sample");
        await using var backend = await Backend.StartAsync("sample-1");
        emulator.RegisterInstance(serviceId, "sample-1", DiscoveryHarness.Attributes(backend.Port));
        using var output = new StringWriter();

        var exit = await ClientSampleApp.RunAsync(Args(emulator, "--rate", "20", "--duration", "2.5"), output, Credentials, ct);

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.True(exit == 0, output.ToString());
        Assert.Matches(@"^\d+ sent, 0 failed$", lines[^1]);
        Assert.InRange(int.Parse(lines[^1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture), 40, 51);
        // One line per whole second of a 2.5 s run on the real clock: 2, or 1 when a loaded machine delays the first tick
        // (CI saw 1 once); never 0, and never more than the run's seconds.
        Assert.InRange(lines.Count(l => l.Contains("answered by sample-1 x", StringComparison.Ordinal)), 1, 2);
    }

    [Fact]
    public async Task Run_AgainstAnInstanceThatIsGone_CountsFailures_ExitsOne()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var emulator = await CloudMapEmulator.StartAsync(cancellationToken: ct);
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("demo.local"), "sample");
        var backend = await Backend.StartAsync("sample-1");
        var port = backend.Port;
        await backend.DisposeAsync();   // a zombie registration: nothing listens there any more
        emulator.RegisterInstance(serviceId, "sample-1", DiscoveryHarness.Attributes(port));
        using var output = new StringWriter();

        var exit = await ClientSampleApp.RunAsync(Args(emulator, "--rate", "10", "--duration", "00:00:01.2"), output, Credentials, ct);

        var last = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Equal(1, exit);
        Assert.Matches(@"^(\d+) sent, \1 failed$", last);
    }

    [Theory]
    [InlineData("--rate", "fast", "Startup failed: --rate is 'fast'")]
    [InlineData("--duration", "-5", "Startup failed: --duration is '-5'")]
    [InlineData("--target", "sample", "Startup failed: --target is 'sample'")]
    public async Task Run_BadOption_NamesTheOptionAndTheValue_ExitsOne(string option, string value, string expected)
    {
        using var output = new StringWriter();

        var exit = await ClientSampleApp.RunAsync([option, value], output, Credentials, TestContext.Current.CancellationToken);

        Assert.Equal(1, exit);
        Assert.StartsWith(expected, output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("90", 90)]
    [InlineData("1.5", 1.5)]
    [InlineData("00:01:30", 90)]
    public void Duration_TimeSpanOrSeconds(string text, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), ClientCommandLine.ParseDuration(text));

    private static string[] Args(CloudMapEmulator emulator, params string[] extra) =>
        ["--target", "http://sample.demo.local/", .. extra, "--AWS:ServiceURL=" + emulator.Endpoint, "--AWS:Region=" + emulator.Region];

    private static void Credentials(IServiceCollection services) =>
        services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("cloudmap-emulator", "cloudmap-emulator"));
}
