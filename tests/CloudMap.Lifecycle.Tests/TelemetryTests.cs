// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Tests.Fakes;

namespace CloudMap.Lifecycle.Tests;

/// <summary>Metrics of the lifecycle: API calls by operation and outcome, time to register, current phase.</summary>
public sealed class TelemetryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Register_RecordsApiCallsByOperationAndOutcomeAndPhase()
    {
        using var h = new ServiceHarness();
        var measurements = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == LifecycleTelemetry.Name && instrument.Meter.Scope == h.MeterFactory)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        listener.Start();
        h.Client.FailNext("RegisterInstance", FakeCloudMapClient.Error(CloudMapErrorCodes.ThrottlingException));
        await h.Service.ResolveTargetAsync(Ct);

        var registering = h.Service.RegisterAsync(CloudMapHealthStatus.Healthy, Ct);
        await h.DriveUntilAsync(registering, Backoff.Max);
        listener.RecordObservableInstruments();

        lock (measurements)
        {
            var calls = measurements.Where(m => m.Instrument == "cloudmap.lifecycle.api.calls").ToList();
            Assert.Contains(calls, m => (string?)m.Tags[TelemetryTags.Operation] == "RegisterInstance" && (string?)m.Tags[TelemetryTags.Outcome] == "ThrottlingException");
            Assert.Contains(calls, m => (string?)m.Tags[TelemetryTags.Operation] == "RegisterInstance" && (string?)m.Tags[TelemetryTags.Outcome] == "success");
            Assert.Contains(calls, m => (string?)m.Tags[TelemetryTags.Operation] == "ResolveService");
            var phase = Assert.Single(measurements, m => m.Instrument == "cloudmap.lifecycle.phase");
            Assert.Equal("Registered", phase.Tags[TelemetryTags.Phase]);
        }

        void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
            where T : struct
        {
            var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            lock (measurements)
            {
                measurements.Add((instrument.Name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), copy));
            }
        }
    }

    [Fact]
    public async Task ReadinessToRegistered_RecordedInSeconds()
    {
        using var h = new ServiceHarness(o => o.Readiness.ConsecutiveSuccesses = 1);
        h.Client.PendingPolls = 1;
        var durations = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == h.MeterFactory && instrument.Name == "cloudmap.lifecycle.registration.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, v, _, _) => durations.Add(v));
        listener.Start();
        await h.Service.ResolveTargetAsync(Ct);
        await h.Service.WaitForReadinessAsync(Ct);

        var registering = h.Service.RegisterAsync(CloudMapHealthStatus.Healthy, Ct);
        await h.Time.WaitForTimersAsync(1, Ct);
        h.Time.Advance(TimeSpan.FromMilliseconds(250));
        await registering.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal([0.25], durations);
    }
}
