// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using CloudMap.Lifecycle.Scenarios.Infrastructure;
using CloudMap.Lifecycle.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace CloudMap.Lifecycle.Scenarios.Tests;

/// <summary>HAProxy's resolvers over the emulator's SRV records: the building block of the HAProxy scenario.</summary>
public sealed class HaproxyProcessTests
{
    [Fact]
    public void BuildConfiguration_PointsTheResolversAtTheEmulator_WithAServerTemplateOverTheSrvName()
    {
        var text = HaproxyProcess.BuildConfiguration(new IPEndPoint(IPAddress.Loopback, 5354), "_web._tcp.shop.local", 3, 8080, HaproxyDnsTimings.Fast);

        Assert.Contains("nameserver dns1 127.0.0.1:5354", text, StringComparison.Ordinal);
        Assert.Contains("accepted_payload_size 4096", text, StringComparison.Ordinal);
        Assert.Contains("server-template instance 3 _web._tcp.shop.local resolvers emulator", text, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => HaproxyProcess.BuildConfiguration(new IPEndPoint(IPAddress.Loopback, 53), "web.shop.local", 3, 8080, HaproxyDnsTimings.Fast));
    }

    [Fact]
    public async Task Haproxy_BalancesOverTheSrvRecords_AndDropsADeregisteredInstance()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { DnsPort = 0 }, ct);
        var serviceId = emulator.CreateService(emulator.CreateDnsNamespace("shop.local"), "_web._tcp");
        await using var one = await BackendAsync("one", ct);
        await using var two = await BackendAsync("two", ct);
        foreach (var (id, backend) in new[] { ("one", one), ("two", two) })
        {
            emulator.RegisterInstance(serviceId, id, new Dictionary<string, string>
            {
                ["AWS_INSTANCE_IPV4"] = "127.0.0.1",
                ["AWS_INSTANCE_PORT"] = new Uri(backend.Urls.First()).Port.ToString(CultureInfo.InvariantCulture),
            });
        }

        await using var haproxy = await HaproxyProcess.StartAsync(emulator.DnsEndpoint!, "_web._tcp.shop.local", 3, HaproxyDnsTimings.Fast, ct);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await emulator.WaitUntilAsync(() => Collect(http, haproxy.Url, seen, ct) && seen.Count == 2, TimeSpan.FromSeconds(30), ct);

        emulator.DeregisterInstance(serviceId, "two");
        var afterwards = new HashSet<string>(StringComparer.Ordinal);
        await emulator.WaitUntilAsync(
            () =>
            {
                afterwards.Clear();
                for (var i = 0; i < 6; i++)
                {
                    Collect(http, haproxy.Url, afterwards, ct);
                }

                return afterwards.SetEquals(["one"]);
            },
            TimeSpan.FromSeconds(30),
            ct);

        Assert.Equal(["one", "two"], seen.Order(StringComparer.Ordinal));
        Assert.Equal(["one"], afterwards);
    }

    private static bool Collect(HttpClient http, Uri url, HashSet<string> seen, CancellationToken ct)
    {
        try
        {
            using var response = http.GetAsync(url, ct).GetAwaiter().GetResult();
            if (response.IsSuccessStatusCode)
            {
                seen.Add(response.Content.ReadAsStringAsync(ct).GetAwaiter().GetResult());
            }
        }
        catch (HttpRequestException)
        {
            // HAProxy has no server yet.
        }

        return true;
    }

    private static async Task<WebApplication> BackendAsync(string name, CancellationToken ct)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(context => context.Response.WriteAsync(name, ct));
        await app.StartAsync(ct);
        return app;
    }
}
