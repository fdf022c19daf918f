// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics.Metrics;
using CloudMap.Lifecycle.Client;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>One recorded measurement.</summary>
internal sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

/// <summary>
/// The client instruments of the <see cref="CloudMapTelemetry.Name"/> meter created by one <see cref="IMeterFactory"/>
/// (so parallel tests never see each other's), collected with Microsoft.Extensions.Diagnostics.Testing's
/// <see cref="MetricCollector{T}"/>, one per instrument, read in one list.
/// </summary>
internal sealed class MetricCapture : IDisposable
{
    private readonly MetricCollector<long> _requests;
    private readonly MetricCollector<double> _duration;
    private readonly MetricCollector<long> _retries;

    public MetricCapture(IMeterFactory factory)
    {
        _requests = new MetricCollector<long>(factory, CloudMapTelemetry.Name, CloudMapTelemetry.ClientRequestsInstrument);
        _duration = new MetricCollector<double>(factory, CloudMapTelemetry.Name, CloudMapTelemetry.ClientRequestDurationInstrument);
        _retries = new MetricCollector<long>(factory, CloudMapTelemetry.Name, CloudMapTelemetry.ClientRetriesInstrument);
    }

    public IReadOnlyList<Measurement> Measurements =>
    [
        .. Read(_requests, CloudMapTelemetry.ClientRequestsInstrument, static v => v),
        .. Read(_duration, CloudMapTelemetry.ClientRequestDurationInstrument, static v => v),
        .. Read(_retries, CloudMapTelemetry.ClientRetriesInstrument, static v => v),
    ];

    /// <summary>The <see cref="CloudMapTelemetry.ClientRequestsInstrument"/> counts of one operation.</summary>
    public IEnumerable<Measurement> Calls(string operation)
        => Read(_requests, CloudMapTelemetry.ClientRequestsInstrument, static v => v)
            .Where(m => Equals(m.Tags[CloudMapTelemetry.RpcMethodTag], operation));

    public void Dispose()
    {
        _requests.Dispose();
        _duration.Dispose();
        _retries.Dispose();
    }

    private static IEnumerable<Measurement> Read<T>(MetricCollector<T> collector, string instrument, Func<T, double> value)
        where T : struct
        => collector.GetMeasurementSnapshot().Select(m => new Measurement(instrument, value(m.Value), m.Tags));
}
