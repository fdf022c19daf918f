// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Conformance.Tests;

/// <summary>
/// <c>conformance_platform.py</c> (awscli + boto3: ECS DescribeTasks/ListTasks, EC2 DescribeInstances) against the
/// standalone emulator, one test per section.
/// </summary>
public sealed class PlatformConformanceTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    private static string Script => Path.Combine(RepositoryLayout.Root, "tests", "CloudMap.Lifecycle.Conformance", "conformance_platform.py");

    [Theory]
    [InlineData("ecs")]
    [InlineData("ec2")]
    public Task Section(string section) =>
        ConformanceScript.RunAsync(fixture.Emulator, section, null, TestContext.Current.CancellationToken, Script);

    /// <summary>Signing names <c>ecs</c> and <c>ec2</c> need an emulator that verifies signatures: a second process.</summary>
    [Fact]
    public async Task Section_sigv4()
    {
        const string Credentials = "AKIDPLATFORMTEST1:platform/secret+key";
        await using var emulator = await StandaloneEmulator.StartAsync(["--credentials", Credentials], TestContext.Current.CancellationToken);
        await ConformanceScript.RunAsync(emulator, "sigv4", ["--credentials", Credentials], TestContext.Current.CancellationToken, Script);
    }
}
