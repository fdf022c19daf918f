// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Janitor.Tests;

/// <summary>Bad arguments and configuration: exit code 2, a message naming the option (or setting) and the value.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData(new[] { "--service", "srv-a" }, "Choose --once")]
    [InlineData(new[] { "--once", "--interval", "5m", "--service", "srv-a" }, "--once and --interval exclude each other")]
    [InlineData(new[] { "--once" }, "Name what to sweep")]
    [InlineData(new[] { "--interval", "0s", "--service", "srv-a" }, "Invalid --interval '0s'")]
    [InlineData(new[] { "--interval", "soon", "--service", "srv-a" }, "Invalid --interval 'soon'")]
    [InlineData(new[] { "--once", "--service", "srv-a", "--max-per-sweep", "0" }, "Invalid --max-per-sweep '0'")]
    [InlineData(new[] { "--once", "--service", "srv-a", "--max-per-sweep", "many" }, "Invalid --max-per-sweep 'many'")]
    [InlineData(new[] { "--once", "--service", "srv-a", "--confirm-delay", "2d" }, "Invalid --confirm-delay '2d'")]
    [InlineData(new[] { "--once", "--service", "srv-a", "--endpoint-url", "localhost:4566" }, "Invalid --endpoint-url 'localhost:4566'")]
    [InlineData(new[] { "--once", "--service", "orders" }, "Invalid --service 'orders': a service name needs --namespace")]
    [InlineData(new[] { "--once", "--service" }, "Option '--service' needs a value")]
    [InlineData(new[] { "--once", "--service", "srv-a", "--cleanup" }, "Unknown option '--cleanup'")]
    public async Task Run_BadArguments_ExitCode2_NamesOptionAndValue(string[] args, string expected)
    {
        await using var h = await JanitorHarness.StartAsync();

        var exit = await h.RunAsync(args);

        Assert.Equal(JanitorExitCodes.BadArguments, exit);
        Assert.Contains(expected, h.Stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, h.Emulator.TotalCallCount);
    }

    [Fact]
    public async Task Run_NoRegionAnywhere_ExitCode2_SaysWhereItLooked()
    {
        await using var h = await JanitorHarness.StartAsync();
        h.Environment.Remove("AWS_REGION");

        var exit = await h.RunAsync(["--once", "--service", "srv-a"]);

        Assert.Equal(JanitorExitCodes.BadArguments, exit);
        Assert.Contains("AWS_REGION", h.Stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, h.Emulator.TotalCallCount);
    }

    [Fact]
    public async Task Run_BadEndpointVariable_ExitCode2_NamesTheVariable()
    {
        await using var h = await JanitorHarness.StartAsync();
        h.Environment["AWS_ENDPOINT_URL"] = "not a url";

        var exit = await h.RunAsync(["--once", "--service", "srv-a"]);

        Assert.Equal(JanitorExitCodes.BadArguments, exit);
        Assert.Contains("AWS_ENDPOINT_URL has value 'not a url'", h.Stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--service", "srv-doesnotexist0000", "Invalid --service 'srv-doesnotexist0000': Cloud Map has no such service")]
    [InlineData("--namespace", "nowhere", "Invalid --namespace 'nowhere': Cloud Map has no namespace of that name")]
    public async Task Run_NamedTargetDoesNotExist_ExitCode2(string option, string value, string expected)
    {
        await using var h = await JanitorHarness.StartAsync();

        var exit = await h.RunOnceAsync(option, value);

        Assert.Equal(JanitorExitCodes.BadArguments, exit);
        Assert.Contains(expected, h.Stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ServiceNameInNamespace_MissingName_ExitCode2()
    {
        await using var h = await JanitorHarness.StartAsync();
        h.CreateService("orders");

        var exit = await h.RunOnceAsync("--namespace", "example", "--service", "ordres");

        Assert.Equal(JanitorExitCodes.BadArguments, exit);
        Assert.Contains("Invalid --service 'ordres': no service of that name in namespace 'example'", h.Stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Help_PrintsUsageAndEveryExitCode()
    {
        await using var h = await JanitorHarness.StartAsync();

        var exit = await h.RunAsync(["--help"]);

        Assert.Equal(JanitorExitCodes.Ok, exit);
        var usage = h.Stdout.ToString();
        Assert.StartsWith("Usage: cloudmap-janitor", usage, StringComparison.Ordinal);
        foreach (var option in new[] { "--once", "--interval", "--dry-run", "--max-per-sweep", "--deregister-unhealthy-tasks", "--cluster", "--region", "--profile", "--endpoint-url" })
        {
            Assert.Contains(option, usage, StringComparison.Ordinal);
        }

        Assert.Contains("3 a safety limit held back removals", usage, StringComparison.Ordinal);
    }
}
