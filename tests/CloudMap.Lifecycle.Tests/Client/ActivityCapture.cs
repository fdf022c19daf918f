// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Diagnostics;
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>Captures the library's activities stopped inside this test's own trace (tests run in parallel).</summary>
internal sealed class ActivityCapture : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly Activity _parent;
    private readonly ConcurrentQueue<Activity> _activities = new();

    public ActivityCapture()
    {
        _parent = new Activity("test-parent").Start();
        var traceId = _parent.TraceId;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == CloudMapTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.TraceId == traceId)
                {
                    _activities.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Gets the captured activities, in the order they stopped.</summary>
    public IReadOnlyList<Activity> Activities => [.. _activities];

    public void Dispose()
    {
        _listener.Dispose();
        _parent.Stop();
    }
}
