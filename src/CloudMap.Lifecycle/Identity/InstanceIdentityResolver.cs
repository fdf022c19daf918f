// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CloudMap.Lifecycle.Platform;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Identity;

/// <summary>
/// Asks ECS task metadata v4, then EC2 IMDSv2 (never IMDSv1), each request bounded by a short timeout, and caches the
/// answer (including "nothing known"). EC2 metadata is asked only where it can answer: when an endpoint is configured
/// (<c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c>), when ECS says the task runs on an EC2 container instance, or when the host
/// shows a sign of EC2 (<see cref="Ec2HostEvidence"/>); elsewhere no packet goes to 169.254.169.254 and nothing waits.
/// </summary>
/// <remarks>
/// In ECS awsvpc mode the task's own address is used. In bridge mode the container address is the docker bridge's
/// and unreachable from other hosts, so the address comes from EC2 metadata (the host) and the port from the task's
/// host port mappings. Network timeouts here are real time on purpose (<see cref="HttpClient.Timeout"/>): each request
/// is bounded by <see cref="InstanceIdentityResolverOptions.RequestTimeout"/> (1 s) and the whole resolution by
/// <see cref="InstanceIdentityResolverOptions.TotalTimeout"/> (3 s), so an endpoint that is absent, slow or answers
/// garbage delays the first registration by at most that and never fails it (the host's start is never delayed: the
/// resolution runs in the background work, after the server listens). Answers are read up to
/// <see cref="MaxAnswerBytes"/>.
/// </remarks>
internal sealed partial class InstanceIdentityResolver : IInstanceIdentityResolver, IDisposable
{
    private const string TokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";
    private const string TokenHeader = "X-aws-ec2-metadata-token";

    /// <summary>The largest metadata answer read (a task with many containers is a few tens of KB).</summary>
    internal const int MaxAnswerBytes = 1024 * 1024;

    private static readonly string NoEc2SignReason = "no sign of an EC2 host in " + string.Join(", ", Ec2HostEvidence.Paths) + " and no AWS_EC2_METADATA_SERVICE_ENDPOINT";

    private readonly InstanceIdentityResolverOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private InstanceIdentity? _cached;

    public InstanceIdentityResolver(InstanceIdentityResolverOptions options, ILogger<InstanceIdentityResolver> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger;
#pragma warning disable CA2000 // The handler is owned and disposed by the HttpClient.
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, ConnectTimeout = options.RequestTimeout }, disposeHandler: true)
        {
            Timeout = options.RequestTimeout,
            MaxResponseContentBufferSize = MaxAnswerBytes,
        };
#pragma warning restore CA2000
    }

    public async Task<InstanceIdentity> ResolveAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _cached ??= await ResolveCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _gate.Dispose();
    }

    internal async Task<InstanceIdentity> ResolveCoreAsync(CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(_options.TotalTimeout);
        try
        {
            return await ResolveWithinBudgetAsync(budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Log.MetadataTimedOut(_logger, _options.TotalTimeout);
            return InstanceIdentity.None;
        }
    }

    private async Task<InstanceIdentity> ResolveWithinBudgetAsync(CancellationToken cancellationToken)
    {
        var ecs = _options.EcsMetadataUri is { } ecsUri ? await TryEcsAsync(ecsUri, cancellationToken).ConfigureAwait(false) : null;
        if (ecs is { Address: not null })
        {
            return ecs;
        }

        var imds = ChooseImds(ecs);
        var ec2 = imds is null ? null : await TryEc2Async(imds, cancellationToken).ConfigureAwait(false);
        if (ecs is null)
        {
            return ec2 ?? InstanceIdentity.None;
        }

        return ec2 is null ? ecs : ecs with { Address = ec2.Address, Source = "ecs+ec2", Platform = ecs.Platform.Or(ec2.Platform with { AvailabilityZone = null, Region = null }) };
    }

    internal async Task<InstanceIdentity?> TryEcsAsync(Uri metadataUri, CancellationToken cancellationToken)
    {
        try
        {
            var taskUri = new Uri(metadataUri.AbsoluteUri.TrimEnd('/') + "/task");
            using var response = await _http.GetAsync(taskUri, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                Log.MetadataUnavailable(_logger, "ECS", (int)response.StatusCode);
                return null;
            }

            var json = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return ParseEcsTask(json);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Log.MetadataFailed(_logger, "ECS", ex);
            return null;
        }
    }

    /// <summary>Reads the task id from <c>TaskARN</c> and the address/port mappings from the NORMAL container.</summary>
    internal static InstanceIdentity? ParseEcsTask(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string? taskId = null;
        if (root.TryGetProperty("TaskARN", out var arn) && arn.ValueKind == JsonValueKind.String && arn.GetString() is { Length: > 0 } arnText)
        {
            taskId = arnText[(arnText.LastIndexOf('/') + 1)..];
            if (!InstanceIdRule.IsValid(taskId))
            {
                taskId = null;
            }
        }

        IPAddress? address = null;
        var hostPorts = new Dictionary<int, int>();
        if (root.TryGetProperty("Containers", out var containers) && containers.ValueKind == JsonValueKind.Array)
        {
            foreach (var container in containers.EnumerateArray())
            {
                if (container.ValueKind != JsonValueKind.Object
                    || (container.TryGetProperty("Type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() != "NORMAL"))
                {
                    continue;
                }

                if (container.TryGetProperty("Ports", out var ports) && ports.ValueKind == JsonValueKind.Array)
                {
                    foreach (var port in ports.EnumerateArray())
                    {
                        if (port.ValueKind == JsonValueKind.Object
                            && port.TryGetProperty("ContainerPort", out var containerPort) && containerPort.TryGetInt32(out var cp)
                            && port.TryGetProperty("HostPort", out var hostPort) && hostPort.TryGetInt32(out var hp) && hp > 0)
                        {
                            hostPorts.TryAdd(cp, hp);
                        }
                    }
                }

                if (address is null && container.TryGetProperty("Networks", out var networks) && networks.ValueKind == JsonValueKind.Array)
                {
                    foreach (var network in networks.EnumerateArray())
                    {
                        var mode = network.ValueKind == JsonValueKind.Object && network.TryGetProperty("NetworkMode", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                        if (!string.Equals(mode, "awsvpc", StringComparison.OrdinalIgnoreCase))
                        {
                            // bridge/default: the docker bridge address is useless to other hosts; host: no own address.
                            continue;
                        }

                        if (network.TryGetProperty("IPv4Addresses", out var ips) && ips.ValueKind == JsonValueKind.Array)
                        {
                            foreach (var ip in ips.EnumerateArray())
                            {
                                if (ip.ValueKind == JsonValueKind.String && IPAddress.TryParse(ip.GetString(), out var parsed))
                                {
                                    address = parsed;
                                    break;
                                }
                            }
                        }
                    }
                }
            }
        }

        var launchType = StringOf(root, "LaunchType");
        var taskArn = PlatformIdentity.Clean(StringOf(root, "TaskARN"));
        var region = taskArn is not null && EcsArn.TryParseTask(taskArn, out var arnRegion, out _, out _) ? arnRegion : null;
        var platform = new PlatformIdentity(
            region is null ? null : taskArn,
            PlatformIdentity.Clean(EcsArn.ClusterName(StringOf(root, "Cluster"))),
            null,
            PlatformIdentity.Clean(StringOf(root, "AvailabilityZone")),
            region);
        return new InstanceIdentity(taskId, address, "ecs") { HostPorts = address is null ? hostPorts : new Dictionary<int, int>(), LaunchType = launchType, Platform = platform };

        static string? StringOf(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    /// <summary>
    /// Where to ask EC2 metadata, or <see langword="null"/> not to ask it: disabled, or no endpoint configured, no ECS
    /// task on EC2 and no sign of an EC2 host. The decision is logged (Debug) with its reason.
    /// </summary>
    internal Uri? ChooseImds(InstanceIdentity? ecs)
    {
        if (_options.Ec2MetadataDisabled)
        {
            Log.Ec2MetadataSkipped(_logger, "AWS_EC2_METADATA_DISABLED is true");
            return null;
        }

        if (_options.ImdsBaseUri is { } configured)
        {
            Log.Ec2MetadataAsked(_logger, configured, "the endpoint is configured (AWS_EC2_METADATA_SERVICE_ENDPOINT)");
            return configured;
        }

        if (string.Equals(ecs?.LaunchType, "EC2", StringComparison.OrdinalIgnoreCase))
        {
            Log.Ec2MetadataAsked(_logger, _options.UnconfiguredImdsBaseUri, "the ECS task runs on an EC2 container instance");
            return _options.UnconfiguredImdsBaseUri;
        }

        if (Ec2HostEvidence.Find(_options.ReadPlatformFile) is { } evidence)
        {
            Log.Ec2MetadataAsked(_logger, _options.UnconfiguredImdsBaseUri, evidence);
            return _options.UnconfiguredImdsBaseUri;
        }

        Log.Ec2MetadataSkipped(_logger, NoEc2SignReason);
        return null;
    }

    internal async Task<InstanceIdentity?> TryEc2Async(Uri imds, CancellationToken cancellationToken)
    {
        try
        {
            var token = await GetTokenAsync(imds, cancellationToken).ConfigureAwait(false);
            if (token is null)
            {
                return null;
            }

            var (instanceId, token2) = await GetMetadataAsync(imds, "latest/meta-data/instance-id", token, cancellationToken).ConfigureAwait(false);
            var (localIpv4, token3) = await GetMetadataAsync(imds, "latest/meta-data/local-ipv4", token2, cancellationToken).ConfigureAwait(false);
            var id = InstanceIdRule.IsValid(instanceId) ? instanceId : null;
            var address = IPAddress.TryParse(localIpv4, out var parsed) ? parsed : null;
            if (id is null && address is null)
            {
                return null;
            }

            var (zone, token4) = await GetMetadataAsync(imds, "latest/meta-data/placement/availability-zone", token3, cancellationToken).ConfigureAwait(false);
            var (region, _) = await GetMetadataAsync(imds, "latest/meta-data/placement/region", token4, cancellationToken).ConfigureAwait(false);
            var platform = new PlatformIdentity(null, null, PlatformIdentity.IsEc2InstanceId(id) ? id : null, PlatformIdentity.Clean(zone), PlatformIdentity.Clean(region));
            return new InstanceIdentity(id, address, "ec2") { Platform = platform };
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Log.MetadataFailed(_logger, "EC2", ex);
            return null;
        }
    }

    private async Task<string?> GetTokenAsync(Uri imds, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(imds, "latest/api/token"));
        request.Headers.Add(TokenTtlHeader, "21600");
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            Log.MetadataUnavailable(_logger, "EC2", (int)response.StatusCode);
            return null;
        }

        var token = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
        return token.Length == 0 ? null : token;
    }

    /// <summary>GETs one metadata path with the token; a 401 (expired token) fetches a new token and retries once.</summary>
    private async Task<(string? Value, string Token)> GetMetadataAsync(Uri imds, string path, string token, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(imds, path));
            request.Headers.Add(TokenHeader, token);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0)
            {
                token = await GetTokenAsync(imds, cancellationToken).ConfigureAwait(false) ?? token;
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                return (null, token);
            }

            var value = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
            return (value.Length == 0 ? null : value, token);
        }

        return (null, token);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1100, EventName = "MetadataUnavailable", Level = LogLevel.Debug,
            Message = "{Platform} metadata answered HTTP {StatusCode}; not using it.")]
        public static partial void MetadataUnavailable(ILogger logger, string platform, int statusCode);

        [LoggerMessage(EventId = 1101, EventName = "MetadataFailed", Level = LogLevel.Debug,
            Message = "{Platform} metadata is not reachable; not using it.")]
        public static partial void MetadataFailed(ILogger logger, string platform, Exception exception);

        [LoggerMessage(EventId = 1140, EventName = "PlatformMetadataTimedOut", Level = LogLevel.Debug,
            Message = "Platform metadata gave no complete answer within {Budget}; registering without platform identity.")]
        public static partial void MetadataTimedOut(ILogger logger, TimeSpan budget);

        [LoggerMessage(EventId = 1102, EventName = "Ec2MetadataSkipped", Level = LogLevel.Debug,
            Message = "EC2 instance metadata is not asked: {Reason}.")]
        public static partial void Ec2MetadataSkipped(ILogger logger, string reason);

        [LoggerMessage(EventId = 1103, EventName = "Ec2MetadataAsked", Level = LogLevel.Debug,
            Message = "EC2 instance metadata is asked at '{Endpoint}' (IMDSv2): {Reason}.")]
        public static partial void Ec2MetadataAsked(ILogger logger, Uri endpoint, string reason);

        [LoggerMessage(EventId = 1104, EventName = "Ec2HostDetected", Level = LogLevel.Debug,
            Message = "EC2 instance metadata is asked at '{Endpoint}' (IMDSv2): the host looks like EC2 ({Evidence}).")]
        public static partial void Ec2MetadataAsked(ILogger logger, Uri endpoint, Ec2HostEvidence evidence);
    }
}
