// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>One recorded measurement.</summary>
internal sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

/// <summary>Records the measurements of the <see cref="CloudMapTelemetry.Name"/> meter created by one <see cref="IMeterFactory"/> (so parallel tests never see each other's).</summary>
internal sealed class MetricCapture : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measurement> _measurements = new();

    public MetricCapture(IMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Meter.Name == CloudMapTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    public IReadOnlyList<Measurement> Measurements => [.. _measurements];

    /// <summary>The <see cref="CloudMapTelemetry.ClientRequestsInstrument"/> counts of one operation.</summary>
    public IEnumerable<Measurement> Calls(string operation)
        => Measurements.Where(m => m.Instrument == CloudMapTelemetry.ClientRequestsInstrument && Equals(m.Tags[CloudMapTelemetry.RpcMethodTag], operation));

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            map[tag.Key] = tag.Value;
        }

        _measurements.Enqueue(new Measurement(instrument.Name, value, map));
    }
}
