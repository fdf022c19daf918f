// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.RegularExpressions;

namespace CloudMap.Lifecycle.TestInfrastructure;

/// <summary>
/// The standalone emulator (<c>dotnet CloudMap.Lifecycle.Emulator.dll --port 0 ...</c>) as a child process, run
/// exactly as a user runs it. Ready once it printed its <c>listening on http://127.0.0.1:PORT</c> line, whose URL
/// (the port the emulator really bound) becomes <see cref="Endpoint"/>.
/// </summary>
public sealed partial class StandaloneEmulator : IAsyncDisposable, IDisposable
{
    /// <summary>Hang guard for the start-up (the build is done already; start-up takes about a second).</summary>
    public static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(90);

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private StandaloneEmulator(ChildProcess process, Uri endpoint)
    {
        Process = process;
        Endpoint = endpoint;
    }

    /// <summary>Gets the emulator's endpoint, such as <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>Gets the emulator process.</summary>
    public ChildProcess Process { get; }

    /// <summary>Gets what the emulator printed so far.</summary>
    public string Output => Process.Output;

    /// <summary>Starts the emulator on a free loopback port (<c>--port 0</c>) and waits until it listens.</summary>
    /// <param name="arguments">Further command-line arguments (<c>--seed</c>, <c>--credentials</c>, ...).</param>
    /// <param name="cancellationToken">Cancels the wait for the start.</param>
    /// <param name="environment">Edits the emulator's environment.</param>
    /// <param name="startTimeout">The hang guard of the start; <see cref="DefaultStartTimeout"/> when <see langword="null"/>.</param>
    /// <returns>The listening emulator.</returns>
    /// <exception cref="InvalidOperationException">It exited or did not report listening in time; the message holds its output.</exception>
    public static async Task<StandaloneEmulator> StartAsync(
        IEnumerable<string> arguments,
        CancellationToken cancellationToken,
        Action<IDictionary<string, string?>>? environment = null,
        TimeSpan? startTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        string[] commandLine = ["--port", "0", .. arguments];
        var process = ChildProcess.StartDotnet("emulator", RepositoryLayout.EmulatorDll, commandLine, env =>
        {
            env["ASPNETCORE_ENVIRONMENT"] = "Production";
            environment?.Invoke(env);
        });
        try
        {
            var line = await process.WaitForLineAsync(l => l.Contains("listening on", StringComparison.OrdinalIgnoreCase))
                .WaitAsync(startTimeout ?? DefaultStartTimeout, cancellationToken).ConfigureAwait(false);
            var url = UrlPattern().Match(line);
            if (!url.Success)
            {
                throw new InvalidOperationException($"No URL in the emulator's line '{line}'.");
            }

            return new StandaloneEmulator(process, new Uri(url.Value.TrimEnd('.', ',', ')').TrimEnd('/') + "/"));
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            var output = process.Output;
            await process.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException(
                $"The emulator did not report 'listening on' ({e.Message}). Command: dotnet {RepositoryLayout.EmulatorDll} {string.Join(' ', commandLine)}{Environment.NewLine}{output}", e);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the emulator with SIGTERM (killing it if it does not stop within 5 s).</summary>
    /// <returns>A task that completes when the process is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        await Process.StopAsync(StopTimeout).ConfigureAwait(false);
        await Process.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Kills the emulator (synchronous callers: xunit class fixtures, <c>using</c> blocks).</summary>
    public void Dispose() => Process.Dispose();

    [GeneratedRegex(@"http://[^\s()]+")]
    private static partial Regex UrlPattern();
}
