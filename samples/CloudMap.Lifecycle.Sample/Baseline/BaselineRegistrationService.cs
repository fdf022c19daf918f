// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

// ANTI-PATTERN — DO NOT COPY. This is the Cloud Map registration most teams hand-roll today, kept only as the
// point of comparison of the benchmarks: the sample's Baseline mode (Sample:RegistrationMode=Baseline) and the
// baseline column of every scenario run this one type. Everything the library fixes is wrong here on purpose:
//   - RegisterInstance in StartAsync: before the web server listens and before the cache is warm (routable before
//     ready), with the default initial health (HEALTHY: no AWS_INIT_HEALTH_STATUS), operation not awaited;
//   - a timer that pushes HEALTHY every 10 s whatever the app's health (status never truthful);
//   - DeregisterInstance in ApplicationStopped: after the web server has stopped listening (routable after stop),
//     no drain, no ownership check, and nothing at all if the process dies first (zombie).
using System.Globalization;

namespace CloudMap.Lifecycle.Sample.Baseline;

/// <summary>The hand-rolled registration of the benchmark baseline. See the file header: not to be copied.</summary>
public sealed partial class BaselineRegistrationService : IHostedService, ISampleRegistration, IDisposable
{
    /// <summary>How often the baseline pushes HEALTHY.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan DeregistrationTimeout = TimeSpan.FromSeconds(5);

    private readonly BaselineCloudMapClient _client;
    private readonly BaselineRegistrationSettings _settings;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly ILogger<BaselineRegistrationService> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _heartbeat;
    private string? _serviceId;
    private volatile bool _registerSent;
    private volatile bool _registered;
    private volatile string? _deregisterError;

    /// <summary>Initializes a new instance of the <see cref="BaselineRegistrationService"/> class.</summary>
    /// <param name="client">The baseline's own Cloud Map client.</param>
    /// <param name="settings">Who registers, and where.</param>
    /// <param name="lifetime">The host lifetime (deregistration runs in ApplicationStopped).</param>
    /// <param name="time">The clock of the heartbeat and of the deregistration timeout.</param>
    /// <param name="logger">The logger.</param>
    public BaselineRegistrationService(
        BaselineCloudMapClient client,
        BaselineRegistrationSettings settings,
        IHostApplicationLifetime lifetime,
        TimeProvider time,
        ILogger<BaselineRegistrationService> logger)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _lifetime = lifetime ?? throw new ArgumentNullException(nameof(lifetime));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Gets the instance id this process registers as.</summary>
    public string InstanceId => _settings.InstanceId;

    /// <summary>Gets a value indicating whether RegisterInstance has been sent.</summary>
    public bool RegisterSent => _registerSent;

    /// <summary>Gets a value indicating whether RegisterInstance was accepted and no deregistration succeeded since.</summary>
    public bool Registered => _registered;

    /// <summary>Gets the error code of a failed deregistration (<c>timeout</c> when it did not answer in time), for the reports.</summary>
    public string? DeregisterError => _deregisterError;

    /// <summary>Returns what <c>GET /admin/registration</c> shows.</summary>
    /// <returns>A JSON-serializable snapshot.</returns>
    public object Snapshot() => new
    {
        mode = nameof(SampleRegistrationMode.Baseline),
        instanceId = InstanceId,
        serviceId = _serviceId,
        registered = _registered,
    };

    /// <summary>Resolves the service and registers at once, before the app is ready; starts the heartbeat.</summary>
    /// <param name="cancellationToken">The host's start token.</param>
    /// <returns>A task that completes when RegisterInstance was accepted.</returns>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var serviceId = await _client.ResolveServiceIdAsync(_settings.ServiceId, _settings.NamespaceName, _settings.ServiceName, cancellationToken).ConfigureAwait(false);
        _serviceId = serviceId;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_INSTANCE_IPV4"] = _settings.Address,
            ["AWS_INSTANCE_PORT"] = _settings.Port.ToString(CultureInfo.InvariantCulture),
        };

        // Registered before the app is ready, as HEALTHY (Cloud Map's default), and without waiting for the operation.
        _registerSent = true;
        await _client.RegisterInstanceAsync(serviceId, InstanceId, attributes, cancellationToken).ConfigureAwait(false);
        _registered = true;
        LogRegistered(_logger, InstanceId, serviceId, _settings.Address, _settings.Port);

        _heartbeat = HeartbeatAsync(serviceId, _stopping.Token);
        _lifetime.ApplicationStopped.Register(Deregister);
    }

    /// <summary>Stops the heartbeat (the deregistration comes later, in ApplicationStopped).</summary>
    /// <param name="cancellationToken">The host's stop token.</param>
    /// <returns>A task that completes when the heartbeat has ended.</returns>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_heartbeat is not null)
        {
            await _heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stopping.Dispose();

    private async Task HeartbeatAsync(string serviceId, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(HeartbeatInterval, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                // HEALTHY whatever the health checks say.
                await _client.UpdateInstanceCustomHealthStatusAsync(serviceId, InstanceId, healthy: true, cancellationToken).ConfigureAwait(false);
                LogHeartbeat(_logger, InstanceId);
            }
            catch (BaselineCloudMapException ex)
            {
                // Ignored: the next tick tries again.
                LogHeartbeatFailed(_logger, InstanceId, ex.Message);
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
            using var timeout = new CancellationTokenSource(DeregistrationTimeout, _time);
            _client.DeregisterInstanceAsync(_serviceId, InstanceId, timeout.Token).GetAwaiter().GetResult();
            _registered = false;
            LogDeregistered(_logger, InstanceId);
        }
        catch (Exception ex) when (ex is BaselineCloudMapException or OperationCanceledException)
        {
            // Logged and forgotten, as usual in hand-rolled code: the registration stays behind.
            _deregisterError = ex is BaselineCloudMapException cloudMap ? cloudMap.ErrorCode : "timeout";
            LogDeregistrationFailed(_logger, InstanceId, ex.Message);
        }
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
