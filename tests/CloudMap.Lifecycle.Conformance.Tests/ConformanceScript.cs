// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Conformance.Tests;

/// <summary>Runs one section of <c>conformance.py</c> (or another script of the suite) and fails the test with its full output unless it exits 0.</summary>
internal static class ConformanceScript
{
    /// <summary>Hang guard: a section takes seconds (the 1000-instance one the longest).</summary>
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(4);

    public static async Task RunAsync(StandaloneEmulator emulator, string section, IEnumerable<string>? extraArguments, CancellationToken cancellationToken, string? script = null)
    {
        var arguments = new List<string> { script ?? RepositoryLayout.ConformanceScript, "--endpoint", emulator.Endpoint.ToString().TrimEnd('/'), "--section", section };
        arguments.AddRange(extraArguments ?? []);
        using var process = ChildProcess.Start("conformance.py", "python3", arguments, RepositoryLayout.Root, env =>
        {
            env["PYTHONUNBUFFERED"] = "1";
            env["PYTHONDONTWRITEBYTECODE"] = "1";
        });
        int exitCode;
        try
        {
            exitCode = await process.Exited.WaitAsync(RunTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{Path.GetFileName(script ?? RepositoryLayout.ConformanceScript)} --section {section} did not finish within {RunTimeout}.\n{process.Output}\n--- emulator output ---\n{Tail(emulator.Output)}");
            return;
        }

        if (exitCode != 0)
        {
            Assert.Fail($"{Path.GetFileName(script ?? RepositoryLayout.ConformanceScript)} --section {section} exited with {exitCode}.\n{process.Output}\n--- emulator output ---\n{Tail(emulator.Output)}");
        }

        TestContext.Current.TestOutputHelper?.WriteLine(process.Output);
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : "..." + text[^4000..];
}
