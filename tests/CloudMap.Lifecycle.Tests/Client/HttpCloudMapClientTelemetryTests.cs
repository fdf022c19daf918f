// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Net;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>One Cloud Map API call is exactly one span and one count, made by the client where the call is made.</summary>
public sealed class HttpCloudMapClientTelemetryTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Call_Success_OneClientSpanInAwsSdkConventionsAndOneSuccessCount()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"OperationId":"op-1"}""", requestId: "req-ok");
        using var capture = new ActivityCapture();

        await h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct);

        var span = Assert.Single(capture.Activities);
        Assert.Equal("ServiceDiscovery.DeregisterInstance", span.DisplayName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("aws-api", span.GetTagItem("rpc.system"));
        Assert.Equal("ServiceDiscovery", span.GetTagItem("rpc.service"));
        Assert.Equal("DeregisterInstance", span.GetTagItem("rpc.method"));
        Assert.Equal("req-ok", span.GetTagItem("aws.request_id"));
        Assert.Equal("us-east-1", span.GetTagItem("cloud.region"));
        Assert.Equal(h.Server.Url.Host, span.GetTagItem("server.address"));
        Assert.Equal(h.Server.Url.Port, span.GetTagItem("server.port"));
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
        Assert.Equal(1, span.GetTagItem("cloudmap.attempts"));
        Assert.Equal("success", span.GetTagItem("cloudmap.outcome"));
        Assert.Null(span.GetTagItem("error.type"));
        Assert.Empty(span.Events);
        Assert.Equal(ActivityStatusCode.Unset, span.Status);

        var count = Assert.Single(h.Measurements, m => m.Instrument == CloudMapTelemetry.ClientRequestsInstrument);
        Assert.Equal(1, count.Value);
        Assert.Equal("DeregisterInstance", count.Tags["rpc.method"]);
        Assert.Equal("aws-api", count.Tags["rpc.system"]);
        Assert.Equal("ServiceDiscovery", count.Tags["rpc.service"]);
        Assert.Equal("success", count.Tags["cloudmap.outcome"]);
        Assert.False(count.Tags.ContainsKey("error.type"));
        var duration = Assert.Single(h.Measurements, m => m.Instrument == CloudMapTelemetry.ClientRequestDurationInstrument);
        Assert.Equal(0, duration.Value);
        Assert.Equal(count.Tags, duration.Tags);
    }

    [Fact]
    public async Task Call_RetriedThenSucceeded_OneSpanWithARetryEventPerRetry_OneCount_RetriesCounted()
    {
        await using var h = await ClientHarness.StartAsync(o => o.MaxAttempts = 3, random: () => 1.0);
        h.Server
            .ReplyError("ThrottlingException", requestId: "req-1")
            .ReplyError("InternalFailure", status: HttpStatusCode.InternalServerError, requestId: "req-2")
            .Reply("""{"OperationId":"op-1"}""", requestId: "req-3");
        using var capture = new ActivityCapture();

        var call = h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct);
        await h.Clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        h.Clock.Advance(CloudMapCallPipeline.ThrottlingBaseDelay);
        await h.Server.WaitForRequestsAsync(2).WaitAsync(Guard, Ct);
        await h.Clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        h.Clock.Advance(TimeSpan.FromMilliseconds(400));
        await call.WaitAsync(Guard, Ct);

        var span = Assert.Single(capture.Activities);
        Assert.Equal("ServiceDiscovery.DeregisterInstance", span.DisplayName);
        Assert.Equal(3, span.GetTagItem("cloudmap.attempts"));
        Assert.Equal("req-3", span.GetTagItem("aws.request_id"));
        Assert.Equal("success", span.GetTagItem("cloudmap.outcome"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        var retries = span.Events.ToList();
        Assert.Equal(2, retries.Count);
        Assert.All(retries, e => Assert.Equal("cloudmap.retry", e.Name));
        Assert.Equal(new object?[] { 1, 2 }, retries.Select(e => Tag(e, "cloudmap.attempt")));
        Assert.Equal(new object?[] { "ThrottlingException", "InternalFailure" }, retries.Select(e => Tag(e, "error.type")));
        Assert.Equal(new object?[] { "req-1", "req-2" }, retries.Select(e => Tag(e, "aws.request_id")));
        Assert.Equal(new object?[] { 400, 500 }, retries.Select(e => Tag(e, "http.response.status_code")));
        Assert.Equal(new object?[] { 1.0, 0.4 }, retries.Select(e => Tag(e, "cloudmap.retry.delay")));

        var count = Assert.Single(h.Measurements, m => m.Instrument == CloudMapTelemetry.ClientRequestsInstrument);
        Assert.Equal("success", count.Tags["cloudmap.outcome"]);
        Assert.Equal(
            new object?[] { "ThrottlingException", "InternalFailure" },
            h.Measurements.Where(m => m.Instrument == CloudMapTelemetry.ClientRetriesInstrument).Select(m => m.Tags["error.type"]));
        var duration = Assert.Single(h.Measurements, m => m.Instrument == CloudMapTelemetry.ClientRequestDurationInstrument);
        Assert.Equal(1.4, duration.Value, precision: 6);
    }

    [Fact]
    public async Task Call_ErrorAnswer_OneErrorSpanAndOneErrorCountWithTheCode()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.ReplyError("InstanceNotFound", requestId: "req-404");
        using var capture = new ActivityCapture();

        await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetInstanceAsync("srv-1", "i-1", Ct));

        var span = Assert.Single(capture.Activities);
        Assert.Equal("ServiceDiscovery.GetInstance", span.DisplayName);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("InstanceNotFound", span.GetTagItem("error.type"));
        Assert.Equal("error", span.GetTagItem("cloudmap.outcome"));
        Assert.Equal("req-404", span.GetTagItem("aws.request_id"));
        Assert.Equal(400, span.GetTagItem("http.response.status_code"));
        var count = Assert.Single(h.Measurements, m => m.Instrument == CloudMapTelemetry.ClientRequestsInstrument);
        Assert.Equal("GetInstance", count.Tags["rpc.method"]);
        Assert.Equal("error", count.Tags["cloudmap.outcome"]);
        Assert.Equal("InstanceNotFound", count.Tags["error.type"]);
        Assert.DoesNotContain(h.Measurements, m => m.Instrument == CloudMapTelemetry.ClientRetriesInstrument);
    }

    [Fact]
    public async Task Call_RetriedThenFailed_OneSpanOneCount_DurationOnTheClock()
    {
        await using var h = await ClientHarness.StartAsync(o => o.MaxAttempts = 2, random: () => 1.0);
        h.Server.ReplyError("ThrottlingException").ReplyError("ThrottlingException");
        using var capture = new ActivityCapture();

        var call = h.Client.GetServiceAsync("srv-1", Ct);
        await h.Clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        h.Clock.Advance(CloudMapCallPipeline.ThrottlingBaseDelay);
        await Assert.ThrowsAsync<CloudMapException>(() => call.WaitAsync(Guard, Ct));

        var span = Assert.Single(capture.Activities);
        Assert.Equal(2, span.GetTagItem("cloudmap.attempts"));
        Assert.Single(span.Events);
        Assert.Equal("ThrottlingException", span.GetTagItem("error.type"));
        var count = Assert.Single(h.Calls("GetService"));
        Assert.Equal("ThrottlingException", count.Tags["error.type"]);
        Assert.Single(h.Measurements, m => m.Instrument == CloudMapTelemetry.ClientRetriesInstrument);
        var duration = Assert.Single(h.Measurements, m => m.Instrument == CloudMapTelemetry.ClientRequestDurationInstrument);
        Assert.Equal(CloudMapCallPipeline.ThrottlingBaseDelay.TotalSeconds, duration.Value, precision: 6);
    }

    [Fact]
    public async Task Call_NoAnswer_OneSpanAndOneCountOfRequestFailed()
    {
        await using var h = await ClientHarness.StartAsync(o => o.MaxAttempts = 2);
        h.Server.Abort().Abort();
        using var capture = new ActivityCapture();

        await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct));

        var span = Assert.Single(capture.Activities);
        Assert.Equal(CloudMapErrorCodes.RequestFailed, span.GetTagItem("error.type"));
        Assert.Null(span.GetTagItem("http.response.status_code"));
        Assert.Equal("HttpRequestException", Tag(Assert.Single(span.Events), "error.type"));
        Assert.Equal(CloudMapErrorCodes.RequestFailed, Assert.Single(h.Calls("GetService")).Tags["error.type"]);
    }

    [Fact]
    public async Task Call_CancelledByCaller_OneCanceledSpanAndCount()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Hang();
        using var capture = new ActivityCapture();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var call = h.Client.GetServiceAsync("srv-1", cts.Token);
        await h.Server.WaitForRequestsAsync(1).WaitAsync(Guard, Ct);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Guard, Ct));

        var span = Assert.Single(capture.Activities);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("canceled", span.GetTagItem("cloudmap.outcome"));
        Assert.Equal("canceled", span.GetTagItem("error.type"));
        var count = Assert.Single(h.Calls("GetService"));
        Assert.Equal("canceled", count.Tags["cloudmap.outcome"]);
        Assert.Equal("canceled", count.Tags["error.type"]);
    }

    [Fact]
    public async Task Call_MalformedSuccessAnswer_CountedAsAnErrorOfTheCall()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"Operation":{"Id":"op-1","Status":"WEIRD"}}""");
        using var capture = new ActivityCapture();

        await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetOperationAsync("op-1", Ct));

        Assert.Equal(CloudMapErrorCodes.MalformedResponse, Assert.Single(capture.Activities).GetTagItem("error.type"));
        Assert.Equal(CloudMapErrorCodes.MalformedResponse, Assert.Single(h.Calls("GetOperation")).Tags["error.type"]);
    }

    [Fact]
    public async Task ListNamespaces_ThreePages_ThreeCallsThreeSpans()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server
            .Reply("""{"Namespaces":[],"NextToken":"p2"}""")
            .Reply("""{"Namespaces":[],"NextToken":"p3"}""")
            .Reply("""{"Namespaces":[{"Id":"ns-1","Name":"example"}]}""");
        using var capture = new ActivityCapture();

        await h.Client.ListNamespacesAsync(Ct);

        Assert.Equal(3, capture.Activities.Count(a => a.DisplayName == "ServiceDiscovery.ListNamespaces"));
        Assert.Equal(3, h.Calls("ListNamespaces").Count());
    }

    [Fact]
    public async Task WaitForOperation_ThreePolls_ThreeGetOperationSpansAndCounts_UnderOneHelperSpan()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server
            .Reply("""{"Operation":{"Id":"op-1","Status":"SUBMITTED"}}""")
            .Reply("""{"Operation":{"Id":"op-1","Status":"PENDING"}}""")
            .Reply("""{"Operation":{"Id":"op-1","Status":"SUCCESS"}}""");
        using var capture = new ActivityCapture();

        var wait = h.Client.WaitForOperationAsync("op-1", h.Clock, TimeSpan.FromMinutes(1), oneOfMany: false, Ct);
        await h.Clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        h.Clock.Advance(CloudMapClientExtensions.FirstPoll);
        await h.Server.WaitForRequestsAsync(2).WaitAsync(Guard, Ct);
        await h.Clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        h.Clock.Advance(CloudMapClientExtensions.FirstPoll * 2);
        await wait.WaitAsync(Guard, Ct);

        var polls = capture.Activities.Where(a => a.DisplayName == "ServiceDiscovery.GetOperation").ToList();
        Assert.Equal(3, polls.Count);
        var helper = Assert.Single(capture.Activities, a => a.DisplayName == CloudMapTelemetry.WaitForOperationSpanName);
        Assert.Equal(ActivityKind.Internal, helper.Kind);
        Assert.Equal(3, helper.GetTagItem("cloudmap.polls"));
        Assert.Equal("op-1", helper.GetTagItem("cloudmap.operation.id"));
        Assert.All(polls, p => Assert.Equal(helper.SpanId, p.ParentSpanId));
        Assert.Equal(4, capture.Activities.Count);
        var counts = h.Measurements.Where(m => m.Instrument == CloudMapTelemetry.ClientRequestsInstrument).ToList();
        Assert.Equal(3, counts.Count);
        Assert.All(counts, c => Assert.Equal("GetOperation", c.Tags["rpc.method"]));
    }

    [Fact]
    public async Task ResolveService_ByNames_OneSpanPerApiCall_UnderOneHelperSpan()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server
            .Reply("""{"Namespaces":[{"Id":"ns-1","Name":"example.com"}]}""")
            .Reply("""{"Services":[{"Id":"srv-1","Name":"orders","NamespaceId":"ns-1"}]}""")
            .Reply("""{"Service":{"Id":"srv-1","Name":"orders","NamespaceId":"ns-1","HealthCheckCustomConfig":{}}}""");
        using var capture = new ActivityCapture();

        await h.Client.ResolveServiceAsync(null, "example.com", "orders", Ct);

        var helper = Assert.Single(capture.Activities, a => a.DisplayName == CloudMapTelemetry.ResolveServiceSpanName);
        var calls = capture.Activities.Where(a => a.Kind == ActivityKind.Client).ToList();
        Assert.Equal(["ServiceDiscovery.ListNamespaces", "ServiceDiscovery.ListServices", "ServiceDiscovery.GetService"], calls.Select(a => a.DisplayName));
        Assert.All(calls, c => Assert.Equal(helper.SpanId, c.ParentSpanId));
        Assert.Equal(
            new object?[] { "ListNamespaces", "ListServices", "GetService" },
            h.Measurements.Where(m => m.Instrument == CloudMapTelemetry.ClientRequestsInstrument).Select(m => m.Tags["rpc.method"]));
    }

    [Fact]
    public async Task ResolveService_UnknownNamespace_HelperSpanFailsWithTheCode()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("""{"Namespaces":[]}""");
        using var capture = new ActivityCapture();

        await Assert.ThrowsAsync<CloudMapException>(() => h.Client.ResolveServiceAsync(null, "nope", "orders", Ct));

        var helper = Assert.Single(capture.Activities, a => a.DisplayName == CloudMapTelemetry.ResolveServiceSpanName);
        Assert.Equal(ActivityStatusCode.Error, helper.Status);
        Assert.Equal(CloudMapErrorCodes.NamespaceNotFound, helper.GetTagItem("error.type"));
        Assert.Equal("success", Assert.Single(h.Calls("ListNamespaces")).Tags["cloudmap.outcome"]);
    }

    [Fact]
    public async Task Logs_RetriesAndFailures_NeverContainCredentialsOrSignatures()
    {
        var logs = new AwaitableFakeLogs();
        var session = new Amazon.Runtime.SessionAWSCredentials("ASIASECRETKEYID", "very-secret-key", "very-secret-token");
        await using var h = await ClientHarness.StartAsync(o => o.MaxAttempts = 2, credentials: session, configureServices: s => s.AddSingleton<ILoggerProvider>(logs));
        h.Server.ReplyError("ThrottlingException").ReplyError("AccessDeniedException", "denied");

        await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct));

        var records = logs.Collector.GetSnapshot();
        Assert.Contains(records, r => r.Id.Id == 2000);
        Assert.Contains(records, r => r.Id.Id == 2001 && Text(r).Contains("ThrottlingException", StringComparison.Ordinal));
        Assert.Contains(records, r => r.Id.Id == 2002 && r.Level == LogLevel.Warning && Text(r).Contains("AccessDeniedException", StringComparison.Ordinal));
        var signature = h.Server.Requests[0].Header("Authorization").Split("Signature=")[1];
        foreach (var record in records)
        {
            foreach (var secret in new[] { "very-secret-key", "very-secret-token", "ASIASECRETKEYID", "Signature=", signature })
            {
                Assert.DoesNotContain(secret, Text(record), StringComparison.Ordinal);
            }
        }
    }

    private static object? Tag(ActivityEvent activityEvent, string key) => activityEvent.Tags.Single(t => t.Key == key).Value;

    /// <summary>Everything a log sink would write for the record: the rendered message and the exception with its stack.</summary>
    private static string Text(FakeLogRecord record) => record.Message + " " + record.Exception;
}
