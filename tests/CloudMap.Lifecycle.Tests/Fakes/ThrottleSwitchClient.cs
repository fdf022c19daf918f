// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Tests.Fakes;

/// <summary>The real client, saying what the test says about recent throttling (the window logic has its own tests).</summary>
internal sealed class ThrottleSwitchClient(ICloudMapClient inner) : DelegatingCloudMapClient(inner)
{
    public bool ThrottledRecently { get; set; }

    public TimeSpan? AskedWindow { get; private set; }

    public override bool ThrottledWithin(TimeSpan window)
    {
        AskedWindow = window;
        return ThrottledRecently;
    }
}
