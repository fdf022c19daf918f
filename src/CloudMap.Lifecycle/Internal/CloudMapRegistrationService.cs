// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Identity;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// Drives one registration through its lifecycle: resolve → wait for readiness → register → report running health →
/// deregister and drain on stop. The background loop is thin; every step is an <c>internal</c> method tested directly.
/// </summary>
/// <remarks>
/// <para>
/// Two cancellation sources separate "stop waiting" from "abandon": <c>_stopping</c> fires at the start of
/// <see cref="StoppingAsync"/> and ends every wait (readiness polls, health intervals, retry backoff) so a stop during
/// the readiness wait sends nothing. A RegisterInstance already sent is finished with <c>_abort</c>, which fires only
/// when the shutdown budget is spent, so a registration in flight completes and is then deregistered (G3).
/// </para>
/// <para>
/// Session fields are written by the background work only. <see cref="StoppingAsync"/> reads them after that work has
/// ended (or after its budget ran out and it was aborted).
/// </para>
/// </remarks>
internal sealed partial class CloudMapRegistrationService : IHostedLifecycleService, IDisposable
{
    /// <summary>How long to wait for one Cloud Map operation (register/deregister) to reach SUCCESS or FAIL.</summary>
    internal static readonly TimeSpan OperationTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long after a registration an InstanceNotFound is taken for "not propagated yet" (retried on the next cycle)
    /// rather than "the registration vanished" (registered again).
    /// </summary>
    internal static readonly TimeSpan InstanceNotFoundGracePeriod = TimeSpan.FromSeconds(30);

    private readonly CloudMapRegistrationMarker _marker;
    private readonly IOptionsMonitor<CloudMapRegistrationOptions> _optionsMonitor;
    private readonly ICloudMapClient _client;
    private readonly HealthCheckService _healthChecks;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly IServerAddressSource _serverAddresses;
    private readonly IInstanceIdentityResolver _identityResolver;
    private readonly CloudMapRegistrationState _state;
    private readonly LifecycleTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly IOptions<HostOptions> _hostOptions;
    private readonly ILogger _logger;
    private readonly string _displayName;
    private readonly string _ownerToken = RegistrationAttributes.NewOwnerToken();

    private readonly Lock _lifecycleLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private CloudMapRegistrationOptions? _options;
    private Task _execution = Task.CompletedTask;
    private bool _started;
    private bool _stopRequested;
    private CancellationTokenRegistration _onStarted;

    private volatile bool _registrationSent;
    private bool _firstRegistrationRecorded;
    private long? _readyTimestamp;

    // A RegisterInstance whose outcome is not known yet: Cloud Map accepted it (operation id) but we never saw the
    // operation finish, or the call ended without a definitive answer. Its instance may still appear later.
    private string? _pendingRegisterOperationId;

    // While set, InstanceNotFound during deregistration may only mean "not visible yet" (see ThrowIfNotPropagatedYet).
    private long? _visibilityGraceFrom;
    private long _lastPushTimestamp;
    private long _lastVerifyTimestamp;
    private int _disagreeingResults;

    public CloudMapRegistrationService(
        CloudMapRegistrationMarker marker,
        IOptionsMonitor<CloudMapRegistrationOptions> optionsMonitor,
        ICloudMapClient client,
        HealthCheckService healthChecks,
        IHostApplicationLifetime lifetime,
        IServerAddressSource serverAddresses,
        IInstanceIdentityResolver identityResolver,
        CloudMapRegistrationStateProvider states,
        LifecycleTelemetry telemetry,
        TimeProvider timeProvider,
        IOptions<HostOptions> hostOptions,
        ILogger<CloudMapRegistrationService> logger)
    {
        ArgumentNullException.ThrowIfNull(marker);
        ArgumentNullException.ThrowIfNull(states);
        _marker = marker;
        _optionsMonitor = optionsMonitor;
        _client = client;
        _healthChecks = healthChecks;
        _lifetime = lifetime;
        _serverAddresses = serverAddresses;
        _identityResolver = identityResolver;
        _state = states.Get(marker.Name);
        _telemetry = telemetry;
        _time = timeProvider;
        _hostOptions = hostOptions;
        _logger = logger;
        _displayName = string.IsNullOrEmpty(marker.Name) ? "default" : marker.Name;
    }

    /// <summary>Gets the options, read once (at start) so one registration never sees two configurations.</summary>
    internal CloudMapRegistrationOptions Options => _options ??= _optionsMonitor.Get(_marker.Name);

    internal CloudMapRegistrationState State => _state;

    internal string OwnerToken => _ownerToken;

    internal Task Execution
    {
        get
        {
            lock (_lifecycleLock)
            {
                return _execution;
            }
        }
    }

    internal RegistrationTarget? Target { get; set; }

    internal HealthReportingMode Mode { get; set; }

    /// <summary>Gets a value indicating whether a RegisterInstance may have reached Cloud Map and not been undone yet.</summary>
    internal bool RegistrationSent => _registrationSent;

    internal bool IsRegistered { get; private set; }

    internal CloudMapHealthStatus EffectiveStatus { get; private set; } = CloudMapHealthStatus.Healthy;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        var options = Options;
        if (!options.Enabled)
        {
            _state.Phase = CloudMapRegistrationPhase.Disabled;
            Log.RegistrationDisabled(_logger, _displayName, _marker.KeyPrefix);
            return Task.CompletedTask;
        }

        if (options.Port is null && !_serverAddresses.HasServer)
        {
            throw new InvalidOperationException($"{_marker.KeyPrefix}:Port is not set and the application has no server (IServer) to take the port from; set {_marker.KeyPrefix}:Port for a generic-host application.");
        }

        var hostShutdownTimeout = _hostOptions.Value.ShutdownTimeout;
        if (options.Shutdown.BudgetSeverity == ShutdownBudgetSeverity.Warning
            && !CloudMapRegistrationOptionsValidator.FitsShutdownBudget(options.Shutdown, hostShutdownTimeout))
        {
            Log.ShutdownBudgetExceeded(_logger, CloudMapRegistrationOptionsValidator.ShutdownBudgetMessage(_marker.KeyPrefix + ":Shutdown", options.Shutdown, hostShutdownTimeout));
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Options.Enabled)
        {
            // Nothing happens before ApplicationStarted: only then is the server listening on its real port (G1).
            _onStarted = _lifetime.ApplicationStarted.Register(static s => ((CloudMapRegistrationService)s!).OnApplicationStarted(), this);
        }

        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Deregisters before the web server stops (G2): ends any wait, lets a registration in flight finish, deregisters if
    /// the registration is still ours (G4), then keeps the server serving for the drain delay. Never throws.
    /// </summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        Task execution;
        lock (_lifecycleLock)
        {
            _stopRequested = true;
            execution = _execution;
        }

        // Options are read in StartingAsync; when they are missing or invalid the host never started us, nothing was
        // sent, and reading them here would throw at the host (the contract is: never throw).
        if (_options is not { Enabled: true })
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        var shutdown = Options.Shutdown;
        var started = _time.GetTimestamp();
        try
        {
            if (!execution.IsCompleted)
            {
                if (_state.Phase == CloudMapRegistrationPhase.Registering)
                {
                    Log.WaitingForRegistrationInFlight(_logger, _displayName);
                }

                try
                {
                    // At most half of the budget goes to a registration still in flight (throttled, retried): the
                    // rest is kept for the deregistration that must follow it.
                    await execution.WaitAsync(shutdown.DeregistrationTimeout / 2, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
                {
                    // Abandon it: a RegisterInstance Cloud Map accepted is remembered (its operation id, or an unknown
                    // outcome), and DeregisterAsync waits for it to become visible before removing it.
                    await _abort.CancelAsync().ConfigureAwait(false);
                    await Task.WhenAny(execution).ConfigureAwait(false);
                }
            }

            if (!_registrationSent)
            {
                Log.NothingToDeregister(_logger, _displayName);
                _state.Phase = CloudMapRegistrationPhase.Stopped;
                return;
            }

            await DeregisterAsync(shutdown.DeregistrationTimeout - _time.GetElapsedTime(started), cancellationToken).ConfigureAwait(false);
            _telemetry.DeregistrationDuration.Record(_time.GetElapsedTime(started).TotalSeconds, RegistrationTag());
            _state.Phase = CloudMapRegistrationPhase.Stopped;

            if (shutdown.DrainDelay > TimeSpan.Zero)
            {
                // The server still accepts requests here: clients whose caches still point at us are served.
                Log.Draining(_logger, _displayName, shutdown.DrainDelay.TotalSeconds);
                await Task.Delay(shutdown.DrainDelay, _time, cancellationToken).ConfigureAwait(false);
                Log.DrainCompleted(_logger, _displayName);
            }
        }
        catch (OperationCanceledException)
        {
            Log.ShutdownCutShort(_logger, _displayName);
            _state.Phase = CloudMapRegistrationPhase.Stopped;
        }
        catch (Exception ex)
        {
            Log.UnexpectedError(_logger, _displayName, ex);
            _state.Phase = CloudMapRegistrationPhase.Stopped;
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // StoppingAsync has already deregistered; anything still running is abandoned.
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _abort.CancelAsync().ConfigureAwait(false);
        await _onStarted.DisposeAsync().ConfigureAwait(false);
        try
        {
            await Execution.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _onStarted.Dispose();
        _stopping.Dispose();
        _abort.Dispose();
    }

    /// <summary>Starts the background work (idempotent; never after a stop was requested).</summary>
    internal void OnApplicationStarted()
    {
        lock (_lifecycleLock)
        {
            if (_started || _stopRequested)
            {
                return;
            }

            _started = true;
            var token = _stopping.Token;
            _execution = Task.Run(() => RunAsync(token), CancellationToken.None);
        }
    }

    /// <summary>The whole background lifecycle. Never throws: an escaping exception would stop the host.</summary>
    internal async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            var target = await ResolveTargetAsync(stoppingToken).ConfigureAwait(false);
            if (target is null || !await WaitForReadinessAsync(stoppingToken).ConfigureAwait(false))
            {
                return;
            }

            await RegisterAsync(CloudMapHealthStatus.Healthy, stoppingToken).ConfigureAwait(false);
            await RunHealthLoopAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested || _abort.IsCancellationRequested)
        {
            if (_state.Phase == CloudMapRegistrationPhase.WaitingForReadiness)
            {
                Log.StoppedBeforeRegistration(_logger, _displayName);
            }
        }
        catch (Exception ex)
        {
            RecordError(ex);
            _state.Phase = CloudMapRegistrationPhase.Failed;
            Log.UnexpectedError(_logger, _displayName, ex);
        }
    }

    /// <summary>
    /// Learns who and where this instance is (local: options, platform metadata, server addresses) and which service
    /// it joins (GetService; read-only, retried with backoff until it succeeds). Returns <see langword="null"/> after
    /// logging a configuration problem that retrying cannot fix.
    /// </summary>
    internal async Task<RegistrationTarget?> ResolveTargetAsync(CancellationToken cancellationToken)
    {
        var options = Options;
        _state.Phase = CloudMapRegistrationPhase.Resolving;

        var identity = InstanceIdentity.None;
        if (options.InstanceId is null || options.Address is null || options.Port is null)
        {
            identity = await _identityResolver.ResolveAsync(cancellationToken).ConfigureAwait(false);
        }

        var instanceId = options.InstanceId ?? identity.InstanceId ?? HostIdentity.SanitizeInstanceId(Environment.MachineName);
        var bound = _serverAddresses.GetAddresses().Select(ParseBinding).OfType<(IPAddress? Host, int Port)>().ToList();

        var port = options.Port;
        if (port is null && bound.Count > 0)
        {
            // In ECS bridge mode the container port is mapped to a host port; only the host port is reachable.
            port = identity.HostPorts.TryGetValue(bound[0].Port, out var hostPort) ? hostPort : bound[0].Port;
        }

        if (port is not > 0)
        {
            return FailConfiguration($"{_marker.KeyPrefix}:Port is not set and the server reports no bound address to take the port from; set {_marker.KeyPrefix}:Port.");
        }

        var address = options.Address is { } configured
            ? IPAddress.Parse(configured)
            : identity.Address ?? bound.Select(b => b.Host).FirstOrDefault(h => h is not null) ?? HostIdentity.FirstNonLoopbackIPv4();
        if (address is null)
        {
            return FailConfiguration($"{_marker.KeyPrefix}:Address is not set and no address could be found (no platform metadata, no specific server binding, no non-loopback IPv4 interface); set {_marker.KeyPrefix}:Address.");
        }

        _state.InstanceId = instanceId;
        _state.Address = address.ToString();
        _state.Port = port;

        CloudMapService service;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                service = await CallAsync(
                    "ResolveService",
                    ct => _client.ResolveServiceAsync(options.ServiceId, options.NamespaceName, options.ServiceName, ct),
                    cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                RecordError(ex);
                if (ex is CloudMapException { ErrorCode: CloudMapErrorCodes.ServiceNotFound or CloudMapErrorCodes.NamespaceNotFound or CloudMapErrorCodes.AccessDeniedException })
                {
                    // Probably a configuration or permission problem: say so, but keep trying (it may be created later).
                    _state.Phase = CloudMapRegistrationPhase.Failed;
                }

                Log.ResolveFailed(_logger, _displayName, attempt + 1, ex);
            }

            await Task.Delay(Backoff.Delay(attempt), _time, cancellationToken).ConfigureAwait(false);
        }

        Mode = service.HealthCheckKind switch
        {
            ServiceHealthCheckKind.Custom => HealthReportingMode.Custom,
            ServiceHealthCheckKind.Route53 => HealthReportingMode.ReportOnly,
            _ => options.Health.UnmanagedMode == UnmanagedHealthMode.DeregisterWhileUnhealthy
                ? HealthReportingMode.DeregisterWhileUnhealthy
                : HealthReportingMode.ReportOnly,
        };
        _state.ServiceId = service.Id;
        _state.LastError = null;
        _state.Phase = CloudMapRegistrationPhase.Resolving;
        Log.TargetResolved(_logger, _displayName, instanceId, address, port.Value, service.Id, service.HealthCheckKind, identity.Source);
        return Target = new RegistrationTarget(service, instanceId, address, port.Value);
    }

    /// <summary>
    /// Polls the readiness checks until <see cref="CloudMapReadinessOptions.ConsecutiveSuccesses"/> pass in a row.
    /// Returns <see langword="false"/> when the timeout policy stopped the application.
    /// </summary>
    internal async Task<bool> WaitForReadinessAsync(CancellationToken cancellationToken)
    {
        var readiness = Options.Readiness;
        _state.Phase = CloudMapRegistrationPhase.WaitingForReadiness;
        Log.WaitingForReadiness(_logger, _displayName, readiness.Predicate is null ? readiness.Tag : "(predicate)", readiness.ConsecutiveSuccesses);
        var started = _time.GetTimestamp();
        var nextTimeoutReport = readiness.Timeout;
        var successes = 0;
        while (true)
        {
            successes = await IsHealthyAsync(ReadinessPredicate, cancellationToken).ConfigureAwait(false) ? successes + 1 : 0;
            if (successes >= readiness.ConsecutiveSuccesses)
            {
                var now = _time.GetTimestamp();
                _readyTimestamp = now;
                var waitedForReady = _time.GetElapsedTime(started, now).TotalSeconds;
                Log.ReadinessPassed(_logger, _displayName, waitedForReady);
                return true;
            }

            var waited = _time.GetElapsedTime(started);
            if (readiness.Timeout != Timeout.InfiniteTimeSpan && waited >= nextTimeoutReport)
            {
                if (readiness.TimeoutBehavior == ReadinessTimeoutBehavior.StopApplication)
                {
                    _state.LastError = string.Create(CultureInfo.InvariantCulture, $"The readiness checks did not pass within {readiness.Timeout}.");
                    _state.Phase = CloudMapRegistrationPhase.Failed;
                    Log.ReadinessTimedOutStopping(_logger, _displayName, readiness.Timeout.TotalSeconds);
                    _lifetime.StopApplication();
                    return false;
                }

                Log.ReadinessTimedOutWaiting(_logger, _displayName, waited.TotalSeconds);
                nextTimeoutReport += readiness.Timeout;
            }

            await Task.Delay(readiness.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Registers, retrying failures with backoff and jitter until it succeeds. A stop before an attempt is sent
    /// (<paramref name="cancellationToken"/>) sends nothing; an attempt already sent is finished.
    /// </summary>
    internal async Task RegisterAsync(CloudMapHealthStatus initialStatus, CancellationToken cancellationToken)
    {
        _ = Target ?? throw new InvalidOperationException("The target must be resolved before registering.");
        _state.Phase = CloudMapRegistrationPhase.Registering;
        for (var attempt = 0; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await RegisterOnceAsync(initialStatus).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_abort.IsCancellationRequested)
            {
                RecordError(ex);
                Log.RegistrationAttemptFailed(_logger, _displayName, attempt + 1, ex);
            }

            await Task.Delay(Backoff.Delay(attempt), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One RegisterInstance, waited to SUCCESS. Runs on the abort token only: once sent, it is finished even while the
    /// host stops, so that deregistration can follow it (G3).
    /// </summary>
    internal async Task RegisterOnceAsync(CloudMapHealthStatus initialStatus)
    {
        var target = Target ?? throw new InvalidOperationException("The target must be resolved before registering.");
        var token = _abort.Token;
        _state.Phase = CloudMapRegistrationPhase.Registering;
        var attributes = RegistrationAttributes.Build(target.Address, target.Port, _ownerToken, target.Service.HealthCheckKind, initialStatus, Options.Attributes);
        var request = new CloudMapInstanceRegistration(target.Service.Id, target.InstanceId, attributes, Guid.NewGuid().ToString("N"));
        Log.Registering(_logger, _displayName, target.InstanceId, target.Service.Id);
        using var activity = StartActivity("Register", target);

        _registrationSent = true;
        string operationId;
        try
        {
            operationId = await SendRegisterAsync(request, token).ConfigureAwait(false);
        }
        catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.DuplicateRequest && ex.DuplicateOperationId is { } duplicate)
        {
            // Another RegisterInstance for this instance is still running (ours after a lost answer, or a predecessor's).
            // Let it finish, then re-check: if the registration is ours we are done, otherwise register over it.
            Log.DuplicateRequest(_logger, _displayName, "RegisterInstance", duplicate);
            await WaitForOperationAsync(duplicate, token).ConfigureAwait(false);
            if (await IsOwnRegistrationAsync(token).ConfigureAwait(false))
            {
                MarkRegistered(initialStatus);
                return;
            }

            operationId = await SendRegisterAsync(request, token).ConfigureAwait(false);
        }

        var operation = await WaitForOperationAsync(operationId, token).ConfigureAwait(false);
        _pendingRegisterOperationId = null;
        if (operation.Status != CloudMapOperationStatus.Success)
        {
            var error = new CloudMapException(CloudMapErrorCodes.OperationFailed, $"RegisterInstance operation '{operationId}' failed: {operation.ErrorCode} {operation.ErrorMessage}", statusCode: null, requestId: null);
            MarkFailed(activity, error);
            throw error;
        }

        MarkRegistered(initialStatus);
    }

    /// <summary>
    /// Sends one RegisterInstance and remembers what a later deregistration must know about it: the accepted
    /// operation (its instance appears only when the operation succeeds), or that the outcome is unknown.
    /// </summary>
    private async Task<string> SendRegisterAsync(CloudMapInstanceRegistration request, CancellationToken cancellationToken)
    {
        _visibilityGraceFrom = _time.GetTimestamp();
        try
        {
            var operationId = await CallAsync("RegisterInstance", ct => _client.RegisterInstanceAsync(request, ct), cancellationToken).ConfigureAwait(false);
            _pendingRegisterOperationId = operationId;
            return operationId;
        }
        catch (CloudMapException ex) when (!IsRegistered && ex.StatusCode is { } status && (int)status is >= 400 and < 500)
        {
            // Cloud Map answered with a client error (validation, throttling, duplicate): nothing was applied.
            _visibilityGraceFrom = null;
            throw;
        }
    }

    internal async Task RunHealthLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(Options.Health.Interval, _time, cancellationToken).ConfigureAwait(false);
            await RunHealthCycleAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One running-health cycle: run the checks, apply the thresholds, and reflect the result in Cloud Map according to
    /// <see cref="Mode"/>. Cloud Map failures are logged and retried on the next cycle; they never end the loop.
    /// </summary>
    internal async Task RunHealthCycleAsync(CancellationToken cancellationToken)
    {
        ObserveHealth(await IsHealthyAsync(HealthPredicate, cancellationToken).ConfigureAwait(false));
        try
        {
            switch (Mode)
            {
                case HealthReportingMode.Custom:
                    await PushHealthAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case HealthReportingMode.DeregisterWhileUnhealthy:
                    await ReflectHealthByRegistrationAsync(cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await EnsureRegisteredAsync(cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !_abort.IsCancellationRequested)
        {
            RecordError(ex);
            Log.HealthCycleFailed(_logger, _displayName, ex);
        }
    }

    /// <summary>Applies the consecutive thresholds: the effective status flips only after enough results in a row disagree with it.</summary>
    internal void ObserveHealth(bool passing)
    {
        var observed = passing ? CloudMapHealthStatus.Healthy : CloudMapHealthStatus.Unhealthy;
        if (observed == EffectiveStatus)
        {
            _disagreeingResults = 0;
        }
        else
        {
            var health = Options.Health;
            var threshold = observed == CloudMapHealthStatus.Healthy ? health.HealthyThreshold : health.UnhealthyThreshold;
            if (++_disagreeingResults >= threshold)
            {
                EffectiveStatus = observed;
                _disagreeingResults = 0;
                Log.HealthChanged(_logger, _displayName, observed, threshold);
            }
        }

        _state.ObservedStatus = EffectiveStatus;
    }

    /// <summary>
    /// Custom health: pushes the effective status when it differs from the last pushed one or when the re-assert
    /// interval has elapsed. InstanceNotFound soon after registering is retried next cycle; later it means the
    /// registration vanished, so it is registered again (G6). CustomHealthNotFound switches to the fallback mode.
    /// </summary>
    internal async Task PushHealthAsync(CancellationToken cancellationToken)
    {
        if (!IsRegistered)
        {
            await RegisterOnceAsync(EffectiveStatus).ConfigureAwait(false);
            return;
        }

        var status = EffectiveStatus;
        if (_state.LastPushedStatus == status && _time.GetElapsedTime(_lastPushTimestamp) < Options.Health.ReassertInterval)
        {
            return;
        }

        var target = Target!;
        try
        {
            await CallAsync(
                "UpdateInstanceCustomHealthStatus",
                async ct =>
                {
                    await _client.UpdateInstanceCustomHealthStatusAsync(target.Service.Id, target.InstanceId, status, ct).ConfigureAwait(false);
                    return true;
                },
                cancellationToken).ConfigureAwait(false);
            var changed = _state.LastPushedStatus != status;
            _state.LastPushedStatus = status;
            _state.LastError = null;
            _lastPushTimestamp = _time.GetTimestamp();
            Log.HealthPushed(_logger, _displayName, status, changed ? "changed" : "re-asserted");
        }
        catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.InstanceNotFound)
        {
            await OnInstanceNotFoundAsync(ex).ConfigureAwait(false);
        }
        catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.CustomHealthNotFound)
        {
            Mode = Options.Health.UnmanagedMode == UnmanagedHealthMode.DeregisterWhileUnhealthy
                ? HealthReportingMode.DeregisterWhileUnhealthy
                : HealthReportingMode.ReportOnly;
            Log.CustomHealthNotFound(_logger, _displayName, target.Service.Id, Mode);
            if (Mode == HealthReportingMode.DeregisterWhileUnhealthy)
            {
                await ReflectHealthByRegistrationAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>No custom health: deregister while unhealthy, register again once healthy (the only lever left).</summary>
    internal async Task ReflectHealthByRegistrationAsync(CancellationToken cancellationToken)
    {
        if (EffectiveStatus == CloudMapHealthStatus.Unhealthy)
        {
            if (IsRegistered)
            {
                var outcome = await DeregisterOwnedOnceAsync(_abort.Token).ConfigureAwait(false);
                IsRegistered = false;
                if (outcome != DeregisterOutcome.NotOwned)
                {
                    _registrationSent = false;
                    _visibilityGraceFrom = null;
                }

                _state.Phase = CloudMapRegistrationPhase.DeregisteredWhileUnhealthy;
                Log.DeregisteredWhileUnhealthy(_logger, _displayName, Target!.InstanceId);
            }

            return;
        }

        await EnsureRegisteredAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Registers again when not registered; otherwise checks, every re-assert interval, that the registration still exists (G6).</summary>
    internal async Task EnsureRegisteredAsync(CancellationToken cancellationToken)
    {
        if (!IsRegistered)
        {
            await RegisterOnceAsync(EffectiveStatus).ConfigureAwait(false);
            return;
        }

        if (_time.GetElapsedTime(_lastVerifyTimestamp) < Options.Health.ReassertInterval)
        {
            return;
        }

        var target = Target!;
        try
        {
            await CallAsync("GetInstance", ct => _client.GetInstanceAsync(target.Service.Id, target.InstanceId, ct), cancellationToken).ConfigureAwait(false);
            _lastVerifyTimestamp = _time.GetTimestamp();
        }
        catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.InstanceNotFound)
        {
            await OnInstanceNotFoundAsync(ex).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deregisters within <paramref name="timeout"/>, retrying with backoff, only if the registration is still ours.
    /// Returns whether a registration was removed. Never throws: a failure is logged as a warning.
    /// </summary>
    internal async Task<bool> DeregisterAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var target = Target;
        if (target is null)
        {
            return false;
        }

        _state.Phase = CloudMapRegistrationPhase.Deregistering;
        Log.Deregistering(_logger, _displayName, target.InstanceId, target.Service.Id);
        if (timeout > TimeSpan.Zero)
        {
            using var timeoutSource = new CancellationTokenSource(timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
            using var activity = StartActivity("Deregister", target);
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var outcome = await DeregisterOwnedOnceAsync(linked.Token).ConfigureAwait(false);
                    IsRegistered = false;
                    _registrationSent = false;
                    _visibilityGraceFrom = null;
                    if (outcome == DeregisterOutcome.Deregistered)
                    {
                        Log.Deregistered(_logger, _displayName, target.InstanceId, target.Service.Id);
                    }

                    return outcome == DeregisterOutcome.Deregistered;
                }
                catch (OperationCanceledException) when (linked.IsCancellationRequested)
                {
                    MarkFailed(activity, null);
                    break;
                }
                catch (Exception ex)
                {
                    RecordError(ex);
                    Log.DeregistrationAttemptFailed(_logger, _displayName, attempt + 1, ex);
                }

                try
                {
                    await Task.Delay(Backoff.Delay(attempt), _time, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    MarkFailed(activity, null);
                    break;
                }
            }
        }

        Log.DeregistrationFailed(_logger, _displayName, target.InstanceId, target.Service.Id, timeout.TotalSeconds, _state.LastError);
        return false;
    }

    /// <summary>One ownership-checked deregistration (G4), waited to SUCCESS.</summary>
    /// <remarks>
    /// Cloud Map has no conditional delete, so a takeover between the GetInstance and the DeregisterInstance cannot be
    /// excluded; the window is one round trip, and a taking-over process re-asserts its registration on its next cycle.
    /// </remarks>
    internal async Task<DeregisterOutcome> DeregisterOwnedOnceAsync(CancellationToken cancellationToken)
    {
        var target = Target!;
        if (_pendingRegisterOperationId is { } pending)
        {
            // A RegisterInstance was accepted but never seen to finish (e.g. GetOperation failed, then the stop came):
            // its instance appears only when the operation succeeds, so wait for it before looking for the instance.
            Log.WaitingForPendingRegistration(_logger, _displayName, pending);
            var registration = await WaitForOperationAsync(pending, cancellationToken).ConfigureAwait(false);
            _pendingRegisterOperationId = null;
            if (registration.Status == CloudMapOperationStatus.Success)
            {
                _visibilityGraceFrom = _time.GetTimestamp();
            }
            else if (!IsRegistered)
            {
                _visibilityGraceFrom = null;
            }
        }

        for (var duplicateRounds = 0; ; duplicateRounds++)
        {
            CloudMapInstance instance;
            try
            {
                instance = await CallAsync("GetInstance", ct => _client.GetInstanceAsync(target.Service.Id, target.InstanceId, ct), cancellationToken).ConfigureAwait(false);
            }
            catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.InstanceNotFound)
            {
                ThrowIfNotPropagatedYet(ex);
                Log.AlreadyGone(_logger, _displayName, target.InstanceId);
                return DeregisterOutcome.NotFound;
            }

            if (!RegistrationAttributes.IsOwnedBy(instance, _ownerToken))
            {
                Log.NotOwned(_logger, _displayName, target.InstanceId, RegistrationAttributes.OwnerOf(instance) ?? "(none)");
                return DeregisterOutcome.NotOwned;
            }

            string operationId;
            try
            {
                operationId = await CallAsync("DeregisterInstance", ct => _client.DeregisterInstanceAsync(target.Service.Id, target.InstanceId, ct), cancellationToken).ConfigureAwait(false);
            }
            catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.InstanceNotFound)
            {
                ThrowIfNotPropagatedYet(ex);
                Log.AlreadyGone(_logger, _displayName, target.InstanceId);
                return DeregisterOutcome.NotFound;
            }
            catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.DuplicateRequest && ex.DuplicateOperationId is { } duplicate && duplicateRounds < 3)
            {
                Log.DuplicateRequest(_logger, _displayName, "DeregisterInstance", duplicate);
                await WaitForOperationAsync(duplicate, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var operation = await WaitForOperationAsync(operationId, cancellationToken).ConfigureAwait(false);
            if (operation.Status != CloudMapOperationStatus.Success)
            {
                throw new CloudMapException(CloudMapErrorCodes.OperationFailed, $"DeregisterInstance operation '{operationId}' failed: {operation.ErrorCode} {operation.ErrorMessage}", statusCode: null, requestId: null);
            }

            return DeregisterOutcome.Deregistered;
        }
    }

    internal static (IPAddress? Host, int Port)? ParseBinding(string address)
    {
        var schemeEnd = address.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return null;
        }

        var rest = address[(schemeEnd + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            rest = rest[..slash];
        }

        string host;
        string portText;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return null;
            }

            host = rest[1..close];
            portText = rest[(close + 1)..].TrimStart(':');
        }
        else
        {
            var colon = rest.LastIndexOf(':');
            host = colon < 0 ? rest : rest[..colon];
            portText = colon < 0 ? string.Empty : rest[(colon + 1)..];
        }

        int port;
        if (portText.Length == 0)
        {
            port = address.StartsWith("https", StringComparison.OrdinalIgnoreCase) ? 443 : 80;
        }
        else if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return null;
        }

        IPAddress? ip = null;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            ip = IPAddress.Loopback;
        }
        else if (IPAddress.TryParse(host, out var parsed) && !parsed.Equals(IPAddress.Any) && !parsed.Equals(IPAddress.IPv6Any))
        {
            ip = parsed;
        }

        return (ip, port);
    }

    private static bool IsOwnCheck(HealthCheckRegistration registration) =>
        registration.Tags.Contains(CloudMapRegistrationHealthCheck.Tag);

    private bool ReadinessPredicate(HealthCheckRegistration registration)
    {
        var readiness = Options.Readiness;
        return !IsOwnCheck(registration)
            && (readiness.Predicate?.Invoke(registration) ?? registration.Tags.Contains(readiness.Tag));
    }

    private bool HealthPredicate(HealthCheckRegistration registration)
    {
        var health = Options.Health;
        if (IsOwnCheck(registration))
        {
            return false;
        }

        if (health.Predicate is not null)
        {
            return health.Predicate(registration);
        }

        return health.Tag is null ? ReadinessPredicate(registration) : registration.Tags.Contains(health.Tag);
    }

    /// <summary>Healthy or Degraded counts as passing (Degraded still serves); a throwing check service counts as failing.</summary>
    private async Task<bool> IsHealthyAsync(Func<HealthCheckRegistration, bool> predicate, CancellationToken cancellationToken)
    {
        try
        {
            var report = await _healthChecks.CheckHealthAsync(predicate, cancellationToken).ConfigureAwait(false);
            return report.Status != HealthStatus.Unhealthy;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.HealthCheckThrew(_logger, _displayName, ex);
            return false;
        }
    }

    private async Task OnInstanceNotFoundAsync(CloudMapException error)
    {
        if (IsWithinVisibilityGrace())
        {
            // Right after RegisterInstance the instance may not have propagated yet: try again next cycle.
            Log.InstanceNotPropagatedYet(_logger, _displayName, Target!.InstanceId);
            return;
        }

        RecordError(error);
        IsRegistered = false;
        Log.RegistrationVanished(_logger, _displayName, Target!.InstanceId, Target.Service.Id);
        await RegisterOnceAsync(EffectiveStatus).ConfigureAwait(false);
    }

    /// <summary>
    /// InstanceNotFound for a registration that succeeded moments ago may only mean "not propagated yet": taking it as
    /// "already gone" would leave a zombie once the instance appears. Throwing makes the caller retry with backoff
    /// within its deregistration timeout.
    /// </summary>
    private void ThrowIfNotPropagatedYet(CloudMapException notFound)
    {
        if (_visibilityGraceFrom is { } from && IsWithinVisibilityGrace())
        {
            Log.InstanceNotPropagatedYet(_logger, _displayName, Target!.InstanceId);
            throw new CloudMapException(
                CloudMapErrorCodes.InstanceNotFound,
                $"Instance '{Target!.InstanceId}' was registered {_time.GetElapsedTime(from).TotalSeconds:0.#} s ago and is not visible yet; retrying the deregistration.",
                notFound.StatusCode,
                notFound.RequestId,
                notFound);
        }
    }

    /// <summary>Whether InstanceNotFound may still mean "not propagated yet" for the latest registration.</summary>
    private bool IsWithinVisibilityGrace() =>
        _visibilityGraceFrom is { } from && _time.GetElapsedTime(from) < InstanceNotFoundGracePeriod;

    private async Task<bool> IsOwnRegistrationAsync(CancellationToken cancellationToken)
    {
        var target = Target!;
        try
        {
            var instance = await CallAsync("GetInstance", ct => _client.GetInstanceAsync(target.Service.Id, target.InstanceId, ct), cancellationToken).ConfigureAwait(false);
            return RegistrationAttributes.IsOwnedBy(instance, _ownerToken);
        }
        catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.InstanceNotFound)
        {
            return false;
        }
    }

    private Task<CloudMapOperation> WaitForOperationAsync(string operationId, CancellationToken cancellationToken) =>
        CallAsync("WaitForOperation", ct => _client.WaitForOperationAsync(operationId, _time, OperationTimeout, ct), cancellationToken);

    private void MarkRegistered(CloudMapHealthStatus initialStatus)
    {
        var target = Target!;
        var now = _time.GetTimestamp();
        IsRegistered = true;
        _visibilityGraceFrom = now;
        _lastPushTimestamp = now;
        _lastVerifyTimestamp = now;
        if (target.Service.HealthCheckKind == ServiceHealthCheckKind.Custom)
        {
            _state.LastPushedStatus = initialStatus;
        }

        _state.RegisteredAt = _time.GetUtcNow();
        _state.LastError = null;
        _state.Phase = CloudMapRegistrationPhase.Registered;
        if (!_firstRegistrationRecorded && _readyTimestamp is { } ready)
        {
            _firstRegistrationRecorded = true;
            _telemetry.RegistrationDuration.Record(_time.GetElapsedTime(ready).TotalSeconds, RegistrationTag());
        }

        Log.Registered(_logger, _displayName, target.InstanceId, target.Service.Id, target.Address, target.Port);
    }

    private RegistrationTarget? FailConfiguration(string message)
    {
        _state.LastError = message;
        _state.Phase = CloudMapRegistrationPhase.Failed;
        Log.ConfigurationProblem(_logger, _displayName, message);
        return null;
    }

    private void RecordError(Exception error) => _state.LastError = error.Message;
}
