// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// The instruments of Cloud Map API calls, on the Meter <see cref="CloudMapTelemetry.Name"/> from <see cref="IMeterFactory"/>
/// (which hands every caller asking for that name the same Meter). Written only by <see cref="CloudMapCallPipeline"/>.
/// </summary>
internal sealed class CloudMapClientMetrics
{
    // Seconds, from a fast loopback answer to a call that spent its whole retry budget (the OpenTelemetry HTTP client
    // duration buckets, which suit a remote call; the SDK's default buckets are meant for milliseconds).
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _retries;

    /// <summary>Initializes a new instance of the <see cref="CloudMapClientMetrics"/> class.</summary>
    public CloudMapClientMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(CloudMapTelemetry.Name);
        _requests = meter.CreateCounter<long>(
            CloudMapTelemetry.ClientRequestsInstrument,
            "{request}",
            "Cloud Map API calls, counted once each when they end, whatever the number of attempts; tagged by method, outcome and error type.");
        _duration = meter.CreateHistogram(
            CloudMapTelemetry.ClientRequestDurationInstrument,
            "s",
            "Duration of Cloud Map API calls from the first attempt to the end, retries and backoff included.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _retries = meter.CreateCounter<long>(
            CloudMapTelemetry.ClientRetriesInstrument,
            "{retry}",
            "Cloud Map attempts that failed and were followed by another attempt; tagged by method and the error that was retried.");
    }

    /// <summary>Records one finished call: one count and its duration, with the same tags.</summary>
    /// <param name="service">The AWS service (<see cref="CloudMapTelemetry.ServiceName"/> for Cloud Map).</param>
    /// <param name="operation">The operation.</param>
    /// <param name="outcome">One of the outcome values of <see cref="CloudMapTelemetry"/>.</param>
    /// <param name="errorType">The error type, <see langword="null"/> exactly when the call succeeded.</param>
    /// <param name="duration">How long the call took.</param>
    public void RecordCall(string service, string operation, string outcome, string? errorType, TimeSpan duration)
    {
        var tags = CommonTags(service, operation);
        tags.Add(CloudMapTelemetry.OutcomeTag, outcome);
        if (errorType is not null)
        {
            tags.Add(CloudMapTelemetry.ErrorTypeTag, errorType);
        }

        _requests.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>Records one retry of <paramref name="operation"/> of <paramref name="service"/> after an attempt that failed with <paramref name="errorType"/>.</summary>
    public void RecordRetry(string service, string operation, string errorType)
    {
        var tags = CommonTags(service, operation);
        tags.Add(CloudMapTelemetry.ErrorTypeTag, errorType);
        _retries.Add(1, tags);
    }

    private static TagList CommonTags(string service, string operation) => new()
    {
        { CloudMapTelemetry.RpcSystemTag, CloudMapTelemetry.RpcSystemAwsApi },
        { CloudMapTelemetry.RpcServiceTag, service },
        { CloudMapTelemetry.RpcMethodTag, operation },
    };
}
