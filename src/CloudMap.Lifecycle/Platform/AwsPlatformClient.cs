// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Amazon.Runtime;
using CloudMap.Lifecycle.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Platform;

/// <summary>
/// ECS <c>DescribeTasks</c> (AWS JSON 1.1) and EC2 <c>DescribeInstances</c> (Query, XML), hand-written over the Cloud
/// Map client's machinery: the same credentials, SigV4 signer (<see cref="CloudMapRequestSigner"/>, signing names
/// <c>ecs</c> and <c>ec2</c>), HttpClient, and <see cref="CloudMapCallPipeline"/> (retries, attempt timeouts, spans with
/// <c>rpc.service</c> ECS / EC2, the <c>cloudmap.client.*</c> metrics).
/// </summary>
/// <remarks>
/// EC2 is a narrow Query call rather than <c>AWSSDK.EC2</c> 4.0.132.2, whose net8.0 assembly alone is 5,037,224 bytes
/// (4.8 MiB, about 5 times AWSSDK.Core) for one read of two fields. Endpoints: the service URL given per call (the
/// registration's <c>Platform:EcsServiceUrl</c> / <c>Ec2ServiceUrl</c>), else <c>AWS_ENDPOINT_URL_ECS</c> /
/// <c>AWS_ENDPOINT_URL_EC2</c>, else <c>AWS_ENDPOINT_URL</c> (none when <c>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS</c> is
/// true), else <c>https://ecs.&lt;region&gt;.amazonaws.com</c> / <c>https://ec2.&lt;region&gt;.amazonaws.com</c> — but
/// never the AWS endpoint when Cloud Map's is custom (an emulator): then the call fails with <see cref="NotConfiguredCode"/>.
/// </remarks>
internal sealed class AwsPlatformClient : IPlatformClient
{
    /// <summary>The most tasks DescribeTasks takes in one call (an ECS limit).</summary>
    public const int MaxTasksPerCall = 100;

    /// <summary>The most instance ids put in one DescribeInstances filter (EC2 takes up to 200 values per filter; 1000 results a page).</summary>
    public const int MaxInstancesPerCall = 200;

    /// <summary>The span/metric service name of ECS (the AWS SDK service id).</summary>
    public const string EcsService = "ECS";

    /// <summary>The span/metric service name of EC2 (the AWS SDK service id).</summary>
    public const string Ec2Service = "EC2";

    /// <summary>The error code when the platform endpoint is not configured while Cloud Map's is custom (never retried).</summary>
    public const string NotConfiguredCode = "PlatformEndpointNotConfigured";

    internal const string EcsTargetPrefix = "AmazonEC2ContainerServiceV20141113.";
    internal const string QueryContentType = "application/x-www-form-urlencoded; charset=utf-8";
    internal const string Ec2ApiVersion = "2016-11-15";
    private const int MaxAnswerBytes = 4 * 1024 * 1024;
    private const int MaxPages = 100;

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly IOptions<CloudMapClientOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly CloudMapCallPipeline _pipeline;
    private readonly CloudMapClientEnvironment _environment;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="AwsPlatformClient"/> class. Nothing is resolved until the first call.</summary>
    public AwsPlatformClient(
        IHttpClientFactory httpClientFactory,
        IOptions<CloudMapClientOptions> options,
        TimeProvider timeProvider,
        CloudMapCallPipeline pipeline,
        CloudMapClientEnvironment environment,
        ILogger logger)
    {
        _httpClientFactory = httpClientFactory ?? throw new ArgumentNullException(nameof(httpClientFactory));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _environment = environment ?? throw new ArgumentNullException(nameof(environment));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <inheritdoc />
    public Task<EcsDescribeTasksResult> DescribeTasksAsync(Uri? serviceUrl, string region, string cluster, IReadOnlyList<string> tasks, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(cluster);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tasks.Count, MaxTasksPerCall);
        var body = JsonBody(cluster, tasks);
        var uri = Endpoint(serviceUrl, "ECS", "ecs", region);
        return _pipeline.ExecuteAsync(
            EcsService,
            "DescribeTasks",
            (Client: this, Uri: uri, Region: region, Body: body),
            static async (s, call, ct) =>
            {
                var (status, answer, requestId) = await s.Client.SendOnceAsync(call, s.Uri, s.Region, "ecs", CloudMapRequestSigner.JsonContentType, EcsTargetPrefix + "DescribeTasks", s.Body, ct).ConfigureAwait(false);
                return status is >= HttpStatusCode.OK and < HttpStatusCode.MultipleChoices
                    ? ParseDescribeTasks(answer, status, requestId)
                    : throw JsonError(answer, status, requestId);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Ec2InstanceStatus>> DescribeInstancesAsync(Uri? serviceUrl, string region, IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentNullException.ThrowIfNull(instanceIds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(instanceIds.Count, MaxInstancesPerCall);
        var uri = Endpoint(serviceUrl, "EC2", "ec2", region);
        var instances = new List<Ec2InstanceStatus>();
        string? token = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var body = QueryBody(instanceIds, token);
            var (items, next) = await _pipeline.ExecuteAsync(
                Ec2Service,
                "DescribeInstances",
                (Client: this, Uri: uri, Region: region, Body: body),
                static async (s, call, ct) =>
                {
                    var (status, answer, requestId) = await s.Client.SendOnceAsync(call, s.Uri, s.Region, "ec2", QueryContentType, null, s.Body, ct).ConfigureAwait(false);
                    return status is >= HttpStatusCode.OK and < HttpStatusCode.MultipleChoices
                        ? ParseDescribeInstances(answer, status, requestId)
                        : throw XmlError(answer, status, requestId);
                },
                cancellationToken).ConfigureAwait(false);
            instances.AddRange(items);
            if (string.IsNullOrEmpty(next) || next == token)
            {
                return instances;
            }

            token = next;
        }

        throw new CloudMapException(CloudMapErrorCodes.MalformedResponse, $"EC2 DescribeInstances returned more than {MaxPages} pages.", HttpStatusCode.OK, requestId: null);
    }

    internal static byte[] JsonBody(string cluster, IReadOnlyList<string> tasks)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("cluster", cluster);
            writer.WriteStartArray("tasks");
            foreach (var task in tasks)
            {
                writer.WriteStringValue(task);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    internal static byte[] QueryBody(IReadOnlyList<string> instanceIds, string? nextToken)
    {
        var query = new StringBuilder("Action=DescribeInstances&Version=").Append(Ec2ApiVersion).Append("&Filter.1.Name=instance-id");
        for (var i = 0; i < instanceIds.Count; i++)
        {
            query.Append(CultureInfo.InvariantCulture, $"&Filter.1.Value.{i + 1}=").Append(Uri.EscapeDataString(instanceIds[i]));
        }

        query.Append("&MaxResults=1000");
        if (nextToken is not null)
        {
            query.Append("&NextToken=").Append(Uri.EscapeDataString(nextToken));
        }

        return Encoding.UTF8.GetBytes(query.ToString());
    }

    internal static EcsDescribeTasksResult ParseDescribeTasks(byte[] body, HttpStatusCode status, string? requestId)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Malformed(EcsService, "DescribeTasks", "the answer is not a JSON object", status, requestId);
            }

            var tasks = new List<EcsTaskStatus>();
            if (root.TryGetProperty("tasks", out var taskArray) && taskArray.ValueKind == JsonValueKind.Array)
            {
                foreach (var task in taskArray.EnumerateArray())
                {
                    if (Text(task, "taskArn") is { } arn)
                    {
                        tasks.Add(new EcsTaskStatus(arn, Text(task, "lastStatus"), Text(task, "healthStatus"), Text(task, "stoppedReason")));
                    }
                }
            }

            var failures = new List<EcsTaskFailure>();
            if (root.TryGetProperty("failures", out var failureArray) && failureArray.ValueKind == JsonValueKind.Array)
            {
                foreach (var failure in failureArray.EnumerateArray())
                {
                    failures.Add(new EcsTaskFailure(Text(failure, "arn"), Text(failure, "reason"), Text(failure, "detail")));
                }
            }

            return new EcsDescribeTasksResult(tasks, failures);
        }
        catch (JsonException ex)
        {
            throw Malformed(EcsService, "DescribeTasks", "the answer is not JSON (" + ex.Message + ")", status, requestId);
        }

        static string? Text(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                ? CloudMapMessageSanitizer.Sanitize(value.GetString(), 512)
                : null;
    }

    internal static (List<Ec2InstanceStatus> Instances, string? NextToken) ParseDescribeInstances(byte[] body, HttpStatusCode status, string? requestId)
    {
        var root = LoadXml(body, "DescribeInstances", status, requestId);
        var instances = new List<Ec2InstanceStatus>();
        foreach (var reservation in Children(Child(root, "reservationSet"), "item"))
        {
            foreach (var instance in Children(Child(reservation, "instancesSet"), "item"))
            {
                var id = Child(instance, "instanceId")?.Value.Trim();
                if (string.IsNullOrEmpty(id))
                {
                    continue;
                }

                var state = Child(Child(instance, "instanceState"), "name")?.Value.Trim();
                var addresses = instance.Descendants()
                    .Where(e => e.Name.LocalName is "privateIpAddress" or "ipAddress" or "ipv6Address" && !e.HasElements)
                    .Select(e => IPAddress.TryParse(e.Value.Trim(), out var address) ? address : null)
                    .OfType<IPAddress>()
                    .Distinct()
                    .ToList();
                instances.Add(new Ec2InstanceStatus(id, state, addresses));
            }
        }

        var next = Child(root, "nextToken")?.Value.Trim();
        return (instances, string.IsNullOrEmpty(next) ? null : next);
    }

    private static XElement LoadXml(byte[] body, string operation, HttpStatusCode status, string? requestId)
    {
        try
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = MaxAnswerBytes };
            using var stream = new MemoryStream(body);
            using var reader = XmlReader.Create(stream, settings);
            return XDocument.Load(reader).Root ?? throw Malformed(Ec2Service, operation, "the answer has no XML root", status, requestId);
        }
        catch (XmlException ex)
        {
            throw Malformed(Ec2Service, operation, "the answer is not XML (" + ex.Message + ")", status, requestId);
        }
    }

    private static XElement? Child(XElement? parent, string localName) => parent?.Elements().FirstOrDefault(e => e.Name.LocalName == localName);

    private static IEnumerable<XElement> Children(XElement? parent, string localName) => parent?.Elements().Where(e => e.Name.LocalName == localName) ?? [];

    private static CloudMapException Malformed(string service, string operation, string detail, HttpStatusCode status, string? requestId) =>
        new(CloudMapErrorCodes.MalformedResponse, $"{service} {operation} answered HTTP {(int)status} with an unexpected shape: {detail}.", status, requestId);

    private static CloudMapException JsonError(byte[] body, HttpStatusCode status, string? requestId)
    {
        var error = CloudMapErrorParser.Parse(body, errorTypeHeader: null);
        var message = error.Message.Length > 0 ? error.Message : $"ECS DescribeTasks failed with {error.Code} (HTTP {(int)status}).";
        return new CloudMapException(error.Code, "ECS DescribeTasks: " + message, status, requestId);
    }

    /// <summary>An EC2 Query error: <c>&lt;Response&gt;&lt;Errors&gt;&lt;Error&gt;&lt;Code&gt;…</c>; the code drives retries (RequestLimitExceeded is throttling).</summary>
    internal static CloudMapException XmlError(byte[] body, HttpStatusCode status, string? requestId)
    {
        string code = CloudMapErrorCodes.Unknown;
        var message = string.Empty;
        try
        {
            var root = LoadXml(body, "DescribeInstances", status, requestId);
            var error = root.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            code = CloudMapErrorParser.SanitizeErrorCode(Child(error, "Code")?.Value.Trim()) ?? CloudMapErrorCodes.Unknown;
            message = CloudMapMessageSanitizer.Sanitize(Child(error, "Message")?.Value.Trim(), 512) ?? string.Empty;
            requestId ??= CloudMapMessageSanitizer.Sanitize(root.Descendants().FirstOrDefault(e => e.Name.LocalName is "RequestID" or "RequestId")?.Value.Trim(), 128);
        }
        catch (CloudMapException)
        {
            // Not XML (a proxy's page): the status alone classifies it.
        }

        return new CloudMapException(code, $"EC2 DescribeInstances failed with {code} (HTTP {(int)status}){(message.Length > 0 ? ": " + message : ".")}", status, requestId);
    }

    private Uri Endpoint(Uri? serviceUrl, string serviceId, string hostPrefix, string region)
    {
        if (serviceUrl is not null)
        {
            return serviceUrl;
        }

        var env = _environment.GetEnvironmentVariable;
        if (!string.Equals(env(CloudMapEndpoint.IgnoreEndpointsVariable)?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var name in (ReadOnlySpan<string>)["AWS_ENDPOINT_URL_" + serviceId, CloudMapEndpoint.GlobalEndpointVariable])
            {
                if (CloudMapAwsOptionsSource.Normalize(env(name)) is { } value)
                {
                    return CloudMapServiceUrl.TryParse(value, out var uri)
                        ? uri
                        : throw new CloudMapException(CloudMapErrorCodes.RequestFailed, $"Environment variable {name} has value '{value}', which is not {CloudMapServiceUrl.Requirement}.", statusCode: null, requestId: null);
                }
            }
        }

        if (_options.Value.ServiceUrl is { } cloudMap)
        {
            // Cloud Map is an emulator or a proxy: the platform's real endpoint is never guessed (its answers would be
            // about another world, and the request would leave the machine); it must be named.
            throw new CloudMapException(
                NotConfiguredCode,
                $"{serviceId} is not asked: Cloud Map uses the custom endpoint '{cloudMap}' and no {serviceId} endpoint is configured (set AWS_ENDPOINT_URL_{serviceId} or AWS_ENDPOINT_URL).",
                statusCode: null,
                requestId: null);
        }

        var suffix = region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
        return new Uri($"https://{hostPrefix}.{region}.{suffix}/");
    }

    private async Task<(HttpStatusCode Status, byte[] Body, string? RequestId)> SendOnceAsync(
        CloudMapCallContext call, Uri uri, string region, string signingName, string contentType, string? target, byte[] body, CancellationToken cancellationToken)
    {
        call.SetEndpoint(uri, region);
        var credentials = await _environment.GetCredentialsAsync(_options.Value.Profile, _timeProvider, _logger, cancellationToken).ConfigureAwait(false);
        using var request = CloudMapRequestSigner.CreateRequest(uri, contentType, target, body);
        try
        {
            await CloudMapRequestSigner.SignAsync(request, body, credentials, region, signingName, _timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonClientException ex)
        {
            throw new CloudMapException(CloudMapErrorCodes.CredentialsUnavailable, $"AWS credentials could not be refreshed for {call.Service}: " + ex.Message, statusCode: null, requestId: null, ex);
        }

        var client = _httpClientFactory.CreateClient(HttpCloudMapClient.HttpClientName);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? CloudMapMessageSanitizer.Sanitize(ids.FirstOrDefault(), 128) : null;
        call.SetAnswer(response.StatusCode, requestId);
        var limit = response.IsSuccessStatusCode ? MaxAnswerBytes : CloudMapResponseBody.MaxErrorBytes;
        var answer = await CloudMapResponseBody.ReadAsync(response.Content, limit, cancellationToken).ConfigureAwait(false)
            ?? throw new CloudMapException(CloudMapErrorCodes.ResponseTooLarge, $"{call.Service} {call.Operation} answered HTTP {(int)response.StatusCode} with a body larger than {limit} bytes.", response.StatusCode, requestId);
        return (response.StatusCode, answer, requestId);
    }
}
