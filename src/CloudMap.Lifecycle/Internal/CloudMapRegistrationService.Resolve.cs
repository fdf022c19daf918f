// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Internal;

/// <summary>Step 1, resolve: who and where this instance is, and which Cloud Map service it joins.</summary>
internal sealed partial class CloudMapRegistrationService
{
    // Consecutive credential failures of the service resolution, and when the next attempt may start: the resolve loop
    // runs on one task at a time, so these need no lock.
    private int _credentialFailures;
    private DateTimeOffset _credentialRetryAt;

    // Set once the drain has been checked against the service's DNS record TTLs (event 1131): at start when GetService
    // answered in time, otherwise at the first resolution in the background.
    private int _dnsTtlChecked;

    /// <summary>Gets or sets the last-resort address lookup (the host's first non-loopback IPv4); a seam for tests.</summary>
    internal Func<IPAddress?> HostAddress { get; set; } = HostIdentity.FirstNonLoopbackIPv4;

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

        KeepPlatformIdentity(identity); // platform identity (issue 14)

        var instanceId = options.InstanceId ?? identity.InstanceId ?? HostIdentity.SanitizeInstanceId(Environment.MachineName);
        var bound = _serverAddresses.GetAddresses().Select(ServerBinding.Parse).OfType<ServerBinding>().ToList();

        var port = options.Port;
        if (port is null && bound.Count > 0)
        {
            // In ECS bridge mode the container port is mapped to a host port; only the host port is reachable.
            port = identity.HostPorts.TryGetValue(bound[0].Port, out var hostPort) ? hostPort : bound[0].Port;
        }

        if (port is not > 0)
        {
            return FailConfiguration($"{_marker.KeyPrefix}:Port is not set and the server reports no bound address to take the port from (an in-memory server such as TestServer has none); set {_marker.KeyPrefix}:Port (and {_marker.KeyPrefix}:Address), or in a test point the app at an emulator with UseCloudMapEmulator (CloudMap.Lifecycle.Testing).");
        }

        var address = options.Address is { } configured
            ? IPAddress.Parse(configured)
            : identity.Address ?? bound.Select(b => b.Host).FirstOrDefault(h => h is not null) ?? HostAddress();
        if (address is null)
        {
            // A host whose only interface is loopback (a network-isolated CI runner, a sandbox): the loopback address
            // is the only one anybody can reach it on, so register it rather than fail, and say so.
            address = IPAddress.Loopback;
            Log.LoopbackAddress(_logger, _displayName, address, _marker.KeyPrefix);
        }

        _state.InstanceId = instanceId;
        _state.Address = address.ToString();
        _state.Port = port;

        var service = await LifecycleRetry.RunAsync(
            async ct =>
            {
                await WaitOutCredentialBackoffAsync(ct).ConfigureAwait(false);
                return await (Interlocked.Exchange(ref _startupResolution, null) ?? ResolveServiceOnceAsync(options, ct)).ConfigureAwait(false);
            },
            isRetryable: static ex => ex is not OperationCanceledException,
            onFailedAttempt: OnResolveFailed,
            _time,
            cancellationToken).ConfigureAwait(false);

        if (_credentialFailures > 0)
        {
            Log.CredentialsRecovered(_logger, _displayName, _credentialFailures);
            _credentialFailures = 0;
        }

        if (Interlocked.Exchange(ref _dnsTtlChecked, 1) == 0 && DrainShorterThanDnsTtl(options, service) is { } late)
        {
            // The answer came after the start: too late to fail it, so it is said as a warning whatever the severity.
            Log.DrainShorterThanDnsTtl(_logger, _displayName, late);
        }

        WarnIfStopBudgetIsShortForTheService(options, service); // when the start did not wait for the service
        Mode = HealthReportingModes.For(service.HealthCheckKind, options.Health.UnmanagedMode);
        _state.ServiceId = service.Id;
        _state.LastError = null;
        _state.Phase = CloudMapRegistrationPhase.Resolving;
        Log.TargetResolved(_logger, _displayName, instanceId, address, port.Value, service.Id, service.HealthCheckKind, identity.Source);
        return Target = new RegistrationTarget(service, instanceId, address, port.Value)
        {
            ProofScheme = ServerBinding.SchemeReaching(bound, options.Port, port.Value, address, identity.HostPorts),
            IdIsPerTask = options.InstanceId is null && identity.Source == "ecs" && identity.InstanceId is not null,
        };
    }

    /// <summary>
    /// Resolves the service at start, before the host reports started (read-only calls; nothing is registered before
    /// the server listens, G1). A definitive answer (<see cref="DefinitiveErrors"/>) fails the start with a message
    /// naming the key, its value and what exists. Anything else never fails the start: a transient failure, or no
    /// answer within <see cref="StartupResolveTimeout"/>, leaves the resolution to the background work, which retries.
    /// With a <see cref="CloudMapRegistrationOptions.StartupJitter"/> the start does not wait at all: the first call waits
    /// out the jitter first.
    /// </summary>
    /// <exception cref="OptionsValidationException">Cloud Map answered that the configured target or the credentials are wrong.</exception>
    internal async Task ResolveServiceAtStartAsync(CancellationToken cancellationToken)
    {
        var options = Options;
        _state.Phase = CloudMapRegistrationPhase.Resolving;

        // Runs on the stopping token, not the start token: when it outlives the wait below it is the background's
        // first attempt.
        var resolution = ResolveServiceOnceAsync(options, _stopping.Token);
        _startupResolution = resolution;

        // Observed here in case no background work ever takes it over (the host's start fails elsewhere).
        _ = resolution.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (options.StartupJitter > TimeSpan.Zero)
        {
            // The first call waits out the jitter: the host's start does not wait for it (the background takes it over).
            return;
        }

        CloudMapService? service = null;
        try
        {
            service = await TimedWait.WithinAsync(resolution, StartupResolveTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (CloudMapConfigurationException ex)
        {
            _startupResolution = null;
            _state.LastError = ex.Message;
            _state.Phase = CloudMapRegistrationPhase.Failed;
            throw new OptionsValidationException(_marker.Name, typeof(CloudMapRegistrationOptions), [ex.Message]);
        }
        catch (TimeoutException)
        {
            // No answer yet (a slow or unreachable endpoint): start anyway; the background waits for this attempt.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Transient (no answer, 5xx, throttling, credentials not obtainable yet): the background reports and retries it.
        }

        if (service is not null)
        {
            CheckDrainAgainstDnsTtl(options, service);
            WarnIfStopBudgetIsShortForTheService(options, service);
        }
    }

    /// <summary>
    /// Before the first Cloud Map call only: waits a random part of <see cref="CloudMapRegistrationOptions.StartupJitter"/>
    /// (event 1155), drawn once, so that a fleet starting together spreads its registrations. Later calls (retries) do not wait.
    /// </summary>
    private Task WaitOutStartupJitterAsync(CloudMapRegistrationOptions options, CancellationToken cancellationToken)
    {
        if (options.StartupJitter <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }

        var wait = LazyInitializer.EnsureInitialized(ref _startupJitter, () =>
        {
            var delay = TimeSpan.FromTicks((long)(options.StartupJitter.Ticks * Math.Clamp(NextRandom(), 0d, 1d)));
            Log.StartupJitter(_logger, _displayName, delay.TotalSeconds, _marker.KeyPrefix + ":StartupJitter", options.StartupJitter.TotalSeconds);

            // On the stopping token: whoever waits first, a stop ends the wait for everybody.
            return Task.Delay(delay, _time, _stopping.Token);
        });
        return wait.IsCompletedSuccessfully ? Task.CompletedTask : wait.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Checks at start that the drain outlasts the DNS caching of the service's records (event 1131): a DNS client may
    /// keep resolving this instance for the record's TTL after it is deregistered. Warns, or with
    /// <see cref="ShutdownBudgetSeverity.Error"/> fails the start, like the shutdown budget.
    /// </summary>
    /// <exception cref="OptionsValidationException">The drain is too short and the budget severity is <see cref="ShutdownBudgetSeverity.Error"/>.</exception>
    private void CheckDrainAgainstDnsTtl(CloudMapRegistrationOptions options, CloudMapService service)
    {
        if (Interlocked.Exchange(ref _dnsTtlChecked, 1) != 0 || DrainShorterThanDnsTtl(options, service) is not { } problem)
        {
            return;
        }

        if (options.Shutdown.BudgetSeverity == ShutdownBudgetSeverity.Error)
        {
            _startupResolution = null;
            var message = problem + $" ({_marker.KeyPrefix}:Shutdown:BudgetSeverity is Error; set it to Warning to start anyway.)";
            _state.LastError = message;
            _state.Phase = CloudMapRegistrationPhase.Failed;
            throw new OptionsValidationException(_marker.Name, typeof(CloudMapRegistrationOptions), [message]);
        }

        Log.DrainShorterThanDnsTtl(_logger, _displayName, problem);
    }

    /// <summary>
    /// The problem, or <see langword="null"/> when the service has no DNS records (an HTTP namespace, or no DnsConfig)
    /// or the drain is at least their largest TTL. A drain of zero is a deliberate "no clients to drain" (as for 1130).
    /// </summary>
    internal string? DrainShorterThanDnsTtl(CloudMapRegistrationOptions options, CloudMapService service)
    {
        var drain = options.Shutdown.DrainDelay;
        if (drain <= TimeSpan.Zero || service.DnsRecords is not { Count: > 0 } records)
        {
            return null;
        }

        var longest = records.MaxBy(r => r.Ttl)!;
        var ttl = TimeSpan.FromSeconds(longest.Ttl);
        if (drain >= ttl)
        {
            return null;
        }

        var key = _marker.KeyPrefix + ":Shutdown:DrainDelay";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{key} is {drain.TotalSeconds:0.###} s, shorter than the {longest.Ttl} s TTL of the {longest.Type} record of service '{service.Id}' ('{service.Name}'): DNS clients may still resolve this instance for up to {longest.Ttl} s after it is deregistered (plus their resolver's own caching), and send requests after it stops serving. Set {key} to at least {longest.Ttl} s plus the resolvers' caching, or lower the record's TTL in the service's DnsConfig.");
    }

    /// <summary>One resolution of the service; a definitive answer becomes a <see cref="CloudMapConfigurationException"/>.</summary>
    private async Task<CloudMapService> ResolveServiceOnceAsync(CloudMapRegistrationOptions options, CancellationToken cancellationToken)
    {
        await WaitOutStartupJitterAsync(options, cancellationToken).ConfigureAwait(false);
        try
        {
            return await _client.ResolveServiceAsync(options.ServiceId, options.NamespaceName, options.ServiceName, cancellationToken).ConfigureAwait(false);
        }
        catch (CloudMapException ex) when (DefinitiveErrors.IsDefinitive(ex))
        {
            var message = await ConfigurationProblemDescriber.DescribeAsync(_client, options, _marker.KeyPrefix, ex, cancellationToken).ConfigureAwait(false);
            throw new CloudMapConfigurationException(message, ex);
        }
    }

    /// <summary>
    /// Gets a value indicating whether <paramref name="error"/> is about the credentials: none could be found or
    /// refreshed (<c>CredentialsUnavailable</c>), or Cloud Map rejected them (<see cref="DefinitiveErrors.CredentialCodes"/>).
    /// Neither is fixed by asking again soon, so such failures put the phase in <c>Failed</c> and back off to minutes.
    /// </summary>
    internal static bool IsCredentialFailure(Exception error) => error switch
    {
        CloudMapException { ErrorCode: CloudMapErrorCodes.CredentialsUnavailable } => true,
        CloudMapConfigurationException problem => DefinitiveErrors.CredentialCodes.Contains(problem.ErrorCode),
        _ => false,
    };

    /// <summary>
    /// Before an attempt, waits what is left of the credential backoff (<see cref="CloudMapClientEnvironment.CredentialsRetryDelay"/>:
    /// 5 s doubling to 5 minutes) beyond the lifecycle's own shorter backoff, which has already passed. Same schedule as
    /// the client's credential lookups, so each attempt meets a fresh look at the sources instead of a cached failure,
    /// and the sources (and their metadata probes) are not asked more often than that.
    /// </summary>
    private async Task WaitOutCredentialBackoffAsync(CancellationToken cancellationToken)
    {
        if (_credentialFailures == 0)
        {
            return;
        }

        var left = _credentialRetryAt - _time.GetUtcNow();
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private void OnResolveFailed(int attempt, Exception error)
    {
        RecordError(error);
        var credentialFailure = IsCredentialFailure(error);
        var nextAttemptIn = TimeSpan.Zero;
        if (credentialFailure)
        {
            _credentialFailures++;
            nextAttemptIn = CloudMapClientEnvironment.CredentialsRetryDelay(_credentialFailures);
            _credentialRetryAt = _time.GetUtcNow() + nextAttemptIn;
            _state.Phase = CloudMapRegistrationPhase.Failed;
        }
        else
        {
            _credentialFailures = 0;
        }

        if (credentialFailure && error is CloudMapException missing)
        {
            // The client has logged where it looked (event 2011); this says what it means for the registration.
            Log.CredentialsUnavailable(_logger, _displayName, attempt, missing.Message, nextAttemptIn);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                Log.ErrorDetails(_logger, _displayName, missing.ErrorCode, missing);
            }

            return;
        }

        if (error is CloudMapConfigurationException problem)
        {
            // Found after the start (the first answer came late, or the target was removed meanwhile): the host is
            // already running, so say it loudly, once per attempt, and keep trying (it may be created later).
            _state.Phase = CloudMapRegistrationPhase.Failed;
            Log.ConfigurationProblemRetrying(_logger, _displayName, attempt, problem.Message);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                Log.ErrorDetails(_logger, _displayName, problem.ErrorCode, problem.InnerException ?? problem);
            }

            return;
        }

        LogFailure(error, (text, exception) => Log.ResolveFailed(_logger, _displayName, attempt, text, exception));
    }

    private RegistrationTarget? FailConfiguration(string message)
    {
        _state.LastError = message;
        _state.Phase = CloudMapRegistrationPhase.Failed;
        Log.ConfigurationProblem(_logger, _displayName, message);
        return null;
    }
}
