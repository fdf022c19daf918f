// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>What the Debian tools the scenarios run (haproxy, unbound) share: starting one, stopping it and removing its folder.</summary>
internal static class ToolProcess
{
    /// <summary>Starts <paramref name="fileName"/>; a missing program is an error naming the Debian package.</summary>
    /// <exception cref="InvalidOperationException">The program is not installed.</exception>
    public static ChildProcess Start(string name, string fileName, string package, IEnumerable<string> arguments)
    {
        try
        {
            return ChildProcess.Start(name, fileName, arguments);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{fileName} is not installed (Debian: apt-get install {package}).", e);
        }
    }

    /// <summary>Stops the process (SIGTERM, then kill after 5 s) and deletes its temporary folder.</summary>
    public static async ValueTask StopAsync(ChildProcess process, string directory)
    {
        await process.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await process.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
