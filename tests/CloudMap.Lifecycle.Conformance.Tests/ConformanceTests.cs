// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Conformance.Tests;

/// <summary>
/// The awscli + boto3 conformance suite against the standalone emulator, one test per script section. The script
/// prints one line per check; a failing section fails with the script's full output.
/// </summary>
public sealed class ConformanceTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    [Theory]
    [InlineData("session")]
    [InlineData("registration")]
    [InlineData("validation")]
    [InlineData("operations")]
    [InlineData("health")]
    [InlineData("discover")]
    [InlineData("limits")]
    [InlineData("hosts")]
    [InlineData("protocol")]
    public Task Section(string section) =>
        ConformanceScript.RunAsync(fixture.Emulator, section, null, TestContext.Current.CancellationToken);

    /// <summary>SigV4 verification needs an emulator started with credentials: a second process, just for this test.</summary>
    [Fact]
    public async Task Section_sigv4()
    {
        const string Credentials = "AKIDCONFORMANCETEST1:conformance/secret+key";
        await using var emulator = await StandaloneEmulator.StartAsync(["--credentials", Credentials], TestContext.Current.CancellationToken);
        await ConformanceScript.RunAsync(emulator, "sigv4", ["--credentials", Credentials], TestContext.Current.CancellationToken);
    }
}
