// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using CloudMap.Lifecycle.Client.Pacing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// What every Cloud Map API call goes through, whatever the transport: one span, retries of the retryable failures
/// (exponential backoff with full jitter, throttling backed off from <see cref="ThrottlingBaseDelay"/>), a timeout per
/// attempt (cut to half of what is left of a caller's budget, see <see cref="CloudMapCallContext.LimitAttempts"/>), one count and one duration when it ends, and the client's retry and failure logs.
/// Between the retry and the timeout, <see cref="CloudMapPacingStrategy"/> paces the attempts (the endpoint's retry quota
/// and, in <see cref="CloudMapRetryMode.Adaptive"/> mode, its rate limiter, shared by the process's clients).
/// </summary>
/// <remarks>
/// A transport (<see cref="HttpCloudMapClient"/> today; an adapter over the official <c>IAmazonServiceDiscovery</c>
/// one day, with the SDK's own retries turned off) passes each API request through <c>ExecuteAsync</c> as one
/// attempt delegate that sends once and either returns the result or throws: a <see cref="CloudMapException"/> for
/// an answer that is an error (with its code and HTTP status, which <see cref="CloudMapRetryClassifier"/> reads), an
/// <see cref="HttpRequestException"/> or <see cref="IOException"/> when no answer came. So retries, telemetry and
/// logs stay the same for every transport.
/// </remarks>
internal sealed class CloudMapCallPipeline
{
    /// <summary>
    /// The smallest base delay after a throttled answer. A throttled control plane is shared by every instance of the
    /// fleet, so backing off from 1 s (as the AWS SDKs' standard retry mode does) rather than from the transient-error
    /// base keeps a herd of instances from turning throttling into a retry storm.
    /// </summary>
    internal static readonly TimeSpan ThrottlingBaseDelay = TimeSpan.FromSeconds(1);

    private static readonly ResiliencePropertyKey<CloudMapCallContext> CallKey = new("cloudmap.call");

    private readonly IOptions<CloudMapClientOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly CloudMapClientMetrics _metrics;
    private readonly CloudMapClientEnvironment _environment;
    private readonly ILogger<CloudMapCallPipeline> _logger;
    private readonly Lock _buildLock = new();
    private State? _state;

    /// <summary>Initializes a new instance of the <see cref="CloudMapCallPipeline"/> class. Options are read on the first call.</summary>
    public CloudMapCallPipeline(
        IOptions<CloudMapClientOptions> options,
        TimeProvider timeProvider,
        CloudMapClientMetrics metrics,
        CloudMapClientEnvironment environment,
        ILogger<CloudMapCallPipeline> logger)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _environment = environment ?? throw new ArgumentNullException(nameof(environment));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>
    /// Makes one Cloud Map API call: <paramref name="attempt"/> is invoked once per attempt, inside the call's span, with
    /// a token that ends at the attempt timeout or when <paramref name="cancellationToken"/> fires.
    /// </summary>
    /// <exception cref="CloudMapException">An error answer (after retries of the retryable ones), or code <see cref="CloudMapErrorCodes.RequestFailed"/> when no attempt got an answer.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public Task<TResult> ExecuteAsync<TState, TResult>(
        string operation,
        TState state,
        Func<TState, CloudMapCallContext, CancellationToken, ValueTask<TResult>> attempt,
        CancellationToken cancellationToken)
        => ExecuteAsync(CloudMapTelemetry.ServiceName, operation, state, attempt, cancellationToken);

    /// <summary>
    /// Makes one call of another AWS service (<paramref name="service"/>, the SDK service id such as <c>ECS</c> or
    /// <c>EC2</c>, used in the span name and the <c>rpc.service</c> tag) through the same retries, timeouts, telemetry
    /// and logs as the Cloud Map calls.
    /// </summary>
    /// <exception cref="CloudMapException">An error answer (after retries of the retryable ones), or code <see cref="CloudMapErrorCodes.RequestFailed"/> when no attempt got an answer.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public async Task<TResult> ExecuteAsync<TState, TResult>(
        string service,
        string operation,
        TState state,
        Func<TState, CloudMapCallContext, CancellationToken, ValueTask<TResult>> attempt,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentException.ThrowIfNullOrEmpty(operation);
        ArgumentNullException.ThrowIfNull(attempt);

        using var activity = StartActivity(service, operation);
        var call = new CloudMapCallContext(operation, activity) { Service = service };
        var started = _timeProvider.GetTimestamp();
        var outcome = CloudMapTelemetry.OutcomeError;
        string? errorType = null;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = await ExecuteWithRetriesAsync(call, state, attempt, cancellationToken).ConfigureAwait(false);
            outcome = CloudMapTelemetry.OutcomeSuccess;
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = CloudMapTelemetry.OutcomeCanceled;
            errorType = CloudMapTelemetry.ErrorTypeCanceled;
            activity?.SetStatus(ActivityStatusCode.Error, "Canceled");
            throw;
        }
        catch (CloudMapException ex)
        {
            errorType = ex.ErrorCode;
            if (call.LastStatusCode is null && ex.StatusCode is { } status)
            {
                call.SetAnswer(status, ex.RequestId);
            }

            activity?.SetStatus(ActivityStatusCode.Error, ex.ErrorCode);
            if (ex.ErrorCode != CloudMapErrorCodes.CredentialsUnavailable)
            {
                // Missing credentials are logged where they are looked for (event 2011), once per look, not once per call.
                CloudMapClientLog.CallFailed(_logger, operation, ex.ErrorCode, ex.StatusCode is { } code ? (int)code : null, ex.RequestId, ex.Message);
            }

            throw;
        }
        catch (Exception ex)
        {
            errorType = ex.GetType().Name;
            activity?.SetStatus(ActivityStatusCode.Error, errorType);
            throw;
        }
        finally
        {
            call.Complete(outcome, errorType);
            _metrics.RecordCall(service, operation, outcome, errorType, _timeProvider.GetElapsedTime(started));
        }
    }

    /// <summary>
    /// Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): a uniform random delay in
    /// [0, min(maxDelay, baseDelay × 2^retry)).
    /// </summary>
    internal static TimeSpan FullJitterDelay(TimeSpan baseDelay, TimeSpan maxDelay, int retry, Func<double> nextRandom)
    {
        var ceiling = Math.Min(maxDelay.Ticks, baseDelay.Ticks * Math.Pow(2, Math.Min(retry, 30)));
        var random = Math.Clamp(nextRandom(), 0d, 1d);
        return TimeSpan.FromTicks((long)(ceiling * random));
    }

    private static Activity? StartActivity(string service, string operation)
    {
        var activity = CloudMapTelemetry.ActivitySource.StartActivity(service + "." + operation, ActivityKind.Client);
        activity?.SetTag(CloudMapTelemetry.RpcSystemTag, CloudMapTelemetry.RpcSystemAwsApi);
        activity?.SetTag(CloudMapTelemetry.RpcServiceTag, service);
        activity?.SetTag(CloudMapTelemetry.RpcMethodTag, operation);
        return activity;
    }

    private static string ErrorTypeOf(Exception failure)
        => failure switch
        {
            CloudMapException answer => answer.ErrorCode,
            TimeoutRejectedException => CloudMapTelemetry.ErrorTypeAttemptTimeout,
            _ => failure.GetType().Name,
        };

    private static string Describe(Exception failure)
        => failure switch
        {
            TimeoutRejectedException => "attempt timed out",
            CloudMapException { StatusCode: { } status } answer => string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)status} {answer.ErrorCode}"),
            CloudMapException answer => answer.ErrorCode,
            _ => failure.GetType().Name,
        };

    private async Task<TResult> ExecuteWithRetriesAsync<TState, TResult>(
        CloudMapCallContext call,
        TState state,
        Func<TState, CloudMapCallContext, CancellationToken, ValueTask<TResult>> attempt,
        CancellationToken cancellationToken)
    {
        var pipeline = GetState();
        var context = ResilienceContextPool.Shared.Get(call.Operation, cancellationToken);
        context.Properties.Set(CallKey, call);
        try
        {
            return await pipeline.Pipeline.ExecuteAsync(
                static (ctx, s) =>
                {
                    s.Call.StartAttempt();
                    return s.Attempt(s.State, s.Call, ctx.CancellationToken);
                },
                context,
                (Call: call, State: state, Attempt: attempt)).ConfigureAwait(false);
        }
        catch (Exception ex) when (CloudMapRetryClassifier.IsTransportFailure(ex, cancellationToken))
        {
            var reason = ex is TimeoutRejectedException ? $"no answer within {call.AttemptTimeout}" : ex.Message;
            throw new CloudMapException(
                CloudMapErrorCodes.RequestFailed,
                $"{call.DisplayService} {call.Operation} to {call.ServerHost ?? "its endpoint"} failed after {call.Attempt} attempt(s): {reason}",
                statusCode: null,
                requestId: null,
                ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Gets a value indicating whether a call to this client's endpoint has been throttled in this process (<see cref="CloudMapPacing.HasBeenThrottled"/>).</summary>
    public bool HasBeenThrottled => GetState().Pacing.HasBeenThrottled;

    /// <summary>Whether a call to this client's endpoint was throttled less than <paramref name="window"/> ago (<see cref="CloudMapPacing.ThrottledWithin"/>).</summary>
    public bool ThrottledWithin(TimeSpan window) => GetState().Pacing.ThrottledWithin(window);

    private State GetState()
    {
        if (Volatile.Read(ref _state) is { } state)
        {
            return state;
        }

        lock (_buildLock)
        {
            if (_state is null)
            {
                var options = _options.Value;
                var pacing = CloudMapPacing.For(_timeProvider, PacingKey(options), _environment.NextRandom);
                Volatile.Write(ref _state, new State(options, Build(options, pacing), pacing));
            }

            return _state!;
        }
    }

    private ResiliencePipeline Build(CloudMapClientOptions options, CloudMapPacing endpointPacing)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = _timeProvider };
        var pacing = new CloudMapPacingStrategy(
            endpointPacing,
            options.RetryMode,
            static ctx => MaxPacingWait(ctx.Properties.GetValue(CallKey, null!)),
            static ctx => ctx.Properties.GetValue(CallKey, null!) is var call ? CloudMapCallPriorities.Of(call.Service, call.Operation, call.IsBudgeted) : CloudMapCallPriority.Normal);
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                // The quota is asked only when a retry would follow: Polly also asks after the last attempt.
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } failure && CloudMapRetryClassifier.IsRetryable(failure, args.Context.CancellationToken)
                    && args.AttemptNumber < options.MaxAttempts - 1 && pacing.ShouldRetry(args.Context, failure)),
                DelayGenerator = args =>
                {
                    var (baseDelay, maxDelay) = args.Outcome.Exception is { } failure && CloudMapRetryClassifier.IsThrottling(failure)
                        ? (Max(options.BaseDelay, ThrottlingBaseDelay), Max(options.MaxDelay, ThrottlingBaseDelay))
                        : (options.BaseDelay, options.MaxDelay);
                    return ValueTask.FromResult<TimeSpan?>(FullJitterDelay(baseDelay, maxDelay, args.AttemptNumber, _environment.NextRandom));
                },
                OnRetry = args =>
                {
                    var failure = args.Outcome.Exception!;
                    var call = args.Context.Properties.GetValue(CallKey, null!);
                    var errorType = ErrorTypeOf(failure);
                    call.AddRetryEvent(errorType, args.RetryDelay);
                    _metrics.RecordRetry(call.Service, call.Operation, errorType);
                    if (_logger.IsEnabled(LogLevel.Information))
                    {
#pragma warning disable CA1873 // Guarded by IsEnabled just above; the analyzer does not see the guard.
                        CloudMapClientLog.Retrying(_logger, call.Operation, args.AttemptNumber + 1, Describe(failure), args.RetryDelay);
#pragma warning restore CA1873
                    }

                    return ValueTask.CompletedTask;
                },
            });
        }

        builder.AddStrategy(_ => pacing);

        // Always present, even without a configured attempt timeout: a caller's budget (CloudMapCallContext.LimitAttempts,
        // the deregistration at stop) cuts each attempt to half of what is left, so one hung answer cannot spend it all.
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => ValueTask.FromResult(
                args.Context.Properties.GetValue(CallKey, null!).StartAttemptTimeout(options.AttemptTimeout)),
        });

        return builder.Build();
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>
    /// How long pacing may hold an attempt back: without a caller's budget as long as the bucket says; within one (the
    /// deregistration at stop) half of the attempt timeout the budget would give, a quarter of what is left, so the
    /// attempt still gets at least three eighths of the budget left and a retry fits after it.
    /// </summary>
    private static TimeSpan MaxPacingWait(CloudMapCallContext call)
    {
        // Asking for the attempt timeout of an unlimited client tells whether a budget applies (the timeout step asks again).
        var budgeted = call.StartAttemptTimeout(Timeout.InfiniteTimeSpan);
        return budgeted == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : budgeted / 2;
    }

    private string PacingKey(CloudMapClientOptions options)
    {
        string endpoint;
        try
        {
            var resolved = CloudMapEndpoint.Resolve(options, _environment);
            endpoint = resolved.Region + " " + resolved.ControlPlane.AbsoluteUri;
        }
        catch (InvalidOperationException)
        {
            // The transport fails every call with the same error; those calls share one pace.
            endpoint = "unresolved";
        }

        return options.PacingScope is { } scope ? endpoint + " " + scope : endpoint;
    }

    private sealed record State(CloudMapClientOptions Options, ResiliencePipeline Pipeline, CloudMapPacing Pacing);
}
