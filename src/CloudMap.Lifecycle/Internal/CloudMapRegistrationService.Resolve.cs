// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Identity;

namespace CloudMap.Lifecycle.Internal;

/// <summary>Step 1, resolve: who and where this instance is, and which Cloud Map service it joins.</summary>
internal sealed partial class CloudMapRegistrationService
{
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
        var bound = _serverAddresses.GetAddresses().Select(ServerBinding.Parse).OfType<ServerBinding>().ToList();

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

        var service = await LifecycleRetry.RunAsync(
            ct => _client.ResolveServiceAsync(options.ServiceId, options.NamespaceName, options.ServiceName, ct),
            isRetryable: static ex => ex is not OperationCanceledException,
            onFailedAttempt: OnResolveFailed,
            _time,
            cancellationToken).ConfigureAwait(false);

        Mode = HealthReportingModes.For(service.HealthCheckKind, options.Health.UnmanagedMode);
        _state.ServiceId = service.Id;
        _state.LastError = null;
        _state.Phase = CloudMapRegistrationPhase.Resolving;
        Log.TargetResolved(_logger, _displayName, instanceId, address, port.Value, service.Id, service.HealthCheckKind, identity.Source);
        return Target = new RegistrationTarget(service, instanceId, address, port.Value);
    }

    private void OnResolveFailed(int attempt, Exception error)
    {
        RecordError(error);
        if (error is CloudMapException { ErrorCode: CloudMapErrorCodes.ServiceNotFound or CloudMapErrorCodes.NamespaceNotFound or CloudMapErrorCodes.AccessDeniedException })
        {
            // Probably a configuration or permission problem: say so, but keep trying (it may be created later).
            _state.Phase = CloudMapRegistrationPhase.Failed;
        }

        Log.ResolveFailed(_logger, _displayName, attempt, error);
    }

    private RegistrationTarget? FailConfiguration(string message)
    {
        _state.LastError = message;
        _state.Phase = CloudMapRegistrationPhase.Failed;
        Log.ConfigurationProblem(_logger, _displayName, message);
        return null;
    }
}
