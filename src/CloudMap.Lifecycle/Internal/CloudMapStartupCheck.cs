// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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
/// <para>
/// It also warns (event 1130) when an enabled registration's drain is shorter than the staleness the Cloud Map service
/// discovery provider documents for its defaults (<see cref="CloudMapShutdownOptions.DefaultDiscoveryStaleness"/>):
/// clients would still send requests after the drain ends. A drain of zero is a deliberate "no clients to drain"
/// (tests, workers) and is not warned about.
/// </para>
/// </remarks>
internal sealed partial class CloudMapStartupCheck(
    IEnumerable<CloudMapRegistrationService> registrations,
    IEnumerable<CloudMapRegistrationMarker>? markers = null,
    IOptionsMonitor<CloudMapRegistrationOptions>? optionsMonitor = null,
    ILogger<CloudMapStartupCheck>? logger = null) : IHostedService
{
    private readonly CloudMapRegistrationService[] _registrations = registrations.ToArray();

    /// <exception cref="OptionsValidationException">Cloud Map rejected a registration's target or credentials.</exception>
    /// <exception cref="AggregateException">It did so for several registrations (one <see cref="OptionsValidationException"/> each).</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        WarnAboutShortDrains();
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

    /// <summary>Logs 1130 for every enabled registration whose non-zero drain is shorter than the documented discovery staleness.</summary>
    internal void WarnAboutShortDrains()
    {
        if (markers is null || optionsMonitor is null || logger is null)
        {
            return;
        }

        var staleness = CloudMapShutdownOptions.DefaultDiscoveryStaleness;
        foreach (var marker in markers)
        {
            var options = optionsMonitor.Get(marker.Name);
            var drain = options.Shutdown.DrainDelay;
            if (options.Enabled && drain > TimeSpan.Zero && drain < staleness)
            {
                Log.DrainShorterThanDiscoveryStaleness(logger, marker.KeyPrefix + ":Shutdown:DrainDelay", drain.TotalSeconds, staleness.TotalSeconds);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1130, EventName = "DrainShorterThanDiscoveryStaleness", Level = LogLevel.Warning,
            Message = "{Key} is {DrainSeconds} s, shorter than the {StalenessSeconds} s for which clients using CloudMap.Lifecycle.ServiceDiscovery (default settings) may still send requests to an instance after it is deregistered; requests can arrive after this instance stops serving. Set it to at least {StalenessSeconds} s, or to 0 when no client discovers this service.")]
        public static partial void DrainShorterThanDiscoveryStaleness(ILogger logger, string key, double drainSeconds, double stalenessSeconds);
    }
}
