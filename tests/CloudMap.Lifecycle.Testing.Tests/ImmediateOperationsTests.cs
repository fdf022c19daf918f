// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing.Internal;

namespace CloudMap.Lifecycle.Testing.Tests;

/// <summary>Under a fake clock operations complete at once by default, so a test needs no operation schedule.</summary>
public sealed class ImmediateOperationsTests
{
    [Fact]
    public void Options_FakeClockDefault_OperationsCompleteAtOnce()
    {
        var clock = new TimerCountingFakeTimeProvider();
        var state = new EmulatorState(clock, new SharedRandom(42), CloudMapEmulatorOptions.DefaultRegion, new CloudMapEmulatorOptions { TimeProvider = clock });

        Assert.Equal(TimeSpan.Zero, state.OperationSubmittedDuration);
        Assert.Equal(TimeSpan.Zero, state.OperationPendingDuration);
    }

    [Fact]
    public void Options_SystemClockDefault_KeepsTheSchedule()
    {
        var state = new EmulatorState(TimeProvider.System, new SharedRandom(42), CloudMapEmulatorOptions.DefaultRegion, new CloudMapEmulatorOptions());

        Assert.Equal(CloudMapEmulatorOptions.DefaultOperationSubmittedDuration, state.OperationSubmittedDuration);
        Assert.Equal(CloudMapEmulatorOptions.DefaultOperationPendingDuration, state.OperationPendingDuration);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(null)]
    public void Options_FakeClockOptedOutOrDurationSet_KeepsTheSchedule(bool? immediately)
    {
        var clock = new TimerCountingFakeTimeProvider();
        var options = new CloudMapEmulatorOptions { TimeProvider = clock, CompleteOperationsImmediately = immediately };
        if (immediately is null)
        {
            options.OperationPendingDuration = TimeSpan.FromSeconds(2);
        }

        var state = new EmulatorState(clock, new SharedRandom(42), CloudMapEmulatorOptions.DefaultRegion, options);

        Assert.Equal(CloudMapEmulatorOptions.DefaultOperationSubmittedDuration, state.OperationSubmittedDuration);
        Assert.Equal(immediately is null ? TimeSpan.FromSeconds(2) : CloudMapEmulatorOptions.DefaultOperationPendingDuration, state.OperationPendingDuration);
    }
}
