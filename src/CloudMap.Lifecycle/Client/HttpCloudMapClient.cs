// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// The transport of <see cref="ICloudMapClient"/> and <see cref="ICloudMapDiscoveryClient"/>: AWS JSON 1.1 over
/// HttpClient, SigV4-signed. Every request (every page of a listing) is one call through
/// <see cref="CloudMapCallPipeline"/>, which owns retries, the span and the metrics; this type only builds, signs,
/// sends and reads one attempt.
/// </summary>
internal sealed partial class HttpCloudMapClient : ICloudMapClient, ICloudMapDiscoveryClient
{
    /// <summary>The name of the HttpClient this client asks <see cref="IHttpClientFactory"/> for.</summary>
    public const string HttpClientName = "CloudMap.Lifecycle.Client";

    private const int MaxPages = 10_000;
    private const int MaxErrorSnippet = 200;
    private const int MaxEchoedValue = 64;
    private const int MaxRequestIdLength = 128;

    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly IOptions<CloudMapClientOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly CloudMapCallPipeline _pipeline;
    private readonly CloudMapClientEnvironment _environment;
    private readonly ILogger<HttpCloudMapClient> _logger;
    private readonly Lock _stateLock = new();
    private ClientState? _state;

    /// <summary>Initializes a new instance of the <see cref="HttpCloudMapClient"/> class. Nothing is resolved until the first call.</summary>
    public HttpCloudMapClient(
        IHttpClientFactory httpClientFactory,
        IOptions<CloudMapClientOptions> options,
        TimeProvider timeProvider,
        CloudMapCallPipeline pipeline,
        CloudMapClientEnvironment environment,
        ILogger<HttpCloudMapClient> logger)
    {
        _httpClientFactory = httpClientFactory ?? throw new ArgumentNullException(nameof(httpClientFactory));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _environment = environment ?? throw new ArgumentNullException(nameof(environment));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <inheritdoc />
    public bool HasBeenThrottled => _pipeline.HasBeenThrottled;

    /// <inheritdoc />
    public bool ThrottledWithin(TimeSpan window) => _pipeline.ThrottledWithin(window);

    /// <inheritdoc />
    public Task<string> RegisterInstanceAsync(CloudMapInstanceRegistration request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var wire = new RegisterInstanceWireRequest(request.ServiceId, request.InstanceId, request.Attributes, request.CreatorRequestId);
        return InvokeAsync(CloudMapOperations.RegisterInstance, wire, CloudMapJsonContext.Default.RegisterInstanceWireRequest, CloudMapJsonContext.Default.OperationIdWireResponse, dataPlane: false, static r => Required(r.Body.OperationId, "OperationId", r), cancellationToken);
    }

    /// <inheritdoc />
    public Task<string> DeregisterInstanceAsync(string serviceId, string instanceId, CancellationToken cancellationToken)
    {
        var wire = new InstanceKeyWireRequest(serviceId, instanceId);
        return InvokeAsync(CloudMapOperations.DeregisterInstance, wire, CloudMapJsonContext.Default.InstanceKeyWireRequest, CloudMapJsonContext.Default.OperationIdWireResponse, dataPlane: false, static r => Required(r.Body.OperationId, "OperationId", r), cancellationToken);
    }

    /// <inheritdoc />
    public Task UpdateInstanceCustomHealthStatusAsync(string serviceId, string instanceId, CloudMapHealthStatus status, CancellationToken cancellationToken)
    {
        var wire = new UpdateHealthWireRequest(serviceId, instanceId, status == CloudMapHealthStatus.Healthy ? "HEALTHY" : "UNHEALTHY");
        return InvokeAsync(CloudMapOperations.UpdateInstanceCustomHealthStatus, wire, CloudMapJsonContext.Default.UpdateHealthWireRequest, CloudMapJsonContext.Default.EmptyWireResponse, dataPlane: false, static r => r.Body, cancellationToken);
    }

    /// <inheritdoc />
    public Task<CloudMapOperation> GetOperationAsync(string operationId, CancellationToken cancellationToken)
        => InvokeAsync(CloudMapOperations.GetOperation, new OperationIdWireRequest(operationId), CloudMapJsonContext.Default.OperationIdWireRequest, CloudMapJsonContext.Default.GetOperationWireResponse, dataPlane: false, ToOperation, cancellationToken);

    /// <inheritdoc />
    public Task<CloudMapService> GetServiceAsync(string serviceIdOrArn, CancellationToken cancellationToken)
        => InvokeAsync(CloudMapOperations.GetService, new IdWireRequest(serviceIdOrArn), CloudMapJsonContext.Default.IdWireRequest, CloudMapJsonContext.Default.GetServiceWireResponse, dataPlane: false, ToService, cancellationToken);

    /// <inheritdoc />
    public Task<CloudMapInstance> GetInstanceAsync(string serviceId, string instanceId, CancellationToken cancellationToken)
        => InvokeAsync(CloudMapOperations.GetInstance, new InstanceKeyWireRequest(serviceId, instanceId), CloudMapJsonContext.Default.InstanceKeyWireRequest, CloudMapJsonContext.Default.GetInstanceWireResponse, dataPlane: false, static r => ToInstance(Required(r.Body.Instance, "Instance", r), r), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<CloudMapNamespaceSummary>> ListNamespacesAsync(CancellationToken cancellationToken)
        => ListAllAsync(
            CloudMapOperations.ListNamespaces,
            static token => new ListNamespacesWireRequest(token),
            CloudMapJsonContext.Default.ListNamespacesWireRequest,
            CloudMapJsonContext.Default.ListNamespacesWireResponse,
            static r => ((r.Body.Namespaces ?? []).Select(ns => new CloudMapNamespaceSummary(
                Required(ns.Id, "Namespaces[].Id", r),
                ns.Arn,
                Required(ns.Name, "Namespaces[].Name", r),
                ns.Type,
                ns.Properties?.HttpProperties?.HttpName)).ToList(), r.Body.NextToken),
            cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<CloudMapServiceSummary>> ListServicesAsync(string? namespaceId, CancellationToken cancellationToken)
    {
        IReadOnlyList<ServiceFilterWire>? filters = string.IsNullOrEmpty(namespaceId) ? null : [new ServiceFilterWire("NAMESPACE_ID", [namespaceId], "EQ")];
        return ListAllAsync(
            CloudMapOperations.ListServices,
            token => new ListServicesWireRequest(token, filters),
            CloudMapJsonContext.Default.ListServicesWireRequest,
            CloudMapJsonContext.Default.ListServicesWireResponse,
            static r => ((r.Body.Services ?? []).Select(s => new CloudMapServiceSummary(
                Required(s.Id, "Services[].Id", r),
                s.Arn,
                Required(s.Name, "Services[].Name", r),
                s.NamespaceId)).ToList(), r.Body.NextToken),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<CloudMapInstance>> ListInstancesAsync(string serviceId, CancellationToken cancellationToken)
        => ListAllAsync(
            CloudMapOperations.ListInstances,
            token => new ListInstancesWireRequest(serviceId, token),
            CloudMapJsonContext.Default.ListInstancesWireRequest,
            CloudMapJsonContext.Default.ListInstancesWireResponse,
            static r => ((r.Body.Instances ?? []).Select(i => ToInstance(i, r)).ToList(), r.Body.NextToken),
            cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, string>> GetInstancesHealthStatusAsync(string serviceId, IReadOnlyList<string>? instanceIds, CancellationToken cancellationToken)
    {
        var pages = await ListAllAsync(
            CloudMapOperations.GetInstancesHealthStatus,
            token => new GetInstancesHealthStatusWireRequest(serviceId, instanceIds is { Count: > 0 } ? instanceIds : null, token),
            CloudMapJsonContext.Default.GetInstancesHealthStatusWireRequest,
            CloudMapJsonContext.Default.GetInstancesHealthStatusWireResponse,
            static r => ((r.Body.Status ?? []).ToList(), r.Body.NextToken),
            cancellationToken).ConfigureAwait(false);
        var statuses = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, status) in pages)
        {
            statuses[id] = status;
        }

        return statuses;
    }

    /// <inheritdoc />
    public Task<CloudMapDiscoveryResult> DiscoverInstancesAsync(CloudMapDiscoveryQuery request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var wire = new DiscoverInstancesWireRequest(request.NamespaceName, request.ServiceName, request.HealthStatus, request.MaxResults, request.QueryParameters, request.OptionalParameters);
        return InvokeAsync(
            CloudMapOperations.DiscoverInstances,
            wire,
            CloudMapJsonContext.Default.DiscoverInstancesWireRequest,
            CloudMapJsonContext.Default.DiscoverInstancesWireResponse,
            dataPlane: true,
            static r => new CloudMapDiscoveryResult(
                (r.Body.Instances ?? []).Select(i => new CloudMapDiscoveredInstance(
                    Required(i.InstanceId, "Instances[].InstanceId", r),
                    i.NamespaceName,
                    i.ServiceName,
                    i.HealthStatus,
                    i.Attributes ?? [])).ToList(),
                r.Body.InstancesRevision),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> DiscoverInstancesRevisionAsync(string namespaceName, string serviceName, CancellationToken cancellationToken)
        => InvokeAsync(
            CloudMapOperations.DiscoverInstancesRevision,
            new NamespaceServiceWireRequest(namespaceName, serviceName),
            CloudMapJsonContext.Default.NamespaceServiceWireRequest,
            CloudMapJsonContext.Default.DiscoverInstancesRevisionWireResponse,
            dataPlane: true,
            static r => r.Body.InstancesRevision ?? throw Malformed(r, "InstancesRevision is missing."),
            cancellationToken);

    private static CloudMapOperation ToOperation(WireResponse<GetOperationWireResponse> response)
    {
        var operation = Required(response.Body.Operation, "Operation", response);
        var status = operation.Status switch
        {
            "SUBMITTED" => CloudMapOperationStatus.Submitted,
            "PENDING" => CloudMapOperationStatus.Pending,
            "SUCCESS" => CloudMapOperationStatus.Success,
            "FAIL" => CloudMapOperationStatus.Fail,
            _ => throw Malformed(response, $"Operation.Status '{CloudMapMessageSanitizer.Sanitize(operation.Status, MaxEchoedValue)}' is not SUBMITTED, PENDING, SUCCESS or FAIL."),
        };
        return new CloudMapOperation(
            Required(operation.Id, "Operation.Id", response),
            operation.Type,
            status,
            CloudMapErrorParser.SanitizeErrorCode(operation.ErrorCode),
            operation.ErrorMessage is null ? null : CloudMapMessageSanitizer.Sanitize(operation.ErrorMessage),
            FromEpochSeconds(operation.CreateDate),
            FromEpochSeconds(operation.UpdateDate),
            operation.Targets ?? []);
    }

    private static CloudMapService ToService(WireResponse<GetServiceWireResponse> response)
    {
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
            service.InstanceCount,
            service.DnsConfig?.DnsRecords is { } records
                ? [.. records.Where(r => r is { Type: not null, TTL: >= 0 }).Select(r => new CloudMapDnsRecord(CloudMapMessageSanitizer.Sanitize(r!.Type!, 16), r.TTL!.Value))]
                : null);
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

    /// <summary>The start of a body that is not the expected JSON, sanitized: an HTML error page may echo request headers.</summary>
    private static string Snippet(byte[] body)
        => CloudMapMessageSanitizer.Sanitize(Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, MaxErrorSnippet * 4)), MaxErrorSnippet);

    /// <summary>
    /// Follows NextToken until the last page; each page is its own API call (its own span, count and retries).
    /// Cloud Map filters after paging, so an empty page may still carry a NextToken: it is followed.
    /// </summary>
    private async Task<IReadOnlyList<TItem>> ListAllAsync<TRequest, TResponse, TItem>(
        string operation,
        Func<string?, TRequest> createRequest,
        JsonTypeInfo<TRequest> requestInfo,
        JsonTypeInfo<TResponse> responseInfo,
        Func<WireResponse<TResponse>, (List<TItem> Items, string? NextToken)> readPage,
        CancellationToken cancellationToken)
        where TResponse : class
    {
        var items = new List<TItem>();
        string? token = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var page = 0; page < MaxPages; page++)
        {
            var (pageItems, next) = await InvokeAsync(operation, createRequest(token), requestInfo, responseInfo, dataPlane: false, readPage, cancellationToken).ConfigureAwait(false);
            items.AddRange(pageItems);
            if (string.IsNullOrEmpty(next))
            {
                return items;
            }

            if (!seen.Add(next))
            {
                throw new CloudMapException(CloudMapErrorCodes.MalformedResponse, $"Cloud Map {operation} answered with an unexpected shape: NextToken '{CloudMapMessageSanitizer.Sanitize(next, MaxEchoedValue)}' was returned twice; paging would never end.", HttpStatusCode.OK, requestId: null);
            }

            token = next;
        }

        throw new CloudMapException(CloudMapErrorCodes.MalformedResponse, $"Cloud Map {operation} returned more than {MaxPages} pages.", statusCode: null, requestId: null);
    }

    /// <summary>One API call: serialized once, then sent (and read, and mapped by <paramref name="read"/>) once per attempt of the pipeline.</summary>
    private Task<TResult> InvokeAsync<TRequest, TResponse, TResult>(
        string operation,
        TRequest request,
        JsonTypeInfo<TRequest> requestInfo,
        JsonTypeInfo<TResponse> responseInfo,
        bool dataPlane,
        Func<WireResponse<TResponse>, TResult> read,
        CancellationToken cancellationToken)
        where TResponse : class
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(request, requestInfo);
        return _pipeline.ExecuteAsync(
            operation,
            (Client: this, Payload: payload, DataPlane: dataPlane, ResponseInfo: responseInfo, Read: read),
            static async (s, call, ct) =>
            {
                var response = await s.Client.SendOnceAsync(call, s.DataPlane, s.Payload, s.ResponseInfo, ct).ConfigureAwait(false);
                return s.Read(response);
            },
            cancellationToken);
    }

    private async Task<WireResponse<TResponse>> SendOnceAsync<TResponse>(CloudMapCallContext call, bool dataPlane, byte[] payload, JsonTypeInfo<TResponse> responseInfo, CancellationToken cancellationToken)
        where TResponse : class
    {
        var state = GetState();
        var uri = dataPlane ? state.Endpoint.DataPlane : state.Endpoint.ControlPlane;
        call.SetEndpoint(uri, state.Endpoint.Region);
        var credentials = await _environment.GetCredentialsAsync(state.Options.Profile, _timeProvider, _logger, cancellationToken).ConfigureAwait(false);

        using var request = CloudMapRequestSigner.CreateRequest(uri, call.Operation, payload);
        try
        {
            await CloudMapRequestSigner.SignAsync(request, payload, credentials, state.Endpoint.Region, _timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonClientException ex)
        {
            // Refreshing credentials (assume-role, SSO, instance profile) failed while signing.
            CloudMapClientLog.CredentialsRefreshFailed(_logger, ex.Message);
            CloudMapClientLog.CredentialsRefreshFailedDetail(_logger, ex);
            throw new CloudMapException(CloudMapErrorCodes.CredentialsUnavailable, "AWS credentials could not be refreshed for Cloud Map: " + ex.Message, statusCode: null, requestId: null, ex);
        }

        var client = _httpClientFactory.CreateClient(HttpClientName);

        // Headers first, then a bounded read: an answer is never buffered past its cap (ResponseContentRead would buffer
        // up to HttpClient's 2 GB limit).
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var requestId = CloudMapMessageSanitizer.Sanitize(Header(response, "x-amzn-RequestId"), MaxRequestIdLength) is { Length: > 0 } id ? id : null;
        call.SetAnswer(response.StatusCode, requestId);
        var limit = CloudMapResponseBody.LimitFor(response.IsSuccessStatusCode, dataPlane);
        var body = await CloudMapResponseBody.ReadAsync(response.Content, limit, cancellationToken).ConfigureAwait(false)
            ?? throw TooLarge(call.Operation, response, limit, requestId);
        return response.IsSuccessStatusCode
            ? Parse(call.Operation, response.StatusCode, body, requestId, responseInfo)
            : throw ToException(call.Operation, response.StatusCode, body, requestId, Header(response, "X-Amzn-ErrorType"));

        static string? Header(HttpResponseMessage response, string name)
            => response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
    }

    /// <summary>
    /// An answer larger than its cap: code <see cref="CloudMapErrorCodes.ResponseTooLarge"/> with the answer's status.
    /// Not retried by itself (no Cloud Map answer is that large: it is a proxy, a misrouted endpoint or a hostile
    /// server, and a retry would download it again); retried like any 5xx when the status is one.
    /// </summary>
    private static CloudMapException TooLarge(string operation, HttpResponseMessage response, int limit, string? requestId)
    {
        var declared = response.Content.Headers.ContentLength is { } length
            ? string.Create(CultureInfo.InvariantCulture, $" (Content-Length {length})")
            : string.Empty;
        return new CloudMapException(
            CloudMapErrorCodes.ResponseTooLarge,
            string.Create(CultureInfo.InvariantCulture, $"Cloud Map {operation} answered HTTP {(int)response.StatusCode} with a body larger than {limit} bytes{declared}; the answer was dropped unread."),
            response.StatusCode,
            requestId);
    }

    private CloudMapException ToException(string operation, HttpStatusCode status, byte[] body, string? requestId, string? errorTypeHeader)
    {
        var error = CloudMapErrorParser.Parse(body, errorTypeHeader);
        if (error.Redactions > 0)
        {
            CloudMapClientLog.ErrorMessageRedacted(_logger, operation, (int)status, error.Redactions);
        }

        if (!error.BodyWasJson && error.Code == CloudMapErrorCodes.Unknown)
        {
            return new CloudMapException(
                CloudMapErrorCodes.MalformedResponse,
                $"Cloud Map {operation} answered HTTP {(int)status} with a body that is not an AWS JSON error: '{Snippet(body)}'.",
                status,
                requestId);
        }

        var message = error.Message.Length > 0 ? error.Message : $"Cloud Map {operation} failed with {error.Code} (HTTP {(int)status}).";
        return new CloudMapException(error.Code, message, status, requestId)
        {
            DuplicateOperationId = error.DuplicateOperationId,
        };
    }

    private static WireResponse<TResponse> Parse<TResponse>(string operation, HttpStatusCode status, byte[] body, string? requestId, JsonTypeInfo<TResponse> responseInfo)
        where TResponse : class
    {
        TResponse? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(body.Length == 0 ? EmptyObject : body, responseInfo);
        }
        catch (JsonException ex)
        {
            throw new CloudMapException(
                CloudMapErrorCodes.MalformedResponse,
                $"Cloud Map {operation} answered HTTP {(int)status} with a body that is not the expected JSON ({ex.Message}): '{Snippet(body)}'.",
                status,
                requestId,
                ex);
        }

        return parsed is null
            ? throw new CloudMapException(CloudMapErrorCodes.MalformedResponse, $"Cloud Map {operation} answered HTTP {(int)status} with a JSON null body.", status, requestId)
            : new WireResponse<TResponse>(operation, parsed, status, requestId);
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
            var endpoint = CloudMapEndpoint.Resolve(options, _environment);
            CloudMapClientLog.EndpointResolved(_logger, endpoint.Region, endpoint.ControlPlane, endpoint.DataPlane);
            state = new ClientState(options, endpoint);
            Volatile.Write(ref _state, state);
            return state;
        }
    }

    private sealed record ClientState(CloudMapClientOptions Options, CloudMapEndpoint Endpoint);

    private sealed record WireResponse<T>(string Operation, T Body, HttpStatusCode StatusCode, string? RequestId);
}
