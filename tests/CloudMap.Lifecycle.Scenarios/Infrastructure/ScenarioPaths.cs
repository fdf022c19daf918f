// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

internal static class ScenarioPaths
{
    public static string SampleDll => Path.Combine(RunOptions.RepoRoot, "samples", "CloudMap.Lifecycle.Sample", "bin", RunOptions.Configuration, "net10.0", "CloudMap.Lifecycle.Sample.dll");

    public static string EmulatorDll => Path.Combine(RunOptions.RepoRoot, "src", "CloudMap.Lifecycle.Emulator", "bin", RunOptions.Configuration, "net10.0", "CloudMap.Lifecycle.Emulator.dll");
}
