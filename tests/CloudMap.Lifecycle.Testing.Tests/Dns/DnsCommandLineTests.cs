// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.RegularExpressions;
using CloudMap.Lifecycle.Emulator;
using DnsClient;

namespace CloudMap.Lifecycle.Testing.Tests.Dns;

/// <summary>The standalone emulator's DNS and Route 53 flags.</summary>
public sealed partial class DnsCommandLineTests
{
    [Fact]
    public void Parse_DnsAndRoute53Flags_SetTheOptions()
    {
        var command = EmulatorCommandLine.Parse(["--dns-port", "0", "--route53-checks", "--route53-interval", "500ms"]);

        Assert.Equal(0, command.Options.DnsPort);
        Assert.True(command.Options.ProbeRoute53HealthChecks);
        Assert.Equal(TimeSpan.FromMilliseconds(500), command.Options.Route53CheckInterval);
    }

    [Fact]
    public void Parse_Defaults_NoDnsNoProbes()
    {
        var command = EmulatorCommandLine.Parse([]);

        Assert.Null(command.Options.DnsPort);
        Assert.False(command.Options.ProbeRoute53HealthChecks);
        Assert.Equal(TimeSpan.FromSeconds(30), command.Options.Route53CheckInterval);
    }

    [Theory]
    [InlineData("--dns-port", "65536", "Invalid --dns-port '65536': expected 0-65535.")]
    [InlineData("--dns-port", "x", "Invalid --dns-port 'x': expected 0-65535.")]
    [InlineData("--route53-interval", "0s", "Invalid --route53-interval '0s'")]
    public void Parse_BadValue_NamesTheFlagAndValue(string flag, string value, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => EmulatorCommandLine.Parse([flag, value]));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithDnsPort0_PrintsTheDnsEndpoint_ThatAnswers()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        CloudMapEmulator? started = null;
        var seed = Path.Combine(Path.GetTempPath(), $"dns-seed-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(seed, """
            {"namespaces":[{"name":"shop.local","type":"DNS_PRIVATE","services":[{"name":"web",
              "dnsConfig":{"RoutingPolicy":"MULTIVALUE","DnsRecords":[{"Type":"A","TTL":5}]},
              "instances":[{"id":"w-1","attributes":{"AWS_INSTANCE_IPV4":"127.0.0.9"}}]}]}]}
            """, TestContext.Current.CancellationToken);
        try
        {
            var run = EmulatorProgram.RunAsync(["--port", "0", "--dns-port", "0", "--seed", seed], stdout, stderr, stop.Token, e => started = e);
            await WaitAsync(() => started is not null);
            var line = stdout.ToString().Split('\n').Single(l => l.Contains("DNS on", StringComparison.Ordinal));
            var port = int.Parse(DnsLine().Match(line).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            var lookup = new LookupClient(new LookupClientOptions(new NameServer(System.Net.IPAddress.Loopback, port)) { UseCache = false, Retries = 0 });

            var result = await lookup.QueryAsync("web.shop.local", QueryType.A, cancellationToken: TestContext.Current.CancellationToken);
            await stop.CancelAsync();

            Assert.Equal(EmulatorProgram.ExitOk, await run);
            Assert.Equal(started!.DnsEndpoint!.Port, port);
            Assert.Equal(("127.0.0.9", 5), result.Answers.ARecords().Select(r => (r.Address.ToString(), r.InitialTimeToLive)).Single());
        }
        finally
        {
            File.Delete(seed);
        }
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        for (var i = 0; i < 3000 && !condition(); i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System, TestContext.Current.CancellationToken);
        }

        Assert.True(condition());
    }

    [GeneratedRegex(@"DNS on 127\.0\.0\.1:(\d+) \(UDP and TCP\)")]
    private static partial Regex DnsLine();
}
