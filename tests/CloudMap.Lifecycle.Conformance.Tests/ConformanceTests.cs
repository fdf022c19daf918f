// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Conformance.Tests;

/// <summary>
/// The awscli + boto3 conformance suite against the standalone emulator, one test per script section. The script
/// prints one line per check; a failing section fails with the script's full output.
/// </summary>
public sealed class ConformanceTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    [Theory]
    [InlineData("session")]
    [InlineData("registration")]
    [InlineData("validation")]
    [InlineData("operations")]
    [InlineData("health")]
    [InlineData("discover")]
    [InlineData("limits")]
    [InlineData("hosts")]
    [InlineData("protocol")]
    public Task Section(string section) =>
        ConformanceScript.RunAsync(fixture.Emulator, section, null, TestContext.Current.CancellationToken);

    /// <summary>SigV4 verification needs an emulator started with credentials: a second process, just for this test.</summary>
    [Fact]
    public async Task Section_sigv4()
    {
        const string Credentials = "AKIDCONFORMANCETEST1:conformance/secret+key";
        await using var emulator = await StandaloneEmulator.StartAsync(["--credentials", Credentials], TestContext.Current.CancellationToken);
        await ConformanceScript.RunAsync(emulator, "sigv4", ["--credentials", Credentials], TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// dig (bind9-dnsutils) against the emulator's DNS server, and Route 53 health checks probed on loopback: an emulator
    /// started with <c>--dns-port 0 --route53-checks</c> (a fast interval, so the section takes seconds).
    /// </summary>
    [Theory]
    [InlineData("dns")]
    [InlineData("route53")]
    public async Task Section_dns(string section)
    {
        await using var emulator = await StandaloneEmulator.StartAsync(
            ["--dns-port", "0", "--route53-checks", "--route53-interval", "500ms"], TestContext.Current.CancellationToken);
        var line = await emulator.Process.WaitForLineAsync(l => l.Contains("DNS on", StringComparison.Ordinal))
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var dns = System.Text.RegularExpressions.Regex.Match(line, @"DNS on (127\.0\.0\.1:\d+) \(UDP and TCP");
        Assert.True(dns.Success, $"The emulator printed no DNS endpoint:\n{emulator.Output}");
        await ConformanceScript.RunAsync(emulator, section, ["--dns-server", dns.Groups[1].Value], TestContext.Current.CancellationToken);
    }
}
