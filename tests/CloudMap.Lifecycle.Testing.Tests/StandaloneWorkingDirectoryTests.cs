// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Tests;

/// <summary>
/// Relative paths given to the standalone emulator are the caller's: they resolve against the working directory of
/// the process that runs it, whether it is started directly (as the installed tool is) or through <c>dotnet run</c>
/// from the repository root (the README's command).
/// </summary>
public sealed class StandaloneWorkingDirectoryTests
{
    // Hang guard only: the emulator prints its line within a second or two of starting.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Run_RelativeSeedPath_ReadFromTheProcessWorkingDirectory()
    {
        // The working directory holds seeds/seed.json; the emulator's own folder holds no such file, so reading it from
        // anywhere but the working directory fails the start.
        var workingDirectory = Directory.CreateTempSubdirectory("cloudmap-emulator-cwd-");
        try
        {
            Directory.CreateDirectory(Path.Combine(workingDirectory.FullName, "seeds"));
            await File.WriteAllTextAsync(
                Path.Combine(workingDirectory.FullName, "seeds", "seed.json"),
                """{ "namespaces": [ { "name": "from-the-working-directory", "type": "HTTP", "services": [ { "name": "only" } ] } ] }""",
                TestContext.Current.CancellationToken);
            var dll = Path.Combine(AppContext.BaseDirectory, "CloudMap.Lifecycle.Emulator.dll");

            await using var emulator = await EmulatorProcess.StartAsync(
                workingDirectory.FullName, [dll, "--port", "0", "--seed", Path.Combine("seeds", "seed.json")]);
            using var client = new AwsJsonClient(emulator.Endpoint);
            var namespaces = await client.OkAsync("ListNamespaces");

            var names = ((JsonArray)namespaces["Namespaces"]!).Select(n => (string?)n!["Name"]).ToList();
            Assert.Equal(["from-the-working-directory"], names);
        }
        finally
        {
            workingDirectory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task DotnetRun_FromRepositoryRoot_ReadsTheReadmeSeedPathFromThere()
    {
        // The README's command, from the repository root, without building again (the test run built the emulator in
        // this configuration) and on a free port instead of 4566.
        var root = FindRepositoryRoot();
        var configuration = typeof(StandaloneWorkingDirectoryTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

        await using var emulator = await EmulatorProcess.StartAsync(root, [
            "run", "--no-build", "-c", configuration, "--project", "src/CloudMap.Lifecycle.Emulator",
            "--", "--port", "0", "--seed", "src/CloudMap.Lifecycle.Emulator/seed.example.json",
        ]);
        using var client = new AwsJsonClient(emulator.Endpoint);
        var services = await client.OkAsync("ListServices");

        Assert.Equal(4, ((JsonArray)services["Services"]!).Count);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CloudMap.Lifecycle.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No CloudMap.Lifecycle.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary><c>dotnet &lt;arguments&gt;</c> in a working directory, ready once it printed its "listening on" line.</summary>
    private sealed class EmulatorProcess : IAsyncDisposable
    {
        private readonly Process _process;

        private EmulatorProcess(Process process, Uri endpoint)
        {
            _process = process;
            Endpoint = endpoint;
        }

        public Uri Endpoint { get; }

        public static async Task<EmulatorProcess> StartAsync(string workingDirectory, IEnumerable<string> arguments)
        {
            var info = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            info.Environment["DOTNET_NOLOGO"] = "1";
            var output = new StringBuilder();
            var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            var process = new Process { StartInfo = info, EnableRaisingEvents = true };
            void OnLine(string? line)
            {
                if (line is null)
                {
                    return;
                }

                lock (output)
                {
                    output.AppendLine(line);
                }

                const string Marker = "listening on ";
                var at = line.IndexOf(Marker, StringComparison.Ordinal);
                if (at >= 0)
                {
                    listening.TrySetResult(new Uri(line[(at + Marker.Length)..].Split(' ')[0].TrimEnd('/') + "/"));
                }
            }

            process.OutputDataReceived += (_, e) => OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => OnLine(e.Data);
            process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("The emulator exited before listening."));
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                var endpoint = await listening.Task.WaitAsync(StartTimeout, TestContext.Current.CancellationToken);
                return new EmulatorProcess(process, endpoint);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                Stop(process);
                process.Dispose();
                string text;
                lock (output)
                {
                    text = output.ToString();
                }

                throw new InvalidOperationException($"dotnet {string.Join(' ', info.ArgumentList)} (in {workingDirectory}): {e.Message}{Environment.NewLine}{text}", e);
            }
        }

        public async ValueTask DisposeAsync()
        {
            Stop(_process);
            await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
            _process.Dispose();
        }

        private static void Stop(Process process)
        {
            try
            {
                // `dotnet run` starts the emulator as its child: the whole tree goes.
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }
        }
    }
}
