// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Scenarios;
using CloudMap.Lifecycle.Scenarios.Infrastructure;
using CloudMap.Lifecycle.Scenarios.Reporting;
using CloudMap.Lifecycle.Scenarios.Scenarios;
using CloudMap.Lifecycle.TestInfrastructure;

namespace CloudMap.Lifecycle.Scenarios.Tests;

/// <summary>
/// The CI smoke of scenario 9 (library mode): three sample processes behind Debian's haproxy, resolved over the
/// emulator's SRV records through Debian's unbound (a caching resolver that keeps each answer for its TTL), replaced one
/// by one under load. Fails if a request through HAProxy failed, if HAProxy kept sending to a deregistered instance for
/// longer than its drain delay, if the library warned about the drain (1131), or if haproxy or unbound is missing (CI
/// installs them: .ci/install-prerequisites.sh).
/// </summary>
public sealed class HaproxySmokeTests
{
    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task Smoke_Haproxy_RollingRestart_DropsNoRequestThroughHaproxy()
    {
        var output = new StringWriter();
        var options = new RunOptions
        {
            Smoke = true,
            Scenarios = [9],
            OutputDirectory = Path.Combine(Path.GetTempPath(), "cloudmap-scenarios-haproxy-smoke-test"),
            Log = output,
        };

        var report = await ScenarioRunner.RunAsync(options, TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(output.ToString());

        var scenario = Assert.Single(report.Scenarios);
        Assert.Equal(9, scenario.Number);
        Assert.False(scenario.Failures.ContainsKey(RegistrationMode.Library), $"scenario 9 failed in library mode: {scenario.Failures.GetValueOrDefault(RegistrationMode.Library)}\n{output}");

        // The figures must be real ones: traffic went through HAProxy and every instance was replaced and measured.
        var size = HaproxyScenario.SizeFor(smoke: true);
        Assert.Equal([HaproxyCase.Cached], HaproxyScenario.CasesFor(smoke: true));
        var sent = scenario.Find("dns-cached-requests-sent")!.Samples(RegistrationMode.Library);
        Assert.True(sent is [> 0], $"requests sent through HAProxy: {string.Join(", ", sent)}");
        var failed = scenario.Find("dns-cached-failed-requests")!.Samples(RegistrationMode.Library);
        Assert.True(failed is [0d], $"failed requests through HAProxy: {string.Join(", ", failed)} of {string.Join(", ", sent)}\n{output}");
        var kept = scenario.Find("dns-cached-kept-sending-ms")!;
        var lags = kept.Samples(RegistrationMode.Library);
        Assert.True(lags.Count == size.Replacements, $"HAProxy lag measured for {lags.Count} of {size.Replacements} replaced instances: {string.Join("; ", kept.Notes(RegistrationMode.Library))}");
        Assert.All(lags, ms => Assert.True(ms < size.DrainDelay.TotalMilliseconds, $"HAProxy kept sending {ms:F0} ms after deregistration, beyond the drain delay of {size.DrainDelay.TotalMilliseconds} ms"));
        Assert.Equal([0d], scenario.Find("dns-cached-zombies")!.Samples(RegistrationMode.Library));
        Assert.Equal([0d], scenario.Find("dns-cached-ttl-warnings")!.Samples(RegistrationMode.Library));
    }

    [Theory]
    [InlineData("None", "init-addr none\n", false)]
    [InlineData("Tcp", "init-addr none check inter 1s\n", false)]
    [InlineData("HttpReady", "init-addr none check inter 1s fall 2 rise 1\n", true)]
    public void BuildConfiguration_Checks_WriteTheServerTemplateTheScenarioReports(string checks, string serverLineEnd, bool httpCheck)
    {
        var timings = HaproxyScenario.SizeFor(smoke: false).Timings;

        var text = HaproxyProcess.BuildConfiguration(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 5354), "_web._tcp.scenarios.local", 8, 8080, timings, checks: Enum.Parse<HaproxyChecks>(checks)).ReplaceLineEndings("\n");

        Assert.Contains("server-template instance 8 _web._tcp.scenarios.local resolvers emulator resolve-prefer ipv4 " + serverLineEnd, text, StringComparison.Ordinal);
        Assert.Equal(httpCheck, text.Contains("option httpchk GET /health/ready", StringComparison.Ordinal));
        Assert.Contains("    timeout resolve 1000ms\n", text, StringComparison.Ordinal);
        Assert.Contains("    hold obsolete 2000ms\n", text, StringComparison.Ordinal);
        Assert.Contains("    hold timeout 30s\n", text, StringComparison.Ordinal);
        Assert.Contains("    retries 0\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void SmokeSize_DrainDelayCoversTheStalenessBudget()
    {
        foreach (var smoke in new[] { true, false })
        {
            var size = HaproxyScenario.SizeFor(smoke);

            Assert.Equal(size.RecordTtl + size.Timings.Resolve + size.Timings.HoldObsolete + HaproxyScenario.DrainMargin, size.DrainDelay);
            Assert.True(size.DrainDelay > size.RecordTtl, "the library's drain delay must exceed the record TTL");
            Assert.Equal(3, size.Instances);
            Assert.Equal(3, size.Replacements);
            Assert.Equal(size.DrainDelay, HaproxyCase.Cached.DrainDelay(size));
            Assert.True(HaproxyCase.CachedShortDrain.DrainDelay(size) < size.RecordTtl, "the short-drain case must be shorter than the TTL (the library warns, 1131)");
            Assert.True(HaproxyCase.CachedShortDrain.DrainDelay(size) > TimeSpan.Zero, "a zero drain turns the library's TTL check off");
        }

        Assert.Equal([HaproxyCase.Direct, HaproxyCase.Cached, HaproxyCase.CachedShortDrain], HaproxyScenario.CasesFor(smoke: false));
        Assert.Contains("dns-cached-failed-requests", ScenarioRunner.GateMetricKeys);
        Assert.DoesNotContain("dns-short-failed-requests", ScenarioRunner.GateMetricKeys);
    }

    [Fact]
    public void UnboundConfiguration_ForwardsTheZone_AndCachesForTheRecordTtlOnly()
    {
        var text = UnboundProcess.BuildConfiguration("scenarios.local", new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 5354), 5399, "/tmp/x").ReplaceLineEndings("\n");

        Assert.Contains("    interface: 127.0.0.1@5399\n", text, StringComparison.Ordinal);
        Assert.Contains("forward-zone:\n    name: \"scenarios.local.\"\n    forward-addr: 127.0.0.1@5354\n", text, StringComparison.Ordinal);
        Assert.Contains("    domain-insecure: \"scenarios.local.\"\n", text, StringComparison.Ordinal);
        Assert.Contains("    cache-min-ttl: 0\n", text, StringComparison.Ordinal);
        Assert.Contains("    prefetch: no\n", text, StringComparison.Ordinal);
        Assert.Contains("    serve-expired: no\n", text, StringComparison.Ordinal);
        Assert.Contains("    module-config: \"iterator\"\n", text, StringComparison.Ordinal);
    }
}
