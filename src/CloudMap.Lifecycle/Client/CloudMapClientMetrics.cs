// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CloudMap.Lifecycle.Client;

/// <summary>The client's instruments, created through <see cref="IMeterFactory"/>.</summary>
internal sealed class CloudMapClientMetrics
{
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _retries;

    /// <summary>Initializes a new instance of the <see cref="CloudMapClientMetrics"/> class.</summary>
    public CloudMapClientMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(CloudMapTelemetry.Name);
        _requests = meter.CreateCounter<long>(CloudMapTelemetry.ClientRequestsInstrument, "{request}", "Cloud Map API calls, counted once each after retries.");
        _duration = meter.CreateHistogram<double>(CloudMapTelemetry.ClientRequestDurationInstrument, "s", "Duration of Cloud Map API calls, retries and backoff included.");
        _retries = meter.CreateCounter<long>(CloudMapTelemetry.ClientRetriesInstrument, "{retry}", "Cloud Map attempts that were retried.");
    }

    /// <summary>Records one finished call.</summary>
    public void RecordCall(string operation, string outcome, string? errorCode, TimeSpan duration)
    {
        var tags = new TagList
        {
            { CloudMapTelemetry.OperationTag, operation },
            { CloudMapTelemetry.OutcomeTag, outcome },
        };
        if (errorCode is not null)
        {
            tags.Add(CloudMapTelemetry.ErrorTypeTag, errorCode);
        }

        _requests.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>Records one retry.</summary>
    public void RecordRetry(string operation) => _retries.Add(1, new KeyValuePair<string, object?>(CloudMapTelemetry.OperationTag, operation));
}
