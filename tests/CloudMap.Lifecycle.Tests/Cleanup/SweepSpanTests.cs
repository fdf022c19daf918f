// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Internal.Cleanup;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Tests.Client;

namespace CloudMap.Lifecycle.Tests.Cleanup;

/// <summary>Each sweep is one span (<c>CloudMap.Lifecycle CleanupSweep</c>) on the library's ActivitySource, tagged with what it did.</summary>
public sealed class SweepSpanTests
{
    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Sweep_RemovingADeadPeer_IsOneSpanTaggedWithProbesOutcomesAndRemovals()
    {
        await using var s = await SweepHarness.StartAsync(h =>
        {
            h.AddPeer("orders-2", "127.0.0.2");
            h.AddPeer("orders-3", "127.0.0.3");
            h.AddPeer("orders-4", "127.0.0.4");
        });
        s.Prober.Set("orders-2", PeerProbeOutcome.Refused);
        await s.SweepAsync(3);
        using var capture = new ActivityCapture();

        var outcome = await s.SweepAsync();

        Assert.Equal(["orders-2"], outcome.Removed);
        var span = Assert.Single(capture.Activities, a => a.OperationName == "CloudMap.Lifecycle CleanupSweep");
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Equal(s.ServiceId, span.GetTagItem(TelemetryTags.ServiceId));
        Assert.Equal(3, span.GetTagItem(LifecycleTelemetry.SweepPeersWatchedTag));
        Assert.Equal(3, span.GetTagItem(LifecycleTelemetry.SweepProbesTag));
        Assert.Equal(2, span.GetTagItem(LifecycleTelemetry.SweepAliveTag));
        Assert.Equal(1, span.GetTagItem(LifecycleTelemetry.SweepRefusedTag));
        Assert.Equal(0, span.GetTagItem(LifecycleTelemetry.SweepUnknownTag));
        Assert.Equal(1, span.GetTagItem(LifecycleTelemetry.SweepRemovalsTag));
        Assert.Equal(false, span.GetTagItem(LifecycleTelemetry.SweepHeldTag));

        // The removal's Cloud Map calls nest under the sweep.
        Assert.Contains(capture.Activities, a => a.ParentSpanId == span.SpanId && a.OperationName == CloudMapTelemetry.SpanName("DeregisterInstance"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task Sweep_Held_SpanSaysHeldAndRemovesNothing()
    {
        await using var s = await SweepHarness.StartAsync(h =>
        {
            h.AddPeer("orders-2", "127.0.0.2");
            h.AddPeer("orders-3", "127.0.0.3");
            h.AddPeer("orders-4", "127.0.0.4");
        });
        s.Prober.Default = PeerProbeOutcome.Unknown;
        using var capture = new ActivityCapture();

        await s.SweepAsync();

        var span = Assert.Single(capture.Activities, a => a.OperationName == "CloudMap.Lifecycle CleanupSweep");
        Assert.Equal(true, span.GetTagItem(LifecycleTelemetry.SweepHeldTag));
        Assert.Equal(3, span.GetTagItem(LifecycleTelemetry.SweepUnknownTag));
        Assert.Equal(0, span.GetTagItem(LifecycleTelemetry.SweepRemovalsTag));
    }
}
