// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Testing.Tests;

public sealed class FakeClockSmokeTests
{
    [Fact]
    public void NewClock_StartsAtDefaultStart()
    {
        Assert.Equal(FakeTimeProvider.DefaultStart, new FakeTimeProvider().GetUtcNow());
    }
}
