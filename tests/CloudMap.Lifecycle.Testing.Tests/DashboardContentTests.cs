// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Tests;

/// <summary>
/// What the dashboard shows for DNS (records, TTLs, the answers a query gives now), proof of life and crash cleanup
/// (the last deregistrations and whether the instance was still routable), the platform (ECS tasks and EC2 instances and
/// the registrations that name them): in the state document it renders, and in the
/// page as a real headless Chromium renders it.
/// </summary>
public sealed class DashboardContentTests
{
    private const string Seed = """
        {"namespaces":[{"name":"shop.local","type":"DNS_PRIVATE","services":[
          {"name":"web","id":"srv-web0000000000000","healthCheck":"custom",
           "dnsConfig":{"RoutingPolicy":"MULTIVALUE","DnsRecords":[{"Type":"A","TTL":12},{"Type":"SRV","TTL":34}]},
           "instances":[
             {"id":"web-live","attributes":{"AWS_INSTANCE_IPV4":"127.0.0.21","AWS_INSTANCE_PORT":"8021","CLOUDMAP_LIFECYCLE_PROOF":"v1 http AAAA"}},
             {"id":"web-sick","attributes":{"AWS_INSTANCE_IPV4":"127.0.0.22","AWS_INSTANCE_PORT":"8022","AWS_INIT_HEALTH_STATUS":"UNHEALTHY"}},
             {"id":"web-dead","attributes":{"AWS_INSTANCE_IPV4":"127.0.0.23","AWS_INSTANCE_PORT":"8023","CLOUDMAP_LIFECYCLE_PROOF":"v1 http BBBB"}}]},
          {"name":"down","id":"srv-down000000000000","healthCheck":"custom",
           "dnsConfig":{"RoutingPolicy":"WEIGHTED","DnsRecords":[{"Type":"A","TTL":5}]},
           "instances":[{"id":"down-1","attributes":{"AWS_INSTANCE_IPV4":"127.0.0.31","AWS_INIT_HEALTH_STATUS":"UNHEALTHY"}}]}]}]}
        """;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task State_DnsRecords_SayWhichRecordsAQueryAnswersNow_IncludingFailOpen()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { SeedJson = Seed }, Token);

        var state = await StateAsync(emulator);

        var web = Service(state, "web");
        Assert.Equal(
            [
                "web.shop.local A 12 127.0.0.21 routable in-answer",
                "web.shop.local A 12 127.0.0.22 unroutable left-out",
                "web.shop.local A 12 127.0.0.23 routable in-answer",
                "web.shop.local SRV 34 1 1 8021 web-live.web.shop.local routable in-answer",
                "web.shop.local SRV 34 1 1 8022 web-sick.web.shop.local unroutable left-out",
                "web.shop.local SRV 34 1 1 8023 web-dead.web.shop.local routable in-answer",
            ],
            Records(web).Where(r => r.StartsWith("web.shop.local ", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal(["down.shop.local A 5 127.0.0.31 unroutable in-answer"], Records(Service(state, "down")));
    }

    [Fact]
    public async Task State_Instances_CarryTheProofOfLifeBadge_OnlyWhenAdvertised()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { SeedJson = Seed }, Token);

        var state = await StateAsync(emulator);

        Assert.Equal(
            ["web-dead=True", "web-live=True", "web-sick=False"],
            Service(state, "web")["instances"]!.AsArray().Select(i => $"{i!["id"]}={i["proofOfLife"]!.GetValue<bool>()}"));
    }

    [Fact]
    public async Task State_Deregistrations_NewestFirst_WithTheHealthTheInstanceStillHad()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { SeedJson = Seed, CompleteOperationsImmediately = true }, Token);
        using var client = new AwsJsonClient(emulator.Endpoint);

        await client.OkAsync("DeregisterInstance", new JsonObject { ["ServiceId"] = "srv-web0000000000000", ["InstanceId"] = "web-sick" });
        await client.OkAsync("DeregisterInstance", new JsonObject { ["ServiceId"] = "srv-web0000000000000", ["InstanceId"] = "web-dead" });
        var state = await StateAsync(emulator);

        Assert.Equal(
            [
                "web-dead web 127.0.0.23:8023 HEALTHY routable=True proof=True",
                "web-sick web 127.0.0.22:8022 UNHEALTHY routable=False proof=False",
            ],
            state["deregistrations"]!.AsArray().Select(d =>
                $"{d!["instanceId"]} {d["serviceName"]} {d["address"]}:{d["port"]} {d["health"]} routable={d["routable"]!.GetValue<bool>()} proof={d["proofOfLife"]!.GetValue<bool>()}"));
    }

    [Fact]
    public async Task State_Deregistrations_KeepTheLast20_AndCountTheCodeApisRemovalsToo()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { SeedJson = Seed }, Token);
        for (var i = 0; i < 25; i++)
        {
            emulator.RegisterInstance("srv-web0000000000000", $"churn-{i:00}", new Dictionary<string, string> { ["AWS_INSTANCE_IPV4"] = "127.0.1.1", ["AWS_INSTANCE_PORT"] = "80" });
            Assert.True(emulator.DeregisterInstance("srv-web0000000000000", $"churn-{i:00}"));
        }

        var removed = (await StateAsync(emulator))["deregistrations"]!.AsArray().Select(d => d!["instanceId"]!.GetValue<string>()).ToList();

        Assert.Equal(20, removed.Count);
        Assert.Equal("churn-24", removed[0]);
        Assert.Equal("churn-05", removed[^1]);
    }

    [Fact]
    public async Task Dashboard_InHeadlessChromium_RendersDnsAnswersProofBadgeAndDeregistrations()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { SeedJson = Seed, CompleteOperationsImmediately = true }, Token);
        using var client = new AwsJsonClient(emulator.Endpoint);
        await client.OkAsync("DeregisterInstance", new JsonObject { ["ServiceId"] = "srv-web0000000000000", ["InstanceId"] = "web-dead" });

        var dom = await RenderAsync(emulator.DashboardUrl);

        // Only the page's script puts these in the DOM: the served HTML has none of the seeded values.
        Assert.Contains("<td><code>127.0.0.22</code></td><td><span class=\"UNHEALTHY\">no</span></td><td class=\"in-answer\">no</td>", dom, StringComparison.Ordinal);
        Assert.Contains("<td><code>127.0.0.21</code></td><td>yes</td><td class=\"in-answer\">yes</td>", dom, StringComparison.Ordinal);
        Assert.Contains("<td class=\"in-answer\">yes (fail-open: none routable)</td>", dom, StringComparison.Ordinal);
        Assert.Contains("<td>SRV</td><td>34</td><td><code>1 1 8021 web-live.web.shop.local</code>", dom, StringComparison.Ordinal);
        Assert.Contains("DNS records (WEIGHTED: a query now answers one of", dom, StringComparison.Ordinal);
        Assert.Contains("<tr class=\"instance\" data-instance-id=\"web-live\"><td><code>web-live</code> <span class=\"badge proof\"", dom, StringComparison.Ordinal);
        Assert.Contains("<tr class=\"instance\" data-instance-id=\"web-sick\"><td><code>web-sick</code></td>", dom, StringComparison.Ordinal);
        Assert.Contains("<tr class=\"deregistration\" data-instance-id=\"web-dead\">", dom, StringComparison.Ordinal);
        Assert.Contains("<td class=\"HEALTHY\">HEALTHY (still routable)</td>", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("web-live", Internal.DashboardPage.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_InHeadlessChromium_RendersTasksAndInstancesWithTheirRegistrations()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { SeedJson = Seed }, Token);
        var task = emulator.StartTask("prod", "orders", "10.0.6.1", "us-east-1b");
        var stopped = emulator.StartTask("prod", "orders", "10.0.6.2");
        emulator.StopTask(stopped.TaskId, "EssentialContainerExited", TimeSpan.Zero);
        var moved = emulator.LaunchInstance("10.0.6.3");
        var holder = emulator.LaunchInstance("10.0.6.4");
        emulator.RegisterInstance("srv-web0000000000000", task.TaskId, new Dictionary<string, string> { ["AWS_INSTANCE_IPV4"] = "10.0.6.1", ["AWS_INSTANCE_PORT"] = "8080", ["ECS_TASK_ARN"] = task.TaskArn });
        emulator.RegisterInstance("srv-web0000000000000", "by-script", new Dictionary<string, string> { ["AWS_INSTANCE_IPV4"] = "10.0.6.3", ["AWS_INSTANCE_PORT"] = "8080", ["EC2_INSTANCE_ID"] = moved.InstanceId });
        emulator.MovePrivateIp("10.0.6.3", holder.InstanceId);

        var dom = await RenderAsync(emulator.DashboardUrl);

        Assert.Contains($"<tr class=\"task\" data-task-id=\"{task.TaskId}\"><td>prod <span class=\"meta\">service orders</span></td><td><code>{task.TaskId}</code></td><td class=\"RUNNING\">RUNNING</td><td>RUNNING</td><td class=\"HEALTHY\">HEALTHY</td><td>10.0.6.1</td><td>us-east-1b</td><td><span class=\"registration\">web / <code>{task.TaskId}</code></span></td></tr>", dom, StringComparison.Ordinal);
        Assert.Contains($"<td class=\"STOPPED\">STOPPED <span class=\"meta\">(EssentialContainerExited)</span></td><td>STOPPED</td>", dom, StringComparison.Ordinal);
        Assert.Contains($"<tr class=\"ec2-instance\" data-ec2-instance-id=\"{moved.InstanceId}\"><td><code>{moved.InstanceId}</code></td><td class=\"running\">running</td>", dom, StringComparison.Ordinal);
        Assert.Contains("<span class=\"registration\">web / <code>by-script</code> <span class=\"UNHEALTHY\">registered at 10.0.6.3, which it no longer holds</span></span>", dom, StringComparison.Ordinal);
        Assert.Contains($"<tr class=\"ec2-instance\" data-ec2-instance-id=\"{holder.InstanceId}\"><td><code>{holder.InstanceId}</code></td><td class=\"running\">running</td><td>10.0.6.3</td><td>us-east-1a</td><td><span class=\"empty\">none</span></td></tr>", dom, StringComparison.Ordinal);
    }

    private static async Task<JsonNode> StateAsync(CloudMapEmulator emulator)
    {
        using var http = new HttpClient();
        return JsonNode.Parse(await http.GetStringAsync(new Uri(emulator.Endpoint, "/_emulator/state"), Token))!;
    }

    private static JsonNode Service(JsonNode state, string name) =>
        state["namespaces"]!.AsArray().SelectMany(n => n!["services"]!.AsArray()).Single(s => s!["name"]!.GetValue<string>() == name)!;

    private static IEnumerable<string> Records(JsonNode service) =>
        service["dnsRecords"]!.AsArray().Select(r =>
            $"{r!["name"]} {r["type"]} {r["ttl"]} {r["value"]} {(r["routable"]!.GetValue<bool>() ? "routable" : "unroutable")} {(r["inAnswer"]!.GetValue<bool>() ? "in-answer" : "left-out")}");

    private static async Task<string> RenderAsync(Uri url)
    {
        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("Chromium is required for this test: apt-get install -y chromium (see .ci/install-prerequisites.sh).");
        var profile = Directory.CreateTempSubdirectory("cloudmap-chromium-");
        try
        {
            var start = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", $"--user-data-dir={profile.FullName}",
                "--virtual-time-budget=3000", "--dump-dom", url.ToString(),
            })
            {
                start.ArgumentList.Add(arg);
            }

            using var browser = Process.Start(start)!;
            var stderr = browser.StandardError.ReadToEndAsync(Token);
            var dom = await browser.StandardOutput.ReadToEndAsync(Token).WaitAsync(TimeSpan.FromSeconds(90), Token);
            await browser.WaitForExitAsync(Token).WaitAsync(TimeSpan.FromSeconds(30), Token);
            Assert.True(dom.Contains("data-instance-id=", StringComparison.Ordinal), $"The page rendered no instance. stderr: {await stderr}\nDOM: {dom}");
            return dom;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
