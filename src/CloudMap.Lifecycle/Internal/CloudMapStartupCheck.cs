// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// Fails the host's start, before the host reports started, when Cloud Map answers that a registration's target or
/// credentials are wrong: resolves every enabled registration's service with read-only calls (GetService, or
/// ListNamespaces + ListServices for a name) in <see cref="StartAsync"/>.
/// </summary>
/// <remarks>
/// <para>
/// Why fail the start rather than stop the application later: a failed start never reports the application as
/// started (no <c>ApplicationStarted</c>, and in a web application the server has not opened its port yet, since the
/// web server's hosted service starts after this one), so an orchestrator sees a process that exits with an error
/// instead of a healthy one that never registers. Only read-only calls happen here: RegisterInstance still waits for
/// <c>ApplicationStarted</c> and readiness (G1).
/// </para>
/// <para>
/// A transient failure never fails the start, and the start waits at most
/// <see cref="CloudMapRegistrationService.StartupResolveTimeout"/> (on the injected clock) for an answer; the
/// resolution then continues in the background, retried as before. The list of definitive answers is
/// <see cref="DefinitiveErrors"/>. A separate hosted service (not the registrations' own <c>StartAsync</c>) so that
/// each registration's host contract stays "nothing is sent before ApplicationStarted" on its own.
/// </para>
/// </remarks>
internal sealed class CloudMapStartupCheck(IEnumerable<CloudMapRegistrationService> registrations) : IHostedService
{
    private readonly CloudMapRegistrationService[] _registrations = registrations.ToArray();

    /// <exception cref="OptionsValidationException">Cloud Map rejected a registration's target or credentials.</exception>
    /// <exception cref="AggregateException">It did so for several registrations (one <see cref="OptionsValidationException"/> each).</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var checks = _registrations.Where(r => r.Options.Enabled).Select(r => r.ResolveServiceAtStartAsync(cancellationToken)).ToArray();
        try
        {
            await Task.WhenAll(checks).ConfigureAwait(false);
        }
        catch (OptionsValidationException) when (checks.Count(c => c.IsFaulted) > 1)
        {
            throw new AggregateException(checks.Where(c => c.IsFaulted).SelectMany(c => c.Exception!.InnerExceptions));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
