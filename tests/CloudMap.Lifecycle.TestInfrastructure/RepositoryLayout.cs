// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Reflection;

namespace CloudMap.Lifecycle.TestInfrastructure;

/// <summary>
/// Finds the repository root (the folder holding the .sln) and the build output of the projects run as child
/// processes, for the configuration this assembly was built with (a Release test run starts Release children).
/// </summary>
public static class RepositoryLayout
{
    private const string SolutionFile = "CloudMap.Lifecycle.sln";

    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>Gets the repository root.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>Gets the build configuration (<c>Debug</c> or <c>Release</c>) of this assembly, and so of the whole test run.</summary>
    public static string Configuration { get; } =
        typeof(RepositoryLayout).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    /// <summary>Gets the target framework folder name of the build output (<c>net10.0</c>).</summary>
    public static string TargetFramework { get; } = Metadata("TargetFramework");

    /// <summary>Gets the standalone emulator's built entry assembly.</summary>
    public static string EmulatorDll => BuildOutput(Path.Combine("src", "CloudMap.Lifecycle.Emulator"), "CloudMap.Lifecycle.Emulator.dll");

    /// <summary>Gets the sample app's built entry assembly.</summary>
    public static string SampleDll => BuildOutput(Path.Combine("samples", "CloudMap.Lifecycle.Sample"), "CloudMap.Lifecycle.Sample.dll");

    /// <summary>Gets the conformance script (awscli + boto3).</summary>
    public static string ConformanceScript => Path.Combine(Root, "tests", "CloudMap.Lifecycle.Conformance", "conformance.py");

    /// <summary>Returns <c>&lt;root&gt;/&lt;projectFolder&gt;/bin/&lt;configuration&gt;/&lt;tfm&gt;/&lt;fileName&gt;</c>.</summary>
    /// <param name="projectFolder">The project folder relative to the root.</param>
    /// <param name="fileName">The file in the build output.</param>
    /// <returns>The full path (the file may not exist yet).</returns>
    public static string BuildOutput(string projectFolder, string fileName) =>
        Path.GetFullPath(Path.Combine(Root, projectFolder, "bin", Configuration, TargetFramework, fileName));

    private static string Metadata(string key) =>
        typeof(RepositoryLayout).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is empty.");

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException($"No {SolutionFile} above {AppContext.BaseDirectory} or {Directory.GetCurrentDirectory()}.");
    }
}
