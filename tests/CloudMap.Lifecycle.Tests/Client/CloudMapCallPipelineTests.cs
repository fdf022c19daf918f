// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>
/// The pipeline with a transport that is not HTTP (as an adapter over the official SDK would be): retries, the span and
/// the metrics come from the pipeline alone.
/// </summary>
public sealed class CloudMapCallPipelineTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private static readonly Uri Endpoint = new("https://servicediscovery.eu-west-1.amazonaws.com/");

    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly TimerCountingFakeTimeProvider _clock = new();
    private readonly MetricCapture _metrics;

    public CloudMapCallPipelineTests()
    {
        _metrics = new MetricCapture(_meters.GetRequiredService<IMeterFactory>());
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ExecuteAsync_OtherTransportThrottledOnce_RetriedFromOneSecond_OneSpanOneCountOneRetry()
    {
        var pipeline = CreatePipeline();
        using var capture = new ActivityCapture();
        var attempts = new List<int>();

        var call = pipeline.ExecuteAsync(
            "GetService",
            attempts,
            static (seen, call, _) =>
            {
                seen.Add(call.Attempt);
                call.SetEndpoint(Endpoint, "eu-west-1");
                if (call.Attempt == 1)
                {
                    call.SetAnswer(HttpStatusCode.BadRequest, "sdk-req-1");
                    throw new CloudMapException("ThrottlingException", "Rate exceeded", HttpStatusCode.BadRequest, "sdk-req-1");
                }

                call.SetAnswer(HttpStatusCode.OK, "sdk-req-2");
                return ValueTask.FromResult("answer");
            },
            Ct);
        await _clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        _clock.Advance(CloudMapCallPipeline.ThrottlingBaseDelay);

        Assert.Equal("answer", await call.WaitAsync(Guard, Ct));
        Assert.Equal([1, 2], attempts);
        var span = Assert.Single(capture.Activities);
        Assert.Equal("ServiceDiscovery.GetService", span.DisplayName);
        Assert.Equal("servicediscovery.eu-west-1.amazonaws.com", span.GetTagItem("server.address"));
        Assert.Equal(443, span.GetTagItem("server.port"));
        Assert.Equal("eu-west-1", span.GetTagItem("cloud.region"));
        Assert.Equal("sdk-req-2", span.GetTagItem("aws.request_id"));
        Assert.Equal(2, span.GetTagItem("cloudmap.attempts"));
        Assert.Equal("cloudmap.retry", Assert.Single(span.Events).Name);
        Assert.Equal("success", Assert.Single(_metrics.Calls("GetService")).Tags["cloudmap.outcome"]);
        Assert.Single(_metrics.Measurements, m => m.Instrument == CloudMapTelemetry.ClientRetriesInstrument);
    }

    [Fact]
    public async Task ExecuteAsync_NonRetryableAnswer_OneAttemptErrorCountedWithItsCode()
    {
        var pipeline = CreatePipeline();
        var attempts = 0;

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => pipeline.ExecuteAsync<object?, string>(
            "GetInstance",
            null,
            (_, _, _) =>
            {
                attempts++;
                throw new CloudMapException("InstanceNotFound", "gone", HttpStatusCode.BadRequest, "r");
            },
            Ct));

        Assert.Equal("InstanceNotFound", ex.ErrorCode);
        Assert.Equal(1, attempts);
        Assert.Equal("InstanceNotFound", Assert.Single(_metrics.Calls("GetInstance")).Tags["error.type"]);
    }

    [Fact]
    public async Task ExecuteAsync_NoAnswerEveryAttempt_ThrowsRequestFailedNamingHostAndAttempts()
    {
        var pipeline = CreatePipeline(o => o.BaseDelay = TimeSpan.Zero);

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => pipeline.ExecuteAsync<object?, string>(
            "ListServices",
            null,
            static (_, call, _) =>
            {
                call.SetEndpoint(Endpoint, "eu-west-1");
                throw new HttpRequestException("Connection refused");
            },
            Ct).WaitAsync(Guard, Ct));

        Assert.Equal(CloudMapErrorCodes.RequestFailed, ex.ErrorCode);
        Assert.Contains("ListServices to servicediscovery.eu-west-1.amazonaws.com failed after 4 attempt(s): Connection refused", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, _metrics.Measurements.Count(m => m.Instrument == CloudMapTelemetry.ClientRetriesInstrument));
        Assert.Equal(CloudMapErrorCodes.RequestFailed, Assert.Single(_metrics.Calls("ListServices")).Tags["error.type"]);
    }

    [Fact]
    public async Task ExecuteAsync_AttemptOutlivesAttemptTimeout_ItsTokenEndsAndTheCallIsRetried()
    {
        var pipeline = CreatePipeline(o =>
        {
            o.AttemptTimeout = TimeSpan.FromSeconds(2);
            o.MaxAttempts = 2;
            o.BaseDelay = TimeSpan.Zero;
        });
        using var capture = new ActivityCapture();

        var call = pipeline.ExecuteAsync<object?, int>(
            "GetOperation",
            null,
            static async (_, call, token) =>
            {
                if (call.Attempt == 1)
                {
                    // Never answers: only the attempt's token ends it.
                    await new TaskCompletionSource().Task.WaitAsync(token);
                }

                return call.Attempt;
            },
            Ct);
        await _clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        _clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(2, await call.WaitAsync(Guard, Ct));
        Assert.Equal("timeout", Assert.Single(Assert.Single(capture.Activities).Events).Tags.Single(t => t.Key == "error.type").Value);
    }

    [Fact]
    public async Task ExecuteAsync_OtherFailure_NotRetriedAndCountedByTypeName()
    {
        var pipeline = CreatePipeline();
        using var capture = new ActivityCapture();

        await Assert.ThrowsAsync<InvalidOperationException>(() => pipeline.ExecuteAsync<object?, int>("GetService", null, static (_, _, _) => throw new InvalidOperationException("no region"), Ct));

        var span = Assert.Single(capture.Activities);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("InvalidOperationException", span.GetTagItem("error.type"));
        Assert.Equal(1, span.GetTagItem("cloudmap.attempts"));
        Assert.Equal("InvalidOperationException", Assert.Single(_metrics.Calls("GetService")).Tags["error.type"]);
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _meters.Dispose();
    }

    private CloudMapCallPipeline CreatePipeline(Action<CloudMapClientOptions>? configure = null)
    {
        // Standard mode: these tests pin the retry strategy's delays on the fake clock; in adaptive mode a retry after a
        // throttle also waits for its token (CloudMapPacingTests).
        var options = new CloudMapClientOptions { AttemptTimeout = Timeout.InfiniteTimeSpan, RetryMode = CloudMapRetryMode.Standard };
        configure?.Invoke(options);
        return new CloudMapCallPipeline(
            Options.Create(options),
            _clock,
            new CloudMapClientMetrics(_meters.GetRequiredService<IMeterFactory>()),
            new CloudMapClientEnvironment { NextRandom = static () => 1.0 },
            NullLogger<CloudMapCallPipeline>.Instance);
    }
}
