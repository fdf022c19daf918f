// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Reflection;

namespace CloudMap.Lifecycle.Conformance.Tests;

/// <summary>Finds the repository root (the folder holding the .sln), the built emulator and the conformance script.</summary>
internal static class RepositoryLayout
{
    private const string SolutionFile = "CloudMap.Lifecycle.sln";

    public static string Root { get; } = FindRoot();

    public static string Script => Path.Combine(Root, "tests", "CloudMap.Lifecycle.Conformance", "conformance.py");

    /// <summary>The emulator built for the same configuration as this test assembly.</summary>
    public static string EmulatorDll
    {
        get
        {
            var relative = typeof(RepositoryLayout).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "EmulatorRelativePath").Value!;
            var path = Path.GetFullPath(Path.Combine(Root, relative));
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"The emulator was not built at {path}. Build the solution (or this test project) first.", path);
            }

            return path;
        }
    }

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

        throw new InvalidOperationException($"No {SolutionFile} above {AppContext.BaseDirectory}.");
    }
}
