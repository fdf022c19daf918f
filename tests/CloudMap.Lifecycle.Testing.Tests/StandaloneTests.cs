// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Sockets;
using CloudMap.Lifecycle.Emulator;

namespace CloudMap.Lifecycle.Testing.Tests;

public sealed class StandaloneTests
{
    [Fact]
    public void Parse_AllOptions_MapToEmulatorOptions()
    {
        var command = EmulatorCommandLine.Parse([
            "--port", "4567", "--bind", "0.0.0.0", "--seed", "seed.json", "--region", "eu-west-1", "--health-delay", "5s",
            "--operation-submitted", "100ms", "--operation-pending", "1.5", "--propagation-delay", "2m", "--credentials", "AKID:se:cret",
            "--random-seed", "7",
        ]);

        var o = command.Options;
        Assert.Equal(4567, o.Port);
        Assert.Equal(IPAddress.Any, o.BindAddress);
        Assert.Equal("seed.json", o.SeedFile);
        Assert.Equal("eu-west-1", o.Region);
        Assert.Equal(TimeSpan.FromSeconds(5), o.HealthChangeDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(100), o.OperationSubmittedDuration);
        Assert.Equal(TimeSpan.FromSeconds(1.5), o.OperationPendingDuration);
        Assert.Equal(TimeSpan.FromMinutes(2), o.PropagationDelay);
        Assert.Equal("se:cret", o.SigV4Credentials["AKID"]);
        Assert.Equal(7, o.RandomSeed);
    }

    [Fact]
    public void Parse_AllowedHost_Repeatable()
    {
        var command = EmulatorCommandLine.Parse(["--allowed-host", "cloudmap-emulator", "--allowed-host", "host.docker.internal"]);

        Assert.Equal(["cloudmap-emulator", "host.docker.internal"], command.Options.AllowedHosts);
    }

    [Fact]
    public void Parse_NoArguments_DefaultsToLoopback4566()
    {
        var command = EmulatorCommandLine.Parse([]);

        Assert.Equal(4566, command.Options.Port);
        Assert.Equal(IPAddress.Loopback, command.Options.BindAddress);
        Assert.Empty(command.Options.SigV4Credentials);
        Assert.Null(command.BenchmarkSeconds);
    }

    [Theory]
    [InlineData("--port", "70000")]
    [InlineData("--port", "abc")]
    [InlineData("--bind", "not-an-ip")]
    [InlineData("--health-delay", "soon")]
    [InlineData("--credentials", "nocolon")]
    [InlineData("--whatever", "1")]
    [InlineData("--allowed-host", "http://emulator:4566")]
    [InlineData("--port")]
    public void Parse_Invalid_ArgumentExceptionNamingTheOption(params string[] args)
    {
        var error = Assert.Throws<ArgumentException>(() => EmulatorCommandLine.Parse(args));

        Assert.Contains(args[0], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadCredentials_NeverEchoesTheValue()
    {
        var error = Assert.Throws<ArgumentException>(() => EmulatorCommandLine.Parse(["--credentials", "SECRETVALUE"]));

        Assert.DoesNotContain("SECRETVALUE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_InvalidArgument_ExitCode2WithUsage()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await EmulatorProgram.RunAsync(["--port", "x"], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(EmulatorProgram.ExitBadArguments, code);
        Assert.Contains("Invalid --port", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("Usage:", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PortTaken_ExitCode1WithClearError()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await EmulatorProgram.RunAsync(["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(EmulatorProgram.ExitStartFailed, code);
        Assert.Contains("already in use", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout.ToString());
    }

    [Fact]
    public async Task Run_MissingSeedFile_ExitCode1()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await EmulatorProgram.RunAsync(["--port", "0", "--seed", "/nonexistent/seed.json"], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(EmulatorProgram.ExitStartFailed, code);
        Assert.Contains("/nonexistent/seed.json", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EmptySeedPath_ArgumentException()
    {
        var error = Assert.Throws<ArgumentException>(() => EmulatorCommandLine.Parse(["--seed", ""]));

        Assert.Contains("--seed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MissingRelativeSeedFile_ErrorNamesThePathResolvedAgainstTheWorkingDirectory()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var relative = Path.Combine("no-such-folder", "seed.json");

        var code = await EmulatorProgram.RunAsync(["--port", "0", "--seed", relative], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(EmulatorProgram.ExitStartFailed, code);
        Assert.Contains($"'{Path.Combine(Directory.GetCurrentDirectory(), relative)}'", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Valid_PrintsEndpointServesSeedAndStopsOnCancel()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var started = new TaskCompletionSource<CloudMapEmulator>(TaskCreationOptions.RunContinuationsAsynchronously);
        var seed = Path.Combine(AppContext.BaseDirectory, "seed.example.json");

        var run = EmulatorProgram.RunAsync(["--port", "0", "--seed", seed], stdout, stderr, stop.Token, started.SetResult);
        var emulator = await started.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        using var client = new AwsJsonClient(emulator.Endpoint);
        var services = await client.OkAsync("ListServices");
        await stop.CancelAsync();
        var code = await run.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(0, code);
        var endpoint = emulator.Endpoint.ToString().TrimEnd('/');
        Assert.StartsWith($"CloudMap emulator listening on {endpoint} (dashboard: {endpoint}/", stdout.ToString(), StringComparison.Ordinal);
        Assert.Equal(4, ((System.Text.Json.Nodes.JsonArray)services["Services"]!).Count);
    }

    [Fact]
    public async Task Run_Help_PrintsUsage()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await EmulatorProgram.RunAsync(["--help"], stdout, stderr, TestContext.Current.CancellationToken);

        Assert.Equal(0, code);
        Assert.Contains("--credentials", stdout.ToString(), StringComparison.Ordinal);
    }
}
