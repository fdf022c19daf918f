// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Sockets;

namespace CloudMap.Lifecycle.Testing.Tests;

public sealed class StartupTests
{
    [Fact]
    public async Task StartAsync_Defaults_BindsLoopbackOnFreePort()
    {
        await using var emulator = await CloudMapEmulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("127.0.0.1", emulator.Endpoint.Host);
        Assert.True(emulator.Endpoint.Port > 0);
        Assert.Equal("us-east-1", emulator.Region);
    }

    [Fact]
    public async Task StartAsync_PortTaken_ClearIOException()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var error = await Assert.ThrowsAsync<IOException>(() => CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { Port = port }, TestContext.Current.CancellationToken));

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("already in use", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_TwoEmulators_AreIndependent()
    {
        await using var a = await CloudMapEmulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await using var b = await CloudMapEmulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

        a.CreateHttpNamespace("only-in-a");

        Assert.NotEqual(a.Endpoint, b.Endpoint);
        using var client = new AwsJsonClient(b.Endpoint);
        Assert.Empty((System.Text.Json.Nodes.JsonArray)(await client.OkAsync("ListNamespaces"))["Namespaces"]!);
    }

    [Fact]
    public async Task DisposeAsync_Twice_IsHarmless()
    {
        var emulator = await CloudMapEmulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

        await emulator.DisposeAsync();
        await emulator.DisposeAsync();

        using var client = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(emulator.Endpoint, TestContext.Current.CancellationToken));
    }
}
