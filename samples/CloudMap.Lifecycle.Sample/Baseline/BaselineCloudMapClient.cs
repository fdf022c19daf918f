// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.Runtime.Signing;

namespace CloudMap.Lifecycle.Sample.Baseline;

/// <summary>
/// The few Cloud Map calls a hand-rolled integration makes, written the way such code calls the API itself: AWS JSON 1.1
/// <c>POST /</c> with <c>X-Amz-Target: Route53AutoNaming_v20170314.&lt;Operation&gt;</c>, signed by AWSSDK.Core's
/// <see cref="SigV4SigningHandler"/>, credentials from AWSSDK.Core's default chain, transient failures retried with
/// full-jitter backoff. Deliberately small: a baseline, not a client library.
/// </summary>
public sealed class BaselineCloudMapClient : IDisposable
{
    private const string TargetPrefix = "Route53AutoNaming_v20170314.";
    private const string JsonContentType = "application/x-amz-json-1.1";
    private static readonly TimeSpan ThrottledBaseDelay = TimeSpan.FromSeconds(1);

    // The throttling codes Cloud Map answers with; 500, 502, 503 and 504 are retried whatever their code.
    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "ThrottlingException", "Throttling", "RequestLimitExceeded", "TooManyRequestsException",
    };

    private readonly BaselineClientOptions _options;
    private readonly TimeProvider _time;
    private readonly AWSCredentials? _credentials;
    private readonly SemaphoreSlim _httpGate = new(1, 1);
    private DefaultAWSCredentialsIdentityResolver? _defaultCredentials;
    private HttpClient? _http;
    private Uri? _endpoint;

    /// <summary>Initializes a new instance of the <see cref="BaselineCloudMapClient"/> class. Nothing is resolved before the first call.</summary>
    /// <param name="options">Endpoint, region and retries.</param>
    /// <param name="time">The clock of the backoff and attempt timeouts.</param>
    /// <param name="credentials">Credentials to sign with; AWSSDK.Core's default chain when <see langword="null"/>.</param>
    public BaselineCloudMapClient(BaselineClientOptions options, TimeProvider time, AWSCredentials? credentials = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _credentials = credentials;
    }

    /// <summary>GetService by id, or ListNamespaces + ListServices + GetService by names; returns the service id.</summary>
    /// <param name="serviceId">The service id or ARN, if known.</param>
    /// <param name="namespaceName">The namespace name (or HTTP name), when no id is given.</param>
    /// <param name="serviceName">The service name, when no id is given.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The service id.</returns>
    public async Task<string> ResolveServiceIdAsync(string? serviceId, string? namespaceName, string? serviceName, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(serviceId))
        {
            return await GetServiceIdAsync(serviceId, cancellationToken).ConfigureAwait(false);
        }

        var namespaces = await ListAsync("ListNamespaces", "Namespaces", new JsonObject(), cancellationToken).ConfigureAwait(false);
        foreach (var ns in namespaces.Where(n => string.Equals((string?)n["Name"], namespaceName, StringComparison.OrdinalIgnoreCase)
            || string.Equals((string?)n["Properties"]?["HttpProperties"]?["HttpName"], namespaceName, StringComparison.OrdinalIgnoreCase)))
        {
            var filter = new JsonObject { ["Name"] = "NAMESPACE_ID", ["Values"] = new JsonArray((string?)ns["Id"]), ["Condition"] = "EQ" };
            var services = await ListAsync("ListServices", "Services", new JsonObject { ["Filters"] = new JsonArray(filter) }, cancellationToken).ConfigureAwait(false);
            if (services.FirstOrDefault(s => (string?)s["Name"] == serviceName) is { } service)
            {
                return await GetServiceIdAsync((string)service["Id"]!, cancellationToken).ConfigureAwait(false);
            }
        }

        throw new BaselineCloudMapException("ServiceNotFound", $"No Cloud Map service '{serviceName}' in namespace '{namespaceName}'.", statusCode: null);
    }

    /// <summary>RegisterInstance; returns the operation id (the baseline never waits for it).</summary>
    /// <param name="serviceId">The service id.</param>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="attributes">The instance attributes.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The operation id.</returns>
    public async Task<string> RegisterInstanceAsync(string serviceId, string instanceId, IReadOnlyDictionary<string, string> attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var body = new JsonObject
        {
            ["ServiceId"] = serviceId,
            ["InstanceId"] = instanceId,
            ["Attributes"] = new JsonObject(attributes.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))),
        };
        return (string)(await CallAsync("RegisterInstance", body, cancellationToken).ConfigureAwait(false))["OperationId"]!;
    }

    /// <summary>DeregisterInstance; returns the operation id.</summary>
    /// <param name="serviceId">The service id.</param>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The operation id.</returns>
    public async Task<string> DeregisterInstanceAsync(string serviceId, string instanceId, CancellationToken cancellationToken) =>
        (string)(await CallAsync("DeregisterInstance", new JsonObject { ["ServiceId"] = serviceId, ["InstanceId"] = instanceId }, cancellationToken).ConfigureAwait(false))["OperationId"]!;

    /// <summary>UpdateInstanceCustomHealthStatus.</summary>
    /// <param name="serviceId">The service id.</param>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="healthy">HEALTHY when <see langword="true"/>, UNHEALTHY otherwise.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when Cloud Map accepted the status.</returns>
    public Task UpdateInstanceCustomHealthStatusAsync(string serviceId, string instanceId, bool healthy, CancellationToken cancellationToken) =>
        CallAsync("UpdateInstanceCustomHealthStatus", new JsonObject { ["ServiceId"] = serviceId, ["InstanceId"] = instanceId, ["Status"] = healthy ? "HEALTHY" : "UNHEALTHY" }, cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        _http?.Dispose();
        _defaultCredentials?.Dispose();
        _httpGate.Dispose();
    }

    private async Task<string> GetServiceIdAsync(string idOrArn, CancellationToken cancellationToken) =>
        (string)(await CallAsync("GetService", new JsonObject { ["Id"] = idOrArn }, cancellationToken).ConfigureAwait(false))["Service"]!["Id"]!;

    private async Task<List<JsonNode>> ListAsync(string operation, string member, JsonObject request, CancellationToken cancellationToken)
    {
        var items = new List<JsonNode>();
        string? token = null;
        do
        {
            var page = (JsonObject)request.DeepClone();
            if (token is not null)
            {
                page["NextToken"] = token;
            }

            var response = await CallAsync(operation, page, cancellationToken).ConfigureAwait(false);
            items.AddRange(response[member]?.AsArray().OfType<JsonNode>() ?? []);
            token = (string?)response["NextToken"];
        }
        while (!string.IsNullOrEmpty(token));
        return items;
    }

    /// <summary>One call with its retries: throttling, HTTP 5xx, timeouts and connection failures are tried again.</summary>
    private async Task<JsonNode> CallAsync(string operation, JsonObject body, CancellationToken cancellationToken)
    {
        var http = await GetHttpAsync(cancellationToken).ConfigureAwait(false);
        var payload = JsonSerializer.SerializeToUtf8Bytes(body);
        for (var attempt = 1; ; attempt++)
        {
            BaselineCloudMapException failure;
            bool throttled;
            try
            {
                using var timeout = _options.AttemptTimeout == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(_options.AttemptTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout?.Token ?? CancellationToken.None);
                using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(payload) };

                // Set without validation so no "; charset=utf-8" is appended: the Content-Type sent must be the one signed.
                request.Content.Headers.TryAddWithoutValidation("Content-Type", JsonContentType);
                request.Headers.TryAddWithoutValidation("X-Amz-Target", TargetPrefix + operation);
                using var response = await http.SendAsync(request, linked.Token).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
                var json = text.Length == 0 ? new JsonObject() : JsonNode.Parse(text) ?? new JsonObject();
                if (response.IsSuccessStatusCode)
                {
                    return json;
                }

                var code = ErrorCode(response, json);
                failure = new BaselineCloudMapException(code, (string?)json["message"] ?? (string?)json["Message"] ?? $"{operation} failed with {code}.", response.StatusCode);
                throttled = ThrottlingCodes.Contains(code);
                if (!throttled && (int)response.StatusCode is not (500 or 502 or 503 or 504))
                {
                    throw failure;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
            {
                failure = new BaselineCloudMapException("RequestFailed", $"Cloud Map {operation} failed after {attempt} attempt(s): {ex.Message}", null, ex);
                throttled = false;
            }

            if (attempt >= _options.MaxAttempts)
            {
                throw failure;
            }

            var (baseDelay, maxDelay) = throttled
                ? (Max(_options.BaseDelay, ThrottledBaseDelay), Max(_options.MaxDelay, ThrottledBaseDelay))
                : (_options.BaseDelay, _options.MaxDelay);
            var ceiling = Math.Min(maxDelay.Ticks, baseDelay.Ticks * Math.Pow(2, Math.Min(attempt - 1, 30)));
            await Task.Delay(TimeSpan.FromTicks((long)(ceiling * Random.Shared.NextDouble())), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<HttpClient> GetHttpAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _http) is { } ready)
        {
            return ready;
        }

        await _httpGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_http is null)
            {
                var region = _options.Region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION")
                    ?? throw new InvalidOperationException("No AWS region: set AWS:Region or AWS_REGION.");
                // Kept for the client's lifetime: the credentials it resolves refresh themselves through it.
                _defaultCredentials ??= _credentials is null ? new DefaultAWSCredentialsIdentityResolver() : null;
                var credentials = _credentials
                    ?? await _defaultCredentials!.ResolveIdentityAsync(null!, cancellationToken).ConfigureAwait(false);
                _endpoint = _options.ServiceUrl ?? new Uri($"https://servicediscovery.{region}.amazonaws.com/");
                var transport = new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
                Volatile.Write(ref _http, new HttpClient(new SigV4SigningHandler(credentials, RegionEndpoint.GetBySystemName(region), "servicediscovery", transport))
                {
                    Timeout = Timeout.InfiniteTimeSpan,
                });
            }

            return _http!;
        }
        finally
        {
            _httpGate.Release();
        }
    }

    // The code is the text after the last '#' and before the first ':' of X-Amzn-ErrorType or __type.
    private static string ErrorCode(HttpResponseMessage response, JsonNode json)
    {
        var raw = response.Headers.TryGetValues("X-Amzn-ErrorType", out var values) ? values.FirstOrDefault() : null;
        raw ??= (string?)json["__type"] ?? (string?)json["code"] ?? "Unknown";
        var code = raw.Split(':')[0];
        return code[(code.LastIndexOf('#') + 1)..].Trim();
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
