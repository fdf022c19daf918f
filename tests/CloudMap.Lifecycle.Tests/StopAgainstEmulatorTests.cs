// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace CloudMap.Lifecycle.Tests;

/// <summary>
/// The stop path through the real client and call pipeline against the emulator (issue 9 items 2 and 6): a hung answer
/// costs at most half of the budget left, and an applied deregistration whose answer was lost is recognised.
/// </summary>
public sealed class StopAgainstEmulatorTests
{
    private static readonly TimeSpan Budget = CloudMapShutdownOptions.DefaultDeregistrationTimeout;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("GetInstance")]
    [InlineData("DeregisterInstance")]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task StoppingAsync_FirstAnswerHangs_SecondAttemptDeregistersWithinTheBudget(string operation)
    {
        var handler = new FirstRequestFaultHandler(operation, loseAnswer: false);
        await using var h = await EmulatedHost.CreateAsync(configureServices: services =>
            services.AddHttpClient(HttpCloudMapClient.HttpClientName).AddHttpMessageHandler(() => handler));
        await h.StartRegisteredAsync();
        var stopped = h.Time.GetUtcNow();

        var stopping = h.Host.StopAsync(Ct);

        // The first request never gets an answer; its attempt is cut to half of the budget (not the 10 s attempt timeout).
        await handler.Faulted.WaitAsync(FakeClockDriver.DefaultGuard, Ct);
        await h.Time.WaitUntilParkedAsync(timers: 2, Ct); // the budget and the hung attempt's timeout
        h.Time.Advance(Budget / 2 - TimeSpan.FromMilliseconds(1));
        Assert.False(h.Logs.Collector.HasEvent("CloudMapRetrying"));
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        await h.Logs.WaitForEventAsync("CloudMapRetrying", cancellationToken: Ct);

        // The retry's backoff (under 200 ms), then the second attempt is answered at once.
        await h.Time.WaitUntilParkedAsync(timers: 2, Ct);
        h.Time.Advance(CloudMapClientOptions.DefaultBaseDelay);
        await h.Logs.WaitForEventAsync("Deregistered", cancellationToken: Ct);
        await h.Logs.WaitForEventAsync("Draining", cancellationToken: Ct);
        await h.Time.StepAsync(CloudMapShutdownOptions.DefaultDrainDelay, cancellationToken: Ct);
        await stopping.WaitAsync(FakeClockDriver.DefaultGuard, Ct);

        Assert.InRange(h.LoggedAt("Deregistered") - stopped, Budget / 2, Budget / 2 + CloudMapClientOptions.DefaultBaseDelay);
        Assert.Null(h.Emulator.FindInstance(h.ServiceId, EmulatedHost.InstanceId));
        Assert.False(h.Logs.Collector.HasEvent("DeregistrationFailed"));
        Assert.Empty(h.ExitCodes);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G3)]
    public async Task StoppingAsync_DeregisterAppliedButAnswerLost_RetryFindsItGoneAndThatIsSuccess()
    {
        var handler = new FirstRequestFaultHandler("DeregisterInstance", loseAnswer: true);
        await using var h = await EmulatedHost.CreateAsync(configureServices: services =>
            services.AddHttpClient(HttpCloudMapClient.HttpClientName).AddHttpMessageHandler(() => handler));
        await h.StartRegisteredAsync();

        var stopping = h.Host.StopAsync(Ct);

        // The client retries the lost answer after its backoff; Cloud Map then answers InstanceNotFound.
        await h.Logs.WaitForEventAsync("CloudMapRetrying", cancellationToken: Ct);
        await h.Time.WaitUntilParkedAsync(timers: 2, Ct);
        h.Time.Advance(CloudMapClientOptions.DefaultBaseDelay);
        await h.Logs.WaitForEventAsync("Deregistered", cancellationToken: Ct);
        await h.Logs.WaitForEventAsync("Draining", cancellationToken: Ct);
        await h.Time.StepAsync(CloudMapShutdownOptions.DefaultDrainDelay, cancellationToken: Ct);
        await stopping.WaitAsync(FakeClockDriver.DefaultGuard, Ct);

        Assert.True(handler.Faulted.IsCompleted);
        Assert.True(h.Logs.Collector.HasEvent("DeregisteredAnswerLost"));
        Assert.False(h.Logs.Collector.HasEvent("DeregistrationFailed"));
        Assert.False(h.Logs.Collector.HasEvent("DeregistrationAttemptFailed"));
        Assert.Null(h.Emulator.FindInstance(h.ServiceId, EmulatedHost.InstanceId));
        Assert.Empty(h.ExitCodes);
    }

    /// <summary>
    /// Faults the first request of one operation between the client and Cloud Map: it either never gets an answer (hung)
    /// or reaches Cloud Map and loses its answer (the connection dropped after the server applied it).
    /// </summary>
    private sealed class FirstRequestFaultHandler(string operation, bool loseAnswer) : DelegatingHandler
    {
        private readonly TaskCompletionSource _faulted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _seen;

        /// <summary>Gets a task that completes when the fault was injected.</summary>
        public Task Faulted => _faulted.Task;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var isTarget = request.Headers.TryGetValues("X-Amz-Target", out var target) && target.Single().EndsWith("." + operation, StringComparison.Ordinal);
            if (!isTarget || Interlocked.Increment(ref _seen) > 1)
            {
                return await base.SendAsync(request, cancellationToken);
            }

            if (!loseAnswer)
            {
                _faulted.TrySetResult();
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken); // only the client giving up ends it
            }

            var response = await base.SendAsync(request, cancellationToken);
            response.Dispose();
            _faulted.TrySetResult();
            throw new HttpRequestException("The connection was reset after the request was sent (injected).");
        }
    }
}
