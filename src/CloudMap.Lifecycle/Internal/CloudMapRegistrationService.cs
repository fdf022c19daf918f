// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Identity;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// Drives one registration through its lifecycle, in the order of the README's timeline: resolve → wait for readiness
/// → register → report running health → deregister and drain on stop. This file holds the host contract and the
/// shutdown budget; each step lives in its own partial (<c>.Resolve.cs</c>, <c>.Readiness.cs</c>, <c>.Register.cs</c>,
/// <c>.Health.cs</c>, <c>.Deregister.cs</c>) as <c>internal</c> methods the tests call directly.
/// </summary>
/// <remarks>
/// <para>
/// Two cancellation sources separate "stop waiting" from "abandon": <c>_stopping</c> fires at the start of
/// <see cref="StoppingAsync"/> and ends every wait (readiness polls, health intervals, retry backoff) so a stop during
/// the readiness wait sends nothing. A RegisterInstance already sent is finished with <c>_abort</c>, which fires only
/// when the shutdown budget is spent, so a registration in flight completes and is then deregistered (G3).
/// </para>
/// <para>
/// What Cloud Map may hold for the registration is kept by <see cref="Ledger"/>; the steps report to it. Session state
/// is written by the background work only; <see cref="StoppingAsync"/> reads it after that work has ended (or after its
/// budget ran out and it was aborted).
/// </para>
/// <para>
/// The steps are partials of one class rather than collaborator classes because they share the session (target, mode,
/// ledger, effective status) and call one another: the health step registers again and, without custom health,
/// deregisters; the stop finishes what registration left pending.
/// </para>
/// </remarks>
internal sealed partial class CloudMapRegistrationService : IHostedLifecycleService, IDisposable
{
    /// <summary>How long to wait for one Cloud Map operation (register/deregister) to reach SUCCESS or FAIL.</summary>
    internal static readonly TimeSpan OperationTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long the host's start waits for the first answer about the service. A definitive answer within it fails the
    /// start; without an answer by then the host starts and the resolution goes on in the background.
    /// </summary>
    internal static readonly TimeSpan StartupResolveTimeout = TimeSpan.FromSeconds(5);

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
    private readonly RegistrationLedger _ledger;

    private readonly Lock _lifecycleLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private CloudMapRegistrationOptions? _options;
    private Task _execution = Task.CompletedTask;
    private Task? _stop;
    private bool _started;
    private bool _stopRequested;
    private CancellationTokenRegistration _onStarted;
    private Task<CloudMapService>? _startupResolution;

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
        _ledger = new RegistrationLedger(timeProvider);
    }

    /// <summary>Gets the options, read once (at start) so one registration never sees two configurations.</summary>
    internal CloudMapRegistrationOptions Options => _options ??= _optionsMonitor.Get(_marker.Name);

    internal CloudMapRegistrationState State => _state;

    internal string OwnerToken => _ownerToken;

    /// <summary>Gets what Cloud Map may hold for this registration.</summary>
    internal RegistrationLedger Ledger => _ledger;

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
            // (The read-only check that fails the start on a wrong target is CloudMapStartupCheck's.)
            _onStarted = _lifetime.ApplicationStarted.Register(static s => ((CloudMapRegistrationService)s!).OnApplicationStarted(), this);
        }

        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Deregisters before the web server stops (G2): ends any wait, lets a registration in flight finish, deregisters if
    /// the registration is still ours (G4), then keeps the server serving for the drain delay. Never throws.
    /// </summary>
    /// <remarks>
    /// The budget is <see cref="CloudMapShutdownOptions.DeregistrationTimeout"/>: at most half of it goes to a
    /// registration still in flight, the rest (whatever is left) to the deregistration. The drain delay follows.
    /// </remarks>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        // A host may be stopped twice (WebApplicationFactory stops it, then disposes it): the second stop joins the
        // first instead of starting a second deregistration that would outlive the host.
        Task execution;
        TaskCompletionSource? owner = null;
        Task stop;
        lock (_lifecycleLock)
        {
            _stopRequested = true;
            execution = _execution;
            if (_stop is null)
            {
                owner = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _stop = owner.Task;
            }

            stop = _stop;
        }

        if (owner is null)
        {
            await stop.ConfigureAwait(false);
            return;
        }

        try
        {
            await StopOnceAsync(execution, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            owner.TrySetResult();
        }
    }

    private async Task StopOnceAsync(Task execution, CancellationToken cancellationToken)
    {
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
                    // Abandon it: the ledger remembers a RegisterInstance Cloud Map accepted (its operation id, or an
                    // unknown outcome), and DeregisterAsync waits for it to become visible before removing it.
                    await _abort.CancelAsync().ConfigureAwait(false);
                    await Task.WhenAny(execution).ConfigureAwait(false);
                }
            }

            if (!_ledger.MayHoldInstance)
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

    /// <summary>The whole background lifecycle, step by step. Never throws: an escaping exception would stop the host.</summary>
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

    private void RecordError(Exception error) => _state.LastError = error.Message;

    /// <summary>
    /// Logs a failure through <paramref name="write"/> as one line. An expected Cloud Map error (see
    /// <see cref="DefinitiveErrors.IsExpected"/>) is written without its exception, which follows at Debug (event
    /// <c>ErrorDetails</c>); anything else keeps its stack trace.
    /// </summary>
    private void LogFailure(Exception error, Action<string, Exception?> write)
    {
        var expected = DefinitiveErrors.IsExpected(error);
        write(ErrorText(error), expected ? null : error);
        if (expected && _logger.IsEnabled(LogLevel.Debug))
        {
            Log.ErrorDetails(_logger, _displayName, ((CloudMapException)error).ErrorCode, error);
        }
    }

    /// <summary>The one-line text of a failure: the Cloud Map error code and message, or the exception type and message.</summary>
    internal static string ErrorText(Exception error)
    {
        var message = error.Message.TrimEnd('.', ' ');
        var code = error is CloudMapException answer ? answer.ErrorCode : error.GetType().Name;
        return message.StartsWith(code, StringComparison.Ordinal) ? message : code + ": " + message;
    }
}
