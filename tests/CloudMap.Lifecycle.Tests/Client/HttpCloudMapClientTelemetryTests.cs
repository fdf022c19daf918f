// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Diagnostics;
using CloudMap.Lifecycle.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Tests.Client;

public sealed class HttpCloudMapClientTelemetryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Call_Success_EmitsActivityAndCountsSuccess()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"OperationId":"op-1"}""", requestId: "req-ok");
        using var capture = new ActivityCapture();

        await h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct);

        var activity = Assert.Single(capture.Activities);
        Assert.Equal("CloudMap DeregisterInstance", activity.DisplayName);
        Assert.Equal(ActivityKind.Client, activity.Kind);
        Assert.Equal("DeregisterInstance", activity.GetTagItem(CloudMapTelemetry.OperationTag));
        Assert.Equal(CloudMapTelemetry.OutcomeSuccess, activity.GetTagItem(CloudMapTelemetry.OutcomeTag));
        Assert.Equal("req-ok", activity.GetTagItem(CloudMapTelemetry.RequestIdTag));
        Assert.Equal(ActivityStatusCode.Unset, activity.Status);

        var count = Assert.Single(h.Calls("DeregisterInstance"));
        Assert.Equal(1, count.Value);
        Assert.Equal(CloudMapTelemetry.OutcomeSuccess, count.Tags[CloudMapTelemetry.OutcomeTag]);
        Assert.False(count.Tags.ContainsKey(CloudMapTelemetry.ErrorTypeTag));
        var duration = Assert.Single(h.Measurements, m => m.Instrument == CloudMapTelemetry.ClientRequestDurationInstrument);
        Assert.Equal(0, duration.Value);
    }

    [Fact]
    public async Task Call_Error_MarksActivityAndCountsErrorWithCode()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.ReplyError("InstanceNotFound");
        using var capture = new ActivityCapture();

        await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetInstanceAsync("srv-1", "i-1", Ct));

        var activity = Assert.Single(capture.Activities);
        Assert.Equal(ActivityStatusCode.Error, activity.Status);
        Assert.Equal("InstanceNotFound", activity.GetTagItem(CloudMapTelemetry.ErrorTypeTag));
        var count = Assert.Single(h.Calls("GetInstance"));
        Assert.Equal(CloudMapTelemetry.OutcomeError, count.Tags[CloudMapTelemetry.OutcomeTag]);
        Assert.Equal("InstanceNotFound", count.Tags[CloudMapTelemetry.ErrorTypeTag]);
    }

    [Fact]
    public async Task Call_RetriedThenFailed_CountsOneCallAndEachRetry_DurationOnTheClock()
    {
        await using var h = await ClientHarness.StartAsync(o => o.MaxAttempts = 2, random: () => 1.0);
        h.Server.ReplyError("ThrottlingException").ReplyError("ThrottlingException");

        var call = h.Client.GetServiceAsync("srv-1", Ct);
        await h.Clock.WaitForTimersAsync(1, Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        h.Clock.Advance(CloudMapClientOptions.DefaultBaseDelay);
        await Assert.ThrowsAsync<CloudMapException>(() => call);

        Assert.Single(h.Calls("GetService"));
        Assert.Single(h.Measurements, m => m.Instrument == CloudMapTelemetry.ClientRetriesInstrument);
        var duration = Assert.Single(h.Measurements, m => m.Instrument == CloudMapTelemetry.ClientRequestDurationInstrument);
        Assert.Equal(0.2, duration.Value, precision: 6);
    }

    [Fact]
    public async Task Logs_RetriesAndFailures_NeverContainCredentialsOrSignatures()
    {
        var logs = new LogCapture();
        var session = new Amazon.Runtime.SessionAWSCredentials("ASIASECRETKEYID", "very-secret-key", "very-secret-token");
        await using var h = await ClientHarness.StartAsync(o => o.MaxAttempts = 2, credentials: session, configureServices: s => s.AddSingleton<ILoggerProvider>(logs));
        h.Server.ReplyError("ThrottlingException").ReplyError("AccessDeniedException", "denied");

        await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct));

        Assert.Contains(logs.Entries, e => e.EventId.Id == 2000);
        Assert.Contains(logs.Entries, e => e.EventId.Id == 2001 && e.Message.Contains("ThrottlingException", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.EventId.Id == 2002 && e.Level == LogLevel.Warning && e.Message.Contains("AccessDeniedException", StringComparison.Ordinal));
        var signature = h.Server.Requests[0].Header("Authorization").Split("Signature=")[1];
        foreach (var entry in logs.Entries)
        {
            foreach (var secret in new[] { "very-secret-key", "very-secret-token", "ASIASECRETKEYID", "Signature=", signature })
            {
                Assert.DoesNotContain(secret, entry.Message, StringComparison.Ordinal);
            }
        }
    }

    private sealed class ActivityCapture : IDisposable
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

        public IReadOnlyList<Activity> Activities => [.. _activities];

        public void Dispose()
        {
            _listener.Dispose();
            _parent.Stop();
        }
    }

    private sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message);

    private sealed class LogCapture : ILoggerProvider
    {
        private readonly ConcurrentQueue<LogEntry> _entries = new();

        public IReadOnlyList<LogEntry> Entries => [.. _entries];

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<LogEntry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception) + " " + exception));
        }
    }
}
