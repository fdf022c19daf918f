// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace CloudMap.Lifecycle.Tests;

/// <summary>
/// The lifecycle measures lifecycle things (time to register, time to deregister, phase, health pushes) and spans whole
/// steps; single API calls are the client's to trace and count.
/// </summary>
public sealed class TelemetryTests
{
    private static readonly string[] LifecycleInstruments =
    [
        LifecycleTelemetry.RegistrationDurationInstrument,
        LifecycleTelemetry.DeregistrationDurationInstrument,
        LifecycleTelemetry.PhaseInstrument,
        LifecycleTelemetry.HealthPushesInstrument,
        LifecycleTelemetry.CleanupRemovalsInstrument,
        LifecycleTelemetry.CleanupProbesInstrument,
        LifecycleTelemetry.CleanupHeldInstrument,
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Register_RecordsPhaseAndCountsNoApiCalls()
    {
        using var h = new ServiceHarness();
        using var recorder = new MeasurementRecorder(h.MeterFactory);
        h.Client.FailNext("RegisterInstance", FakeCloudMapClient.Error(CloudMapErrorCodes.ThrottlingException));
        await h.Service.ResolveTargetAsync(Ct);

        var registering = h.Service.RegisterAsync(CloudMapHealthStatus.Healthy, Ct);
        await h.DriveUntilAsync(registering, Backoff.Max);
        recorder.Listener.RecordObservableInstruments();

        var phase = Assert.Single(recorder.Measurements, m => m.Instrument == LifecycleTelemetry.PhaseInstrument);
        Assert.Equal("Registered", phase.Tags[TelemetryTags.Phase]);
        Assert.Equal((double)CloudMapRegistrationPhase.Registered, phase.Value);
        Assert.Equal(string.Empty, phase.Tags[TelemetryTags.Registration]);
        Assert.DoesNotContain(recorder.Published, i => i.Name == "cloudmap.lifecycle.api.calls");
        Assert.Equal(LifecycleInstruments.Order(StringComparer.Ordinal), recorder.Published.Select(i => i.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Instruments_LowercaseDottedDescribedDurationsInSeconds()
    {
        using var h = new ServiceHarness();
        using var recorder = new MeasurementRecorder(h.MeterFactory);

        _ = h.Service;

        Assert.Equal(LifecycleInstruments.Length, recorder.Published.Count);
        foreach (var instrument in recorder.Published)
        {
            Assert.Matches("^[a-z]+(\\.[a-z_]+)+$", instrument.Name);
            Assert.False(string.IsNullOrWhiteSpace(instrument.Description), instrument.Name);
            Assert.False(string.IsNullOrEmpty(instrument.Unit), instrument.Name);
            if (instrument.Name.EndsWith(".duration", StringComparison.Ordinal))
            {
                Assert.Equal("s", instrument.Unit);
                Assert.IsType<Histogram<double>>(instrument);
            }
        }
    }

    [Fact]
    public async Task ReadinessToRegistered_RecordedInSeconds()
    {
        using var h = new ServiceHarness(o => o.Readiness.ConsecutiveSuccesses = 1);
        h.Client.PendingPolls = 1;
        using var recorder = new MeasurementRecorder(h.MeterFactory);
        await h.Service.ResolveTargetAsync(Ct);
        await h.Service.WaitForReadinessAsync(Ct);

        var registering = h.Service.RegisterAsync(CloudMapHealthStatus.Healthy, Ct);
        await h.Time.WaitForTimersAsync(1, Ct);
        h.Time.Advance(CloudMapClientExtensions.FirstPoll);
        await registering.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal([CloudMapClientExtensions.FirstPoll.TotalSeconds], recorder.Values(LifecycleTelemetry.RegistrationDurationInstrument));
    }

    [Fact]
    public async Task Stop_DeregistrationRecordedInSecondsWithoutTheDrain()
    {
        using var h = new ServiceHarness(o => o.Shutdown.DrainDelay = TimeSpan.FromSeconds(5));
        await h.RegisteredAsync();
        using var recorder = new MeasurementRecorder(h.MeterFactory);

        // The stop moves on once DeregisterInstance is accepted (its operation is read once, after the drain): the
        // duration ends there, and the 5 s drain is not in it.
        var stopping = h.Service.StoppingAsync(Ct);
        await h.Logs.WaitForEventAsync("Draining", cancellationToken: Ct);
        h.Time.Advance(TimeSpan.FromSeconds(5));
        await stopping.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal([0d], recorder.Values(LifecycleTelemetry.DeregistrationDurationInstrument));
    }

    [Fact]
    public async Task HealthPush_CountedByStatusOnlyWhenAccepted()
    {
        using var h = new ServiceHarness(o => o.Health.UnhealthyThreshold = 1);
        var service = await h.RegisteredAsync();
        using var recorder = new MeasurementRecorder(h.MeterFactory);
        h.Health.Healthy = false;
        h.Client.FailNext("UpdateInstanceCustomHealthStatus", FakeCloudMapClient.Error(CloudMapErrorCodes.ThrottlingException));

        await service.RunHealthCycleAsync(Ct); // refused: not counted
        await service.RunHealthCycleAsync(Ct); // accepted
        h.Time.Advance(CloudMapHealthOptions.DefaultReassertInterval);
        await service.RunHealthCycleAsync(Ct); // re-asserted

        var pushes = recorder.Measurements.Where(m => m.Instrument == LifecycleTelemetry.HealthPushesInstrument).ToList();
        Assert.Equal(2, pushes.Count);
        Assert.All(pushes, p => Assert.Equal(TelemetryTags.HealthStatusUnhealthy, p.Tags[TelemetryTags.HealthStatus]));
        Assert.All(pushes, p => Assert.Equal(1d, p.Value));
        Assert.Equal(2, h.Client.HealthPushes.Count);
    }

    [Fact]
    public void MeterFactory_LifecycleAndClientShareOneMeterInstance()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var recorder = new MeasurementRecorder(factory, includeClient: true);

        var lifecycle = new LifecycleTelemetry(factory, new CloudMapRegistrationStateProvider([]));
        _ = new CloudMapClientMetrics(factory);

        var client = Assert.Single(recorder.Published, i => i.Name == CloudMapTelemetry.ClientRequestsInstrument);
        Assert.Same(lifecycle.Meter, client.Meter);
        Assert.Equal(CloudMapTelemetry.Name, lifecycle.Meter.Name);
        Assert.All(recorder.Published, i => Assert.Same(lifecycle.Meter, i.Meter));
    }

    [Fact]
    public async Task RegisterAndDeregister_OneSpanPerStepOnTheLibrarySource_NoPerCallSpans()
    {
        using var h = new ServiceHarness(o => o.Shutdown.DrainDelay = TimeSpan.Zero);
        var spans = new List<Activity>();
        using var parent = new Activity("test").Start();
        var traceId = parent.TraceId;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == CloudMapTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId)
                {
                    lock (spans)
                    {
                        spans.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        h.Client.FailNext("RegisterInstance", FakeCloudMapClient.Error(CloudMapErrorCodes.ThrottlingException));
        await h.Service.ResolveTargetAsync(Ct);

        var registering = h.Service.RegisterAsync(CloudMapHealthStatus.Healthy, Ct);
        await h.DriveUntilAsync(registering, Backoff.Max);
        await h.Service.StoppingAsync(Ct);

        lock (spans)
        {
            // The client's multi-call helpers (ResolveService, WaitForOperation) open their own Internal spans; the fake
            // client makes no per-call spans, so any other span would be a second owner of a call.
            spans.RemoveAll(s => s.OperationName is "CloudMap.Lifecycle ResolveService" or "CloudMap.Lifecycle WaitForOperation");
            Assert.Equal(["CloudMap.Lifecycle Register", "CloudMap.Lifecycle Register", "CloudMap.Lifecycle Deregister"], spans.Select(s => s.OperationName));
            Assert.All(spans, s => Assert.Same(CloudMapTelemetry.ActivitySource, s.Source));
            Assert.All(spans, s => Assert.Equal(parent.SpanId, s.ParentSpanId));
            Assert.Equal(ActivityStatusCode.Error, spans[0].Status);
            Assert.Equal(CloudMapErrorCodes.ThrottlingException, spans[0].GetTagItem(TelemetryTags.ErrorType));
            Assert.Equal(ActivityStatusCode.Unset, spans[1].Status);
            Assert.Equal("i-test", spans[1].GetTagItem(TelemetryTags.InstanceId));
            Assert.Equal(FakeCloudMapClient.CustomServiceId, spans[2].GetTagItem(TelemetryTags.ServiceId));
        }
    }

    /// <summary>Records the lifecycle's instruments of one meter factory (others running in parallel are ignored).</summary>
    private sealed class MeasurementRecorder : IDisposable
    {
        private readonly Lock _lock = new();
        private readonly List<Instrument> _published = [];
        private readonly List<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = [];

        // A MeterListener, not MetricCollector<T>: these tests hold the inventory of published instruments (names, units,
        // observable gauges), which a collector of one named instrument cannot enumerate.
        public MeasurementRecorder(IMeterFactory factory, bool includeClient = false)
        {
            Listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == CloudMapTelemetry.Name && instrument.Meter.Scope == factory
                    && (includeClient || instrument.Name.StartsWith("cloudmap.lifecycle.", StringComparison.Ordinal)))
                {
                    lock (_lock)
                    {
                        _published.Add(instrument);
                    }

                    l.EnableMeasurementEvents(instrument);
                }
            };
            Listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
            Listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
            Listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
            Listener.Start();
        }

        public MeterListener Listener { get; } = new();

        public IReadOnlyList<Instrument> Published
        {
            get
            {
                lock (_lock)
                {
                    return _published.ToArray();
                }
            }
        }

        public IReadOnlyList<(string Instrument, double Value, Dictionary<string, object?> Tags)> Measurements
        {
            get
            {
                lock (_lock)
                {
                    return _measurements.ToArray();
                }
            }
        }

        public double[] Values(string instrument) => Measurements.Where(m => m.Instrument == instrument).Select(m => m.Value).ToArray();

        public void Dispose() => Listener.Dispose();

        private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
            where T : struct
        {
            var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            lock (_lock)
            {
                _measurements.Add((instrument.Name, Convert.ToDouble(value, CultureInfo.InvariantCulture), copy));
            }
        }
    }
}
