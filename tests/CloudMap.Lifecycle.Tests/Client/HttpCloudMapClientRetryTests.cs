// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.TestInfrastructure;
using Polly.Timeout;

namespace CloudMap.Lifecycle.Tests.Client;

public sealed class HttpCloudMapClientRetryTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("ThrottlingException", HttpStatusCode.BadRequest)]
    [InlineData("RequestLimitExceeded", HttpStatusCode.BadRequest)]
    [InlineData("Throttling", HttpStatusCode.BadRequest)]
    [InlineData("TooManyRequestsException", HttpStatusCode.TooManyRequests)]
    [InlineData("InternalFailure", HttpStatusCode.InternalServerError)]
    [InlineData("ServiceUnavailable", HttpStatusCode.ServiceUnavailable)]
    [InlineData("Whatever", HttpStatusCode.BadGateway)]
    [InlineData("Whatever", HttpStatusCode.GatewayTimeout)]
    public async Task Call_RetryableAnswerThenSuccess_Succeeds(string code, HttpStatusCode status)
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.ReplyError(code, status: status).Reply("""{"OperationId":"op-1"}""");

        var id = await h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct);

        Assert.Equal("op-1", id);
        Assert.Equal(2, h.Server.Requests.Count);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task Call_AlwaysThrottled_StopsAfterMaxAttempts()
    {
        await using var h = await ClientHarness.StartAsync(o => o.MaxAttempts = 3);
        h.Server.Fallback = ctx => ScriptedCloudMapServer.WriteAsync(ctx, HttpStatusCode.BadRequest, """{"__type":"ThrottlingException","message":"Rate exceeded"}""", "req-last");

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct));

        Assert.Equal("ThrottlingException", ex.ErrorCode);
        Assert.Equal("req-last", ex.RequestId);
        Assert.Equal(3, h.Server.Requests.Count);
    }

    [Fact]
    public async Task HasBeenThrottled_FalseUntilAnAnswerSaysThrottling_ThenTrue_InStandardModeToo()
    {
        await using var h = await ClientHarness.StartAsync(o => o.MaxAttempts = 1);
        h.Server.ReplyError("ServiceUnavailable", status: HttpStatusCode.ServiceUnavailable).ReplyError("ThrottlingException");

        await Assert.ThrowsAsync<CloudMapException>(() => h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct));
        Assert.False(h.Client.HasBeenThrottled);
        await Assert.ThrowsAsync<CloudMapException>(() => h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct));

        Assert.True(h.Client.HasBeenThrottled);
    }

    [Fact]
    public async Task Call_MaxAttemptsOne_NeverRetries()
    {
        await using var h = await ClientHarness.StartAsync(o => o.MaxAttempts = 1);
        h.Server.ReplyError("ThrottlingException").Reply("""{"OperationId":"op-1"}""");

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct));

        Assert.Equal("ThrottlingException", ex.ErrorCode);
        Assert.Single(h.Server.Requests);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task Call_Backoff_WaitsExponentialFullJitterDelaysOnTheClock()
    {
        // Jitter source fixed at 0.5: delays are 0.5 × min(5 s, 1 s × 2^retry) = 500 ms, 1 s, 2 s.
        await using var h = await ClientHarness.StartAsync(
            o =>
            {
                o.BaseDelay = TimeSpan.FromSeconds(1);
                o.MaxAttempts = 4;
            },
            random: () => 0.5);
        h.Server.ReplyError("ThrottlingException").ReplyError("ThrottlingException").ReplyError("ThrottlingException").Reply("""{"OperationId":"op-1"}""");

        var call = h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct);
        foreach (var (delay, attemptsSoFar) in new[] { (500, 1), (1000, 2), (2000, 3) })
        {
            await h.Clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
            Assert.Equal(attemptsSoFar, h.Server.Requests.Count);
            h.Clock.Advance(TimeSpan.FromMilliseconds(delay - 1));
            Assert.Equal(1, h.Clock.ArmedTimerCount);
            h.Clock.Advance(TimeSpan.FromMilliseconds(1));
            await h.Server.WaitForRequestsAsync(attemptsSoFar + 1);
        }

        Assert.Equal("op-1", await call.WaitAsync(Guard, Ct));
        Assert.Equal(4, h.Server.Requests.Count);
    }

    [Theory]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    [InlineData("ThrottlingException", HttpStatusCode.BadRequest, 1000)]
    [InlineData("InternalFailure", HttpStatusCode.InternalServerError, 200)]
    public async Task Call_FirstRetryDelay_ThrottledBacksOffFromOneSecond_TransientFromBaseDelay(string code, HttpStatusCode status, int expectedMilliseconds)
    {
        // Jitter source fixed at 1.0: the first delay is the whole base.
        await using var h = await ClientHarness.StartAsync(o => o.MaxAttempts = 2, random: () => 1.0);
        h.Server.ReplyError(code, status: status).Reply("""{"OperationId":"op-1"}""");

        var call = h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct);
        await h.Clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        h.Clock.Advance(TimeSpan.FromMilliseconds(expectedMilliseconds - 1));
        Assert.Single(h.Server.Requests);
        Assert.Equal(1, h.Clock.ArmedTimerCount);
        h.Clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal("op-1", await call.WaitAsync(Guard, Ct));
        Assert.Equal(2, h.Server.Requests.Count);
    }

    [Fact]
    public async Task Call_Backoff_CappedAtMaxDelay()
    {
        await using var h = await ClientHarness.StartAsync(
            o =>
            {
                o.BaseDelay = TimeSpan.FromSeconds(4);
                o.MaxDelay = TimeSpan.FromSeconds(5);
                o.MaxAttempts = 3;
            },
            random: () => 1.0);
        h.Server.ReplyError("InternalFailure", status: HttpStatusCode.InternalServerError)
            .ReplyError("InternalFailure", status: HttpStatusCode.InternalServerError)
            .Reply("""{"OperationId":"op-1"}""");

        var call = h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct);
        await h.Clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        h.Clock.Advance(TimeSpan.FromSeconds(4));
        await h.Server.WaitForRequestsAsync(2);
        await h.Clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        h.Clock.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.Equal(1, h.Clock.ArmedTimerCount);
        h.Clock.Advance(TimeSpan.FromTicks(1));

        Assert.Equal("op-1", await call.WaitAsync(Guard, Ct));
    }

    [Fact]
    public async Task Call_Retry_IsSignedAfreshWithTheNewTime()
    {
        await using var h = await ClientHarness.StartAsync(o => o.BaseDelay = TimeSpan.FromSeconds(2), random: () => 1.0);
        h.Server.ReplyError("ThrottlingException").Reply("""{"OperationId":"op-1"}""");

        var call = h.Client.DeregisterInstanceAsync("srv-1", "i-1", Ct);
        await h.Clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        h.Clock.Advance(TimeSpan.FromSeconds(2));
        await call.WaitAsync(Guard, Ct);

        var (first, second) = (h.Server.Requests[0], h.Server.Requests[1]);
        Assert.Equal("20260101T000000Z", first.Header("X-Amz-Date"));
        Assert.Equal("20260101T000002Z", second.Header("X-Amz-Date"));
        Assert.NotEqual(first.Header("Authorization"), second.Header("Authorization"));
        var secret = ClientHarness.Credentials.GetCredentials().SecretKey;
        Assert.True(SigV4Verifier.IsValid(first, secret));
        Assert.True(SigV4Verifier.IsValid(second, secret));
    }

    [Fact]
    public async Task Call_AttemptHangs_TimesOutOnTheClockAndRetries()
    {
        await using var h = await ClientHarness.StartAsync(o =>
        {
            o.AttemptTimeout = TimeSpan.FromSeconds(3);
            o.MaxAttempts = 2;
        });
        h.Server.Hang().Reply("""{"InstancesRevision":5}""");

        var call = h.Client.DiscoverInstancesRevisionAsync("ns", "svc", Ct);
        await h.Server.WaitForRequestsAsync(1);
        await h.Clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        h.Clock.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(5, await call.WaitAsync(Guard, Ct));
        Assert.Equal(2, h.Server.Requests.Count);
    }

    [Fact]
    public async Task Call_EveryAttemptHangs_ThrowsRequestFailedWithTimeout()
    {
        await using var h = await ClientHarness.StartAsync(o =>
        {
            o.AttemptTimeout = TimeSpan.FromSeconds(3);
            o.MaxAttempts = 2;
        });
        h.Server.Hang().Hang();

        var call = h.Client.GetServiceAsync("srv-1", Ct);
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            await h.Server.WaitForRequestsAsync(attempt);
            await h.Clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
            h.Clock.Advance(TimeSpan.FromSeconds(3));
        }

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => call.WaitAsync(Guard, Ct));
        Assert.Equal(CloudMapErrorCodes.RequestFailed, ex.ErrorCode);
        Assert.IsType<TimeoutRejectedException>(ex.InnerException);
    }

    [Fact]
    public async Task Call_CancelledWhileWaitingForAnswer_ThrowsOperationCanceledWithoutRetry()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Hang();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var call = h.Client.GetServiceAsync("srv-1", cts.Token);
        await h.Server.WaitForRequestsAsync(1);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Guard, Ct));
        Assert.Single(h.Server.Requests);
        var measurement = Assert.Single(h.Calls("GetService"));
        Assert.Equal(CloudMapTelemetry.OutcomeCanceled, measurement.Tags[CloudMapTelemetry.OutcomeTag]);
    }

    [Fact]
    public async Task Call_CancelledDuringBackoff_ThrowsOperationCanceledAndStops()
    {
        await using var h = await ClientHarness.StartAsync(random: () => 1.0);
        h.Server.ReplyError("ThrottlingException");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var call = h.Client.GetServiceAsync("srv-1", cts.Token);
        await h.Clock.WaitForTimersAsync(1, Ct).WaitAsync(Guard, Ct);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Guard, Ct));
        Assert.Single(h.Server.Requests);
    }

    [Fact]
    public async Task Call_AlreadyCancelled_SendsNothing()
    {
        await using var h = await ClientHarness.StartAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Client.GetServiceAsync("srv-1", new CancellationToken(canceled: true)));

        Assert.Empty(h.Server.Requests);
    }

    [Theory]
    [InlineData(0, 0.99, 0)]
    [InlineData(1, 0.5, 200)]
    [InlineData(2, 1.0, 800)]
    [InlineData(10, 1.0, 5000)]
    [InlineData(40, 0.5, 2500)]
    public void FullJitterDelay_IsRandomFractionOfCappedExponential(int retry, double random, int expectedMs)
    {
        var delay = CloudMapCallPipeline.FullJitterDelay(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), retry, () => random);

        var ceiling = Math.Min(5000, 200 * Math.Pow(2, retry));
        Assert.Equal(retry == 0 ? ceiling * random : expectedMs, delay.TotalMilliseconds, precision: 3);
    }
}
