// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;

namespace CloudMap.Lifecycle.Testing.Tests;

/// <summary>Loads the dashboard in a real headless Chromium and checks what its JavaScript rendered.</summary>
public sealed class DashboardBrowserTests
{
    private static string Chromium() =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("Chromium is required for this test: apt-get install -y chromium (see .ci/install-prerequisites.sh).");

    [Fact]
    public async Task Dashboard_InHeadlessChromium_RendersSeededInstanceWithHealth()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions
        {
            SeedJson = """
                {"namespaces":[{"name":"shop","services":[{"name":"cart","healthCheck":"custom","instances":[
                  {"id":"cart-seeded-7","attributes":{"AWS_INSTANCE_IPV4":"10.9.8.7","AWS_INSTANCE_PORT":"8081","AWS_INIT_HEALTH_STATUS":"UNHEALTHY"}}]}]}]}
                """,
        }, TestContext.Current.CancellationToken);
        var profile = Directory.CreateTempSubdirectory("cloudmap-chromium-");
        try
        {
            var start = new ProcessStartInfo(Chromium())
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", $"--user-data-dir={profile.FullName}",
                "--virtual-time-budget=3000", "--dump-dom", emulator.DashboardUrl.ToString(),
            })
            {
                start.ArgumentList.Add(arg);
            }

            using var browser = Process.Start(start)!;
            var stderr = browser.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            var dom = await browser.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);
            await browser.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

            // Only the page's script puts instance rows in the DOM: the served HTML has none.
            Assert.True(dom.Contains("data-instance-id=\"cart-seeded-7\"", StringComparison.Ordinal), $"Rendered DOM lacks the instance row. stderr: {await stderr}\nDOM: {dom}");
            Assert.Contains("10.9.8.7:8081", dom, StringComparison.Ordinal);
            Assert.Contains("<td class=\"UNHEALTHY\">UNHEALTHY</td>", dom, StringComparison.Ordinal);
            Assert.DoesNotContain("cart-seeded-7", Internal.DashboardPage.Html, StringComparison.Ordinal);
            Assert.True(emulator.TotalCallCount == 0, "the dashboard must use the admin API, not AWS operations");
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
