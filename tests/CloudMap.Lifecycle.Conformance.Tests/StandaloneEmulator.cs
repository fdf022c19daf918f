// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace CloudMap.Lifecycle.Conformance.Tests;

/// <summary>The standalone emulator (<c>dotnet CloudMap.Lifecycle.Emulator.dll --port N</c>) as a child process.</summary>
internal sealed partial class StandaloneEmulator : IDisposable
{
    /// <summary>Hang guard for the start-up (the build is done already; start-up takes about a second).</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly ChildProcess _process;

    private StandaloneEmulator(ChildProcess process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public string Output => _process.Output;

    public static async Task<StandaloneEmulator> StartAsync(IEnumerable<string> extraArguments, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var arguments = new List<string> { RepositoryLayout.EmulatorDll, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        arguments.AddRange(extraArguments);
        var process = ChildProcess.Start("dotnet", arguments, RepositoryLayout.Root, env =>
        {
            env["DOTNET_NOLOGO"] = "1";
            env["ASPNETCORE_ENVIRONMENT"] = "Production";
        });
        try
        {
            var line = await process.WaitForLineAsync(l => l.Contains("listening on", StringComparison.OrdinalIgnoreCase))
                .WaitAsync(StartTimeout, cancellationToken);
            var match = UrlPattern().Match(line);
            var endpoint = match.Success ? new Uri(match.Value.TrimEnd('.', ',', ')')) : new Uri($"http://127.0.0.1:{port}");
            return new StandaloneEmulator(process, endpoint);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            var output = process.Output;
            process.Dispose();
            throw new InvalidOperationException(
                $"The emulator did not report 'listening on' ({e.Message}). Command: dotnet {string.Join(' ', arguments)}\n{output}", e);
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    public void Dispose() => _process.Dispose();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"http://[^\s()]+")]
    private static partial Regex UrlPattern();
}
