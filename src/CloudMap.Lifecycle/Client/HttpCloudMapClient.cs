// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// <see cref="ICloudMapClient"/> over HttpClient, speaking AWS JSON 1.1 with SigV4, retries (Polly, exponential
/// backoff with full jitter, per-attempt timeout) and telemetry.
/// </summary>
internal sealed partial class HttpCloudMapClient : ICloudMapClient
{
    /// <summary>The name of the HttpClient this client asks <see cref="IHttpClientFactory"/> for.</summary>
    public const string HttpClientName = "CloudMap.Lifecycle.Client";

    private const int MaxPages = 10_000;
    private const int MaxErrorSnippet = 200;

    private static readonly ResiliencePropertyKey<string> OperationKey = new("cloudmap.operation");
    private static readonly ResiliencePropertyKey<int> AttemptsKey = new("cloudmap.attempts");
    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly IOptions<CloudMapClientOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly CloudMapClientMetrics _metrics;
    private readonly CloudMapClientEnvironment _environment;
    private readonly ILogger<HttpCloudMapClient> _logger;
    private readonly Lock _stateLock = new();
    private ClientState? _state;

    /// <summary>Initializes a new instance of the <see cref="HttpCloudMapClient"/> class. Nothing is resolved until the first call.</summary>
    public HttpCloudMapClient(
        IHttpClientFactory httpClientFactory,
        IOptions<CloudMapClientOptions> options,
        TimeProvider timeProvider,
        CloudMapClientMetrics metrics,
        CloudMapClientEnvironment environment,
        ILogger<HttpCloudMapClient> logger)
    {
        _httpClientFactory = httpClientFactory ?? throw new ArgumentNullException(nameof(httpClientFactory));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _environment = environment ?? throw new ArgumentNullException(nameof(environment));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>
    /// Gets the endpoint (region and URIs), resolving it on first use.
    /// </summary>
    /// <exception cref="InvalidOperationException">No region is configured; the message names every place looked.</exception>
    public CloudMapEndpoint Endpoint => GetState().Endpoint;

    /// <inheritdoc />
    public async Task<string> RegisterInstanceAsync(CloudMapInstanceRegistration request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var wire = new RegisterInstanceWireRequest(request.ServiceId, request.InstanceId, request.Attributes, request.CreatorRequestId);
        var response = await InvokeAsync("RegisterInstance", wire, CloudMapJsonContext.Default.RegisterInstanceWireRequest, CloudMapJsonContext.Default.OperationIdWireResponse, dataPlane: false, cancellationToken).ConfigureAwait(false);
        return Required(response.Body.OperationId, "OperationId", response);
    }

    /// <inheritdoc />
    public async Task<string> DeregisterInstanceAsync(string serviceId, string instanceId, CancellationToken cancellationToken)
    {
        var wire = new InstanceKeyWireRequest(serviceId, instanceId);
        var response = await InvokeAsync("DeregisterInstance", wire, CloudMapJsonContext.Default.InstanceKeyWireRequest, CloudMapJsonContext.Default.OperationIdWireResponse, dataPlane: false, cancellationToken).ConfigureAwait(false);
        return Required(response.Body.OperationId, "OperationId", response);
    }

    /// <inheritdoc />
    public async Task UpdateInstanceCustomHealthStatusAsync(string serviceId, string instanceId, CloudMapHealthStatus status, CancellationToken cancellationToken)
    {
        var wire = new UpdateHealthWireRequest(serviceId, instanceId, status == CloudMapHealthStatus.Healthy ? "HEALTHY" : "UNHEALTHY");
        await InvokeAsync("UpdateInstanceCustomHealthStatus", wire, CloudMapJsonContext.Default.UpdateHealthWireRequest, CloudMapJsonContext.Default.EmptyWireResponse, dataPlane: false, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<CloudMapOperation> GetOperationAsync(string operationId, CancellationToken cancellationToken)
    {
        var response = await InvokeAsync("GetOperation", new OperationIdWireRequest(operationId), CloudMapJsonContext.Default.OperationIdWireRequest, CloudMapJsonContext.Default.GetOperationWireResponse, dataPlane: false, cancellationToken).ConfigureAwait(false);
        var operation = Required(response.Body.Operation, "Operation", response);
        var status = operation.Status switch
        {
            "SUBMITTED" => CloudMapOperationStatus.Submitted,
            "PENDING" => CloudMapOperationStatus.Pending,
            "SUCCESS" => CloudMapOperationStatus.Success,
            "FAIL" => CloudMapOperationStatus.Fail,
            _ => throw Malformed(response, $"Operation.Status '{operation.Status}' is not SUBMITTED, PENDING, SUCCESS or FAIL."),
        };
        return new CloudMapOperation(
            Required(operation.Id, "Operation.Id", response),
            operation.Type,
            status,
            operation.ErrorCode,
            operation.ErrorMessage,
            FromEpochSeconds(operation.CreateDate),
            FromEpochSeconds(operation.UpdateDate),
            operation.Targets ?? []);
    }

    /// <inheritdoc />
    public async Task<CloudMapService> GetServiceAsync(string serviceIdOrArn, CancellationToken cancellationToken)
    {
        var response = await InvokeAsync("GetService", new IdWireRequest(serviceIdOrArn), CloudMapJsonContext.Default.IdWireRequest, CloudMapJsonContext.Default.GetServiceWireResponse, dataPlane: false, cancellationToken).ConfigureAwait(false);
        var service = Required(response.Body.Service, "Service", response);
        var kind = IsPresent(service.HealthCheckCustomConfig) ? ServiceHealthCheckKind.Custom
            : IsPresent(service.HealthCheckConfig) ? ServiceHealthCheckKind.Route53
            : ServiceHealthCheckKind.None;
        return new CloudMapService(
            Required(service.Id, "Service.Id", response),
            service.Arn,
            Required(service.Name, "Service.Name", response),
            service.NamespaceId,
            service.Type,
            kind,
            service.InstanceCount);
    }

    /// <inheritdoc />
    public async Task<CloudMapInstance> GetInstanceAsync(string serviceId, string instanceId, CancellationToken cancellationToken)
    {
        var response = await InvokeAsync("GetInstance", new InstanceKeyWireRequest(serviceId, instanceId), CloudMapJsonContext.Default.InstanceKeyWireRequest, CloudMapJsonContext.Default.GetInstanceWireResponse, dataPlane: false, cancellationToken).ConfigureAwait(false);
        return ToInstance(Required(response.Body.Instance, "Instance", response), response);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CloudMapInstance>> ListInstancesAsync(string serviceId, CancellationToken cancellationToken)
    {
        var instances = new List<CloudMapInstance>();
        await PageAsync(
            "ListInstances",
            token => new ListInstancesWireRequest(serviceId, token),
            CloudMapJsonContext.Default.ListInstancesWireRequest,
            CloudMapJsonContext.Default.ListInstancesWireResponse,
            response =>
            {
                foreach (var instance in response.Body.Instances ?? [])
                {
                    instances.Add(ToInstance(instance, response));
                }

                return response.Body.NextToken;
            },
            cancellationToken).ConfigureAwait(false);
        return instances;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, string>> GetInstancesHealthStatusAsync(string serviceId, IReadOnlyList<string>? instanceIds, CancellationToken cancellationToken)
    {
        var statuses = new Dictionary<string, string>(StringComparer.Ordinal);
        await PageAsync(
            "GetInstancesHealthStatus",
            token => new GetInstancesHealthStatusWireRequest(serviceId, instanceIds is { Count: > 0 } ? instanceIds : null, token),
            CloudMapJsonContext.Default.GetInstancesHealthStatusWireRequest,
            CloudMapJsonContext.Default.GetInstancesHealthStatusWireResponse,
            response =>
            {
                foreach (var (id, status) in response.Body.Status ?? [])
                {
                    statuses[id] = status;
                }

                return response.Body.NextToken;
            },
            cancellationToken).ConfigureAwait(false);
        return statuses;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CloudMapNamespaceSummary>> ListNamespacesAsync(CancellationToken cancellationToken)
    {
        var namespaces = new List<CloudMapNamespaceSummary>();
        await PageAsync(
            "ListNamespaces",
            token => new ListNamespacesWireRequest(token),
            CloudMapJsonContext.Default.ListNamespacesWireRequest,
            CloudMapJsonContext.Default.ListNamespacesWireResponse,
            response =>
            {
                foreach (var ns in response.Body.Namespaces ?? [])
                {
                    namespaces.Add(new CloudMapNamespaceSummary(
                        Required(ns.Id, "Namespaces[].Id", response),
                        ns.Arn,
                        Required(ns.Name, "Namespaces[].Name", response),
                        ns.Type,
                        ns.Properties?.HttpProperties?.HttpName));
                }

                return response.Body.NextToken;
            },
            cancellationToken).ConfigureAwait(false);
        return namespaces;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CloudMapServiceSummary>> ListServicesAsync(string? namespaceId, CancellationToken cancellationToken)
    {
        IReadOnlyList<ServiceFilterWire>? filters = string.IsNullOrEmpty(namespaceId) ? null : [new ServiceFilterWire("NAMESPACE_ID", [namespaceId], "EQ")];
        var services = new List<CloudMapServiceSummary>();
        await PageAsync(
            "ListServices",
            token => new ListServicesWireRequest(token, filters),
            CloudMapJsonContext.Default.ListServicesWireRequest,
            CloudMapJsonContext.Default.ListServicesWireResponse,
            response =>
            {
                foreach (var service in response.Body.Services ?? [])
                {
                    services.Add(new CloudMapServiceSummary(
                        Required(service.Id, "Services[].Id", response),
                        service.Arn,
                        Required(service.Name, "Services[].Name", response),
                        service.NamespaceId));
                }

                return response.Body.NextToken;
            },
            cancellationToken).ConfigureAwait(false);
        return services;
    }

    /// <inheritdoc />
    public async Task<CloudMapDiscoveryResult> DiscoverInstancesAsync(CloudMapDiscoveryQuery request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var wire = new DiscoverInstancesWireRequest(request.NamespaceName, request.ServiceName, request.HealthStatus, request.MaxResults, request.QueryParameters, request.OptionalParameters);
        var response = await InvokeAsync("DiscoverInstances", wire, CloudMapJsonContext.Default.DiscoverInstancesWireRequest, CloudMapJsonContext.Default.DiscoverInstancesWireResponse, dataPlane: true, cancellationToken).ConfigureAwait(false);
        var instances = (response.Body.Instances ?? [])
            .Select(i => new CloudMapDiscoveredInstance(
                Required(i.InstanceId, "Instances[].InstanceId", response),
                i.NamespaceName,
                i.ServiceName,
                i.HealthStatus,
                i.Attributes ?? []))
            .ToList();
        return new CloudMapDiscoveryResult(instances, response.Body.InstancesRevision);
    }

    /// <inheritdoc />
    public async Task<long> DiscoverInstancesRevisionAsync(string namespaceName, string serviceName, CancellationToken cancellationToken)
    {
        var response = await InvokeAsync("DiscoverInstancesRevision", new NamespaceServiceWireRequest(namespaceName, serviceName), CloudMapJsonContext.Default.NamespaceServiceWireRequest, CloudMapJsonContext.Default.DiscoverInstancesRevisionWireResponse, dataPlane: true, cancellationToken).ConfigureAwait(false);
        return response.Body.InstancesRevision ?? throw Malformed(response, "InstancesRevision is missing.");
    }

    private static bool IsPresent(JsonElement? element) => element is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined };

    private static DateTimeOffset? FromEpochSeconds(double? seconds)
        => seconds is { } s && double.IsFinite(s) && Math.Abs(s) < 1e11 ? DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(s * 1000)) : null;

    private static CloudMapInstance ToInstance<T>(InstanceWire instance, WireResponse<T> response)
        => new(Required(instance.Id, "Instance.Id", response), instance.Attributes ?? [], instance.CreatorRequestId);

    private static TValue Required<TValue, T>(TValue? value, string member, WireResponse<T> response)
        where TValue : class
        => value ?? throw Malformed(response, $"The required member '{member}' is missing.");

    private static CloudMapException Malformed<T>(WireResponse<T> response, string detail)
        => new(CloudMapErrorCodes.MalformedResponse, $"Cloud Map {response.Operation} answered with an unexpected shape: {detail}", response.StatusCode, response.RequestId);

    private static string Snippet(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, MaxErrorSnippet * 4));
        text = text.Length > MaxErrorSnippet ? text[..MaxErrorSnippet] + "…" : text;
        return text.ReplaceLineEndings(" ");
    }

    private async Task PageAsync<TRequest, TResponse>(
        string operation,
        Func<string?, TRequest> createRequest,
        JsonTypeInfo<TRequest> requestInfo,
        JsonTypeInfo<TResponse> responseInfo,
        Func<WireResponse<TResponse>, string?> consumePage,
        CancellationToken cancellationToken)
        where TResponse : class
    {
        string? token = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var page = 0; page < MaxPages; page++)
        {
            // Cloud Map filters after paging, so an empty page may still carry a NextToken: follow it.
            var response = await InvokeAsync(operation, createRequest(token), requestInfo, responseInfo, dataPlane: false, cancellationToken).ConfigureAwait(false);
            token = consumePage(response);
            if (string.IsNullOrEmpty(token))
            {
                return;
            }

            if (!seen.Add(token))
            {
                throw Malformed(response, $"NextToken '{token}' was returned twice; paging would never end.");
            }
        }

        throw new CloudMapException(CloudMapErrorCodes.MalformedResponse, $"Cloud Map {operation} returned more than {MaxPages} pages.", statusCode: null, requestId: null);
    }

    private async Task<WireResponse<TResponse>> InvokeAsync<TRequest, TResponse>(
        string operation,
        TRequest request,
        JsonTypeInfo<TRequest> requestInfo,
        JsonTypeInfo<TResponse> responseInfo,
        bool dataPlane,
        CancellationToken cancellationToken)
        where TResponse : class
    {
        using var activity = CloudMapTelemetry.ActivitySource.StartActivity($"CloudMap {operation}", ActivityKind.Client);
        activity?.SetTag(CloudMapTelemetry.OperationTag, operation);
        activity?.SetTag("rpc.system", "aws-api");
        activity?.SetTag("rpc.service", "ServiceDiscovery");
        activity?.SetTag("rpc.method", operation);
        var started = _timeProvider.GetTimestamp();
        var outcome = CloudMapTelemetry.OutcomeError;
        string? errorCode = null;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var state = GetState();
            var payload = JsonSerializer.SerializeToUtf8Bytes(request, requestInfo);
            var credentials = await _environment.GetCredentialsAsync(state.Options.Profile, cancellationToken).ConfigureAwait(false);
            var attempt = await ExecuteWithRetriesAsync(state, operation, dataPlane ? state.Endpoint.DataPlane : state.Endpoint.ControlPlane, payload, credentials, cancellationToken).ConfigureAwait(false);
            activity?.SetTag(CloudMapTelemetry.RequestIdTag, attempt.RequestId);
            var response = ToResponse(operation, attempt, responseInfo);
            outcome = CloudMapTelemetry.OutcomeSuccess;
            return response;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = CloudMapTelemetry.OutcomeCanceled;
            activity?.SetStatus(ActivityStatusCode.Error, "Canceled");
            throw;
        }
        catch (CloudMapException ex)
        {
            errorCode = ex.ErrorCode;
            activity?.SetTag(CloudMapTelemetry.ErrorTypeTag, ex.ErrorCode);
            activity?.SetStatus(ActivityStatusCode.Error, ex.ErrorCode);
            LogCallFailed(operation, ex.ErrorCode, ex.StatusCode is { } status ? (int)status : null, ex.RequestId, ex.Message);
            throw;
        }
        catch (Exception ex)
        {
            errorCode = ex.GetType().Name;
            activity?.SetTag(CloudMapTelemetry.ErrorTypeTag, errorCode);
            activity?.SetStatus(ActivityStatusCode.Error, errorCode);
            throw;
        }
        finally
        {
            activity?.SetTag(CloudMapTelemetry.OutcomeTag, outcome);
            _metrics.RecordCall(operation, outcome, errorCode, _timeProvider.GetElapsedTime(started));
        }
    }

    private async Task<AttemptResult> ExecuteWithRetriesAsync(ClientState state, string operation, Uri uri, byte[] payload, AWSCredentials credentials, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        context.Properties.Set(OperationKey, operation);
        context.Properties.Set(AttemptsKey, 0);
        try
        {
            return await state.Pipeline.ExecuteAsync(
                static (ctx, s) =>
                {
                    ctx.Properties.Set(AttemptsKey, ctx.Properties.GetValue(AttemptsKey, 0) + 1);
                    return s.Client.SendOnceAsync(s.State, s.Operation, s.Uri, s.Payload, s.Credentials, ctx.CancellationToken);
                },
                context,
                (Client: this, State: state, Operation: operation, Uri: uri, Payload: payload, Credentials: credentials)).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportFailure(ex, cancellationToken))
        {
            var attempts = context.Properties.GetValue(AttemptsKey, 1);
            var reason = ex is TimeoutRejectedException ? $"no answer within {state.Options.AttemptTimeout}" : ex.Message;
            throw new CloudMapException(
                CloudMapErrorCodes.RequestFailed,
                $"Cloud Map {operation} to {uri.Host} failed after {attempts} attempt(s): {reason}",
                statusCode: null,
                requestId: null,
                ex);
        }
        catch (AmazonClientException ex)
        {
            // Refreshing credentials (assume-role, SSO, instance profile) failed while signing.
            throw new CloudMapException(CloudMapErrorCodes.CredentialsUnavailable, "AWS credentials could not be refreshed for Cloud Map: " + ex.Message, statusCode: null, requestId: null, ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask<AttemptResult> SendOnceAsync(ClientState state, string operation, Uri uri, byte[] payload, AWSCredentials credentials, CancellationToken cancellationToken)
    {
        using var request = CloudMapRequestSigner.CreateRequest(uri, operation, payload);
        await CloudMapRequestSigner.SignAsync(request, payload, credentials, state.Endpoint.Region, _timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);

        var client = _httpClientFactory.CreateClient(HttpClientName);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var requestId = Header(response, "x-amzn-RequestId");
        CloudMapErrorInfo? error = null;
        if (!response.IsSuccessStatusCode)
        {
            error = CloudMapErrorParser.Parse(body, Header(response, "X-Amzn-ErrorType"));
        }

        return new AttemptResult(response.StatusCode, body, requestId, error);

        static string? Header(HttpResponseMessage response, string name)
            => response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
    }

    private static bool IsTransportFailure(Exception ex, CancellationToken callerToken)
        => ex switch
        {
            TimeoutRejectedException => true,
            OperationCanceledException => false,
            HttpRequestException or IOException => !callerToken.IsCancellationRequested,
            _ => false,
        };

    private static WireResponse<TResponse> ToResponse<TResponse>(string operation, AttemptResult attempt, JsonTypeInfo<TResponse> responseInfo)
        where TResponse : class
    {
        if (attempt.Error is { } error)
        {
            if (!error.BodyWasJson && error.Code == CloudMapErrorCodes.Unknown)
            {
                throw new CloudMapException(
                    CloudMapErrorCodes.MalformedResponse,
                    $"Cloud Map {operation} answered HTTP {(int)attempt.StatusCode} with a body that is not an AWS JSON error: '{Snippet(attempt.Body)}'.",
                    attempt.StatusCode,
                    attempt.RequestId);
            }

            var message = error.Message.Length > 0 ? error.Message : $"Cloud Map {operation} failed with {error.Code} (HTTP {(int)attempt.StatusCode}).";
            throw new CloudMapException(error.Code, message, attempt.StatusCode, attempt.RequestId)
            {
                DuplicateOperationId = error.DuplicateOperationId,
            };
        }

        TResponse? body;
        try
        {
            body = JsonSerializer.Deserialize(attempt.Body.Length == 0 ? EmptyObject : attempt.Body, responseInfo);
        }
        catch (JsonException ex)
        {
            throw new CloudMapException(
                CloudMapErrorCodes.MalformedResponse,
                $"Cloud Map {operation} answered HTTP {(int)attempt.StatusCode} with a body that is not the expected JSON ({ex.Message}): '{Snippet(attempt.Body)}'.",
                attempt.StatusCode,
                attempt.RequestId,
                ex);
        }

        return body is null
            ? throw new CloudMapException(CloudMapErrorCodes.MalformedResponse, $"Cloud Map {operation} answered HTTP {(int)attempt.StatusCode} with a JSON null body.", attempt.StatusCode, attempt.RequestId)
            : new WireResponse<TResponse>(operation, body, attempt.StatusCode, attempt.RequestId);
    }

    private ClientState GetState()
    {
        if (Volatile.Read(ref _state) is { } state)
        {
            return state;
        }

        lock (_stateLock)
        {
            if (_state is not null)
            {
                return _state;
            }

            var options = _options.Value;
            var profile = CloudMapRegionResolver.ResolveProfileName(options.Profile, _environment.GetEnvironmentVariable);
            var region = CloudMapRegionResolver.Resolve(options.Region, profile, _environment.GetEnvironmentVariable, _environment.GetProfileRegion);
            var endpoint = CloudMapEndpoint.Create(region, options.ServiceUrl, options.DisableHostPrefixInjection);
            LogEndpointResolved(region, endpoint.ControlPlane, endpoint.DataPlane);
            state = new ClientState(options, endpoint, BuildPipeline(options));
            Volatile.Write(ref _state, state);
            return state;
        }
    }

    private ResiliencePipeline<AttemptResult> BuildPipeline(CloudMapClientOptions options)
    {
        var builder = new ResiliencePipelineBuilder<AttemptResult> { TimeProvider = _timeProvider };
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<AttemptResult>
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                ShouldHandle = static args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context.CancellationToken)),
                DelayGenerator = args =>
                {
                    var (baseDelay, maxDelay) = IsThrottled(args.Outcome)
                        ? (Max(options.BaseDelay, ThrottlingBaseDelay), Max(options.MaxDelay, ThrottlingBaseDelay))
                        : (options.BaseDelay, options.MaxDelay);
                    return ValueTask.FromResult<TimeSpan?>(FullJitterDelay(baseDelay, maxDelay, args.AttemptNumber, _environment.NextRandom));
                },
                OnRetry = args =>
                {
                    var operation = args.Context.Properties.GetValue(OperationKey, "Unknown");
                    _metrics.RecordRetry(operation);
                    if (_logger.IsEnabled(LogLevel.Information))
                    {
#pragma warning disable CA1873 // Guarded by IsEnabled just above; the analyzer does not see the guard.
                        LogRetrying(operation, args.AttemptNumber + 1, DescribeOutcome(args.Outcome), args.RetryDelay);
#pragma warning restore CA1873
                    }

                    return ValueTask.CompletedTask;
                },
            });
        }

        if (options.AttemptTimeout != Timeout.InfiniteTimeSpan)
        {
            builder.AddTimeout(options.AttemptTimeout);
        }

        return builder.Build();
    }

    /// <summary>
    /// The smallest base delay after a throttled answer. A throttled control plane is shared by every instance of the
    /// fleet, so backing off from 1 s (as the AWS SDKs' standard retry mode does) rather than from the transient-error
    /// base keeps a herd of instances from turning throttling into a retry storm.
    /// </summary>
    internal static readonly TimeSpan ThrottlingBaseDelay = TimeSpan.FromSeconds(1);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static bool IsThrottled(Outcome<AttemptResult> outcome) =>
        outcome.Result?.Error is { } error && CloudMapRetryClassifier.IsThrottlingErrorCode(error.Code);

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

    private static bool ShouldRetry(Outcome<AttemptResult> outcome, CancellationToken token)
    {
        if (outcome.Exception is { } ex)
        {
            return IsTransportFailure(ex, token);
        }

        var result = outcome.Result!;
        return result.Error is { } error
            && (CloudMapRetryClassifier.IsRetryableStatus(result.StatusCode) || CloudMapRetryClassifier.IsRetryableErrorCode(error.Code));
    }

    private static string DescribeOutcome(Outcome<AttemptResult> outcome)
        => outcome.Exception is { } ex
            ? ex is TimeoutRejectedException ? "attempt timed out" : ex.GetType().Name
            : string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)outcome.Result!.StatusCode} {outcome.Result.Error?.Code}");

    private sealed record ClientState(CloudMapClientOptions Options, CloudMapEndpoint Endpoint, ResiliencePipeline<AttemptResult> Pipeline);

    private sealed record WireResponse<T>(string Operation, T Body, HttpStatusCode StatusCode, string? RequestId);
}

/// <summary>One HTTP answer, fully read, with its error parsed when it is not a success.</summary>
internal sealed record AttemptResult(HttpStatusCode StatusCode, byte[] Body, string? RequestId, CloudMapErrorInfo? Error);
