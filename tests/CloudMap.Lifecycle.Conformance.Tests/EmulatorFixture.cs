// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Conformance.Tests;

/// <summary>One standalone emulator (no SigV4 verification) shared by the sections of a test class.</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    private StandaloneEmulator? _emulator;

    internal StandaloneEmulator Emulator => _emulator ?? throw new InvalidOperationException("The emulator has not started.");

    public async ValueTask InitializeAsync() =>
        _emulator = await StandaloneEmulator.StartAsync([], TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
    }
}
