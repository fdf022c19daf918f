// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>
/// What the Debian tools the scenarios run (haproxy, unbound) share: a child process with its configuration in a
/// temporary folder; starting one, its output, stopping it and removing the folder.
/// </summary>
internal abstract class ToolProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _directory;

    protected ToolProcess(ChildProcess process, string directory, string configuration)
    {
        _process = process;
        _directory = directory;
        Configuration = configuration;
    }

    /// <summary>Gets the configuration it runs with.</summary>
    public string Configuration { get; }

    /// <summary>Gets what the tool printed (its log goes to stderr).</summary>
    public string Output => _process.Output;

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
    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await _process.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
