// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Identity;
using CloudMap.Lifecycle.Internal.Cleanup;
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

    /// <summary>
    /// The longest the stop waits for background work that is only waiting (readiness, health interval, backoff), and
    /// again after aborting whatever it still does: it ends at once when it honours cancellation, and a check or call
    /// that ignores it must not hold the deregistration back. A tenth of the budget when that is shorter.
    /// </summary>
    internal static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(1);

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
    private readonly IOptions<CloudMapClientOptions>? _clientOptions;
    private readonly ProofOfLifeResponder? _proofOfLife;

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
    private Task? _startupJitter;
    private int _stopBudgetChecked;

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
        ILogger<CloudMapRegistrationService> logger,
        IOptions<CloudMapClientOptions>? clientOptions = null,
        ProofOfLifeResponder? proofOfLife = null,
        IPeerProber? peerProber = null)
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
        _clientOptions = clientOptions;
        _proofOfLife = proofOfLife;

        // The transport serves the data plane too; a control-plane-only client (a test fake) leaves the ownership watch off.
        DiscoveryClient = client as ICloudMapDiscoveryClient;

        // Crash cleanup runs only with a prober (registered by the proof-of-life services); none, no cleanup.
        PeerProber = peerProber;
    }

    /// <summary>
    /// Gets or sets how an exit code is reported (<see cref="LifecycleExitCodes.SetUnlessAlreadySet"/>: the process's
    /// <see cref="Environment.ExitCode"/>, unless already non-zero); a seam, so tests never change their own process's code.
    /// </summary>
    internal Func<int, bool> SetExitCode { get; set; } = LifecycleExitCodes.SetUnlessAlreadySet;

    /// <summary>Gets or sets the source of the random part of <see cref="CloudMapRegistrationOptions.StartupJitter"/> (0 to 1); a seam for tests.</summary>
    internal Func<double> NextRandom { get; set; } = Random.Shared.NextDouble;

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

        // Checked here rather than by the options validator: the client's options are another options type, whose
        // validation reads these options (reading them back from there would recurse). Both are validated by now.
        if (_clientOptions?.Value.AttemptTimeout is { } attemptTimeout
            && !CloudMapRegistrationOptionsValidator.AttemptFitsDeregistrationBudget(attemptTimeout, options.Shutdown))
        {
            throw new OptionsValidationException(_marker.Name, typeof(CloudMapRegistrationOptions), [CloudMapRegistrationOptionsValidator.AttemptBudgetMessage(_marker.KeyPrefix + ":Shutdown", attemptTimeout, options.Shutdown)]);
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
    /// The budget is <see cref="CloudMapShutdownOptions.DeregistrationTimeout"/>, and every wait in it is bounded by what
    /// is left of it (and by the host's token): at most half of it goes to a registration still in flight; background
    /// work that is only waiting gets <see cref="StopGrace"/>, and again after it is aborted, and is then left behind
    /// (a check that ignores cancellation cannot hold the deregistration back); the rest goes to the deregistration,
    /// whose every attempt is cut to half of the time left. The drain delay follows when clients may have seen the instance.
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
        // Crash cleanup first, and never waited for here: a sweep or probe in flight cannot delay the deregistration.
        await CancelCleanupAsync().ConfigureAwait(false);

        // Options are read in StartingAsync; when they are missing or invalid the host never started us, nothing was
        // sent, and reading them here would throw at the host (the contract is: never throw).
        if (_options is not { Enabled: true })
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        var shutdown = Options.Shutdown;
        var budget = shutdown.DeregistrationTimeout;
        var started = _time.GetTimestamp();
        try
        {
            await EndBackgroundWorkAsync(execution, budget, cancellationToken).ConfigureAwait(false);
            if (!_ledger.MayHoldInstance)
            {
                Log.NothingToDeregister(_logger, _displayName);
                _state.Phase = CloudMapRegistrationPhase.Stopped;
                return;
            }

            // Read before deregistering (which forgets it): whether clients may have seen the instance.
            var wasConfirmed = _ledger.IsConfirmed;
            var outcome = await DeregisterWithinAsync(budget - _time.GetElapsedTime(started), cancellationToken).ConfigureAwait(false);
            _telemetry.DeregistrationDuration.Record(_time.GetElapsedTime(started).TotalSeconds, RegistrationTag());
            _state.Phase = CloudMapRegistrationPhase.Stopped;
            if (outcome == DeregisterOutcome.Failed && SetExitCode(LifecycleExitCodes.DeregistrationFailed))
            {
                Log.ExitCodeSet(_logger, _displayName, LifecycleExitCodes.DeregistrationFailed, "the instance may stay registered in Cloud Map");
            }

            var budgetLeft = budget - _time.GetElapsedTime(started);
            if (WhyNoDrain(outcome, wasConfirmed) is { } reason)
            {
                Log.DrainSkipped(_logger, _displayName, reason);
                return;
            }

            var drained = shutdown.DrainDelay > TimeSpan.Zero;
            if (drained)
            {
                // The server still accepts requests here: clients whose caches still point at us are served.
                Log.Draining(_logger, _displayName, shutdown.DrainDelay.TotalSeconds);
                await Task.Delay(shutdown.DrainDelay, _time, cancellationToken).ConfigureAwait(false);
                Log.DrainCompleted(_logger, _displayName);
            }

            if (outcome == DeregisterOutcome.Deregistered)
            {
                // One GetOperation after the drain instead of a loop before it (issue 15).
                await ConfirmDeregistrationAsync(drained, budgetLeft, cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// Lets the background work end, never waiting unboundedly: a registration in flight gets up to half of the budget
    /// (it is then deregistered); anything else was only waiting and ends at once on the stop token, so it gets
    /// <see cref="StopGrace"/>. Then it is aborted (a sent RegisterInstance is abandoned; the ledger remembers it) and
    /// gets the grace once more. Work that still has not ended (a check that ignores cancellation) is left behind:
    /// after the abort it cannot send anything, and the ledger already holds what Cloud Map may have.
    /// </summary>
    private async Task EndBackgroundWorkAsync(Task execution, TimeSpan budget, CancellationToken cancellationToken)
    {
        if (execution.IsCompleted)
        {
            return;
        }

        var grace = budget / 10 < StopGrace ? budget / 10 : StopGrace;
        var registering = _state.Phase == CloudMapRegistrationPhase.Registering;
        if (registering)
        {
            Log.WaitingForRegistrationInFlight(_logger, _displayName);
        }

        if (await TimedWait.EndsWithinAsync(execution, registering ? budget / 2 : grace, _time, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await _abort.CancelAsync().ConfigureAwait(false);
        if (!await TimedWait.EndsWithinAsync(execution, grace, _time, cancellationToken).ConfigureAwait(false))
        {
            Log.BackgroundWorkAbandoned(_logger, _displayName, _state.Phase, (registering ? budget / 2 : grace).TotalSeconds + grace.TotalSeconds);
        }
    }

    /// <summary>
    /// Why the drain is skipped, or <see langword="null"/> to drain. The drain serves clients that may still route here,
    /// so it runs when the instance was discoverable: it was confirmed (its operation succeeded), the stop saw it in
    /// Cloud Map, or a failed deregistration cannot tell. It is skipped when nothing of ours was ever discoverable: an
    /// unconfirmed registration that turned out absent, or one whose operation was last seen still running (Cloud Map
    /// shows an instance only once its registration succeeded).
    /// </summary>
    private string? WhyNoDrain(DeregisterOutcome outcome, bool wasConfirmed)
    {
        if (wasConfirmed || _sawOwnInstance)
        {
            return null;
        }

        return outcome switch
        {
            DeregisterOutcome.NotFound => "the registration never completed and Cloud Map does not have it",
            DeregisterOutcome.Failed when _ledger.PendingOperationId is { } pending && _pendingRegistrationStatus is CloudMapOperationStatus.Submitted or CloudMapOperationStatus.Pending
                => $"RegisterInstance operation '{pending}' had not finished",
            _ => null,
        };
    }

    private volatile bool _disposed;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // StoppingAsync has already deregistered; anything still running is abandoned.
        // A host may stop a service again after disposing it (WebApplicationFactory's DisposeAsync does): nothing is left to end.
        if (_disposed)
        {
            return;
        }

        await CancelCleanupAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _abort.CancelAsync().ConfigureAwait(false);
        await _onStarted.DisposeAsync().ConfigureAwait(false);
        try
        {
            // Bounded: work that ignores cancellation was already left behind by StoppingAsync. A cleanup sweep ends on
            // its cancellation (it stops waiting for a probe that ignores it), so it does not outlive the host.
            await TimedWait.EndsWithinAsync(Task.WhenAll(Execution, CleanupSweep), StopGrace, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _disposed = true;
        _onStarted.Dispose();
        _cleanupStop.Dispose();
        _stopping.Dispose();
        _abort.Dispose();
        _revisionWatch?.Dispose();
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
            if (!await ResolveWhileReadinessPollsAsync(stoppingToken).ConfigureAwait(false))
            {
                return;
            }

            await RegisterAsync(CloudMapHealthStatus.Healthy, stoppingToken).ConfigureAwait(false);

            // Crash cleanup (G7) rides the health loop's ticks and runs beside its cycles (.Cleanup.cs).
            ActivateCleanup();
            await RunHealthLoopAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested || _abort.IsCancellationRequested)
        {
            if (_state.Phase is CloudMapRegistrationPhase.Resolving or CloudMapRegistrationPhase.WaitingForReadiness)
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
    /// Steps 1 and 2 side by side: the readiness checks (local) are polled while the target resolves (Cloud Map reads), so a
    /// resolution slowed by throttling or an outage is not followed by the readiness polls as well; nothing is registered
    /// before both are done (G1). The phase stays <see cref="CloudMapRegistrationPhase.Resolving"/> until the target is
    /// known, then is <see cref="CloudMapRegistrationPhase.WaitingForReadiness"/> (event 1010) if the checks have not
    /// passed yet. Returns <see langword="false"/> when there is nothing to register: a configuration problem, or the
    /// readiness timeout stopped the application.
    /// </summary>
    private async Task<bool> ResolveWhileReadinessPollsAsync(CancellationToken stoppingToken)
    {
        using var readinessScope = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var readiness = PollReadinessAsync(readinessScope.Token);
        RegistrationTarget? target = null;
        try
        {
            target = await ResolveTargetAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            if (target is null)
            {
                await readinessScope.CancelAsync().ConfigureAwait(false);
                try
                {
                    await readiness.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Abandoned with the resolution: what ended it is reported by the caller.
                }
            }
        }

        if (target is null)
        {
            return false;
        }

        if (!readiness.IsCompleted)
        {
            AnnounceReadinessWait();
        }

        return await readiness.ConfigureAwait(false);
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
