// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

// ANTI-PATTERN — DO NOT COPY. This is the Cloud Map registration most teams hand-roll today, kept only as the
// point of comparison for the benchmarks (Sample:RegistrationMode=Baseline). Everything the library fixes is
// wrong here on purpose:
//   - RegisterInstance in StartAsync: before the web server listens and before the cache is warm (routable before
//     ready), with the default initial health (HEALTHY: no AWS_INIT_HEALTH_STATUS);
//   - a timer that pushes HEALTHY every 10 s whatever the app's health (status never truthful);
//   - DeregisterInstance in ApplicationStopped: after the web server has stopped listening (routable after stop),
//     no drain, no ownership check, and nothing at all if the process dies first (zombie).
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Sample.Baseline;

/// <summary>The hand-rolled registration of the benchmark baseline. See the file header: not to be copied.</summary>
internal sealed partial class BaselineRegistrationService(
    ICloudMapClient client,
    IConfiguration configuration,
    IHostApplicationLifetime lifetime,
    TimeProvider timeProvider,
    ILogger<BaselineRegistrationService> logger) : IHostedService, ISampleRegistration, IDisposable
{
    /// <summary>How often the baseline pushes HEALTHY.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan DeregistrationTimeout = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private Task? _heartbeat;
    private string? _serviceId;
    private volatile bool _registered;

    public string InstanceId { get; } = configuration["CloudMap:InstanceId"] ?? SanitizeInstanceId(Environment.MachineName);

    public object Snapshot() => new
    {
        mode = nameof(SampleRegistrationMode.Baseline),
        instanceId = InstanceId,
        serviceId = _serviceId,
        registered = _registered,
    };

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var service = await client.ResolveServiceAsync(
            configuration["CloudMap:ServiceId"],
            configuration["CloudMap:NamespaceName"],
            configuration["CloudMap:ServiceName"],
            cancellationToken).ConfigureAwait(false);
        _serviceId = service.Id;

        var address = configuration["CloudMap:Address"] ?? "127.0.0.1";
        var port = ResolvePort(configuration);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_INSTANCE_IPV4"] = address,
            ["AWS_INSTANCE_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        // Registered before the app is ready, as HEALTHY (Cloud Map's default), and without waiting for the operation.
        await client.RegisterInstanceAsync(new CloudMapInstanceRegistration(service.Id, InstanceId, attributes), cancellationToken).ConfigureAwait(false);
        _registered = true;
        LogRegistered(logger, InstanceId, service.Id, address, port);

        _heartbeat = HeartbeatAsync(service.Id, _stopping.Token);
        lifetime.ApplicationStopped.Register(Deregister);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_heartbeat is not null)
        {
            await _heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task HeartbeatAsync(string serviceId, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(HeartbeatInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                // HEALTHY whatever the health checks say.
                await client.UpdateInstanceCustomHealthStatusAsync(serviceId, InstanceId, CloudMapHealthStatus.Healthy, cancellationToken).ConfigureAwait(false);
                LogHeartbeat(logger, InstanceId);
            }
            catch (CloudMapException ex)
            {
                LogHeartbeatFailed(logger, InstanceId, ex.Message);
            }
        }
    }

    // Runs after Kestrel has stopped listening: discovery still points here while nobody answers.
    private void Deregister()
    {
        if (_serviceId is null)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(DeregistrationTimeout, timeProvider);
            client.DeregisterInstanceAsync(_serviceId, InstanceId, timeout.Token).GetAwaiter().GetResult();
            _registered = false;
            LogDeregistered(logger, InstanceId);
        }
        catch (Exception ex) when (ex is CloudMapException or OperationCanceledException)
        {
            LogDeregistrationFailed(logger, InstanceId, ex.Message);
        }
    }

    private static int ResolvePort(IConfiguration configuration)
    {
        if (int.TryParse(configuration["CloudMap:Port"], System.Globalization.CultureInfo.InvariantCulture, out var configured))
        {
            return configured;
        }

        var urls = configuration["urls"]?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        foreach (var url in urls)
        {
            // "http://*:5000" and "http://+:5000" are not valid URIs; only the port matters here.
            var normalized = url.Replace("*", "localhost", StringComparison.Ordinal).Replace("+", "localhost", StringComparison.Ordinal);
            if (Uri.TryCreate(normalized, UriKind.Absolute, out var uri))
            {
                return uri.Port;
            }
        }

        return 5000;
    }

    private static string SanitizeInstanceId(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || "_/:.@-".Contains(c, StringComparison.Ordinal) ? c : '-').ToArray();
        var id = new string(chars);
        return id.Length > 64 ? id[..64] : id;
    }

    [LoggerMessage(EventId = 100, EventName = "BaselineRegistered", Level = LogLevel.Information,
        Message = "Baseline: registered instance '{InstanceId}' in service '{ServiceId}' at {Address}:{Port} at startup, before the app is ready (HEALTHY by default).")]
    private static partial void LogRegistered(ILogger logger, string instanceId, string serviceId, string address, int port);

    [LoggerMessage(EventId = 101, EventName = "BaselineHeartbeat", Level = LogLevel.Debug,
        Message = "Baseline: pushed HEALTHY for instance '{InstanceId}' (regardless of the health checks).")]
    private static partial void LogHeartbeat(ILogger logger, string instanceId);

    [LoggerMessage(EventId = 102, EventName = "BaselineHeartbeatFailed", Level = LogLevel.Warning,
        Message = "Baseline: pushing HEALTHY for instance '{InstanceId}' failed: {Error}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string instanceId, string error);

    [LoggerMessage(EventId = 103, EventName = "BaselineDeregistered", Level = LogLevel.Information,
        Message = "Baseline: deregistered instance '{InstanceId}' in ApplicationStopped, after the server stopped listening (no drain).")]
    private static partial void LogDeregistered(ILogger logger, string instanceId);

    [LoggerMessage(EventId = 104, EventName = "BaselineDeregistrationFailed", Level = LogLevel.Warning,
        Message = "Baseline: deregistering instance '{InstanceId}' failed: {Error}")]
    private static partial void LogDeregistrationFailed(ILogger logger, string instanceId, string error);
}
