// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Hosting;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// The one hosted service of the library: drives every named registration at once.
/// </summary>
/// <remarks>
/// The host calls <c>StoppingAsync</c> of hosted services one after another. With one hosted service per
/// registration, a second registration would stay routable during the first one's drain delay, and the drains
/// would add up. Running all registrations' stop sequences concurrently deregisters every one of them first and
/// overlaps their drains, so the whole stop costs one deregistration timeout plus one drain delay.
/// </remarks>
internal sealed class CloudMapRegistrationCoordinator(IEnumerable<CloudMapRegistrationService> registrations) : IHostedLifecycleService
{
    private readonly CloudMapRegistrationService[] _registrations = registrations.ToArray();

    public Task StartingAsync(CancellationToken cancellationToken) => Task.WhenAll(_registrations.Select(r => r.StartingAsync(cancellationToken)));

    public Task StartAsync(CancellationToken cancellationToken) => Task.WhenAll(_registrations.Select(r => r.StartAsync(cancellationToken)));

    public Task StartedAsync(CancellationToken cancellationToken) => Task.WhenAll(_registrations.Select(r => r.StartedAsync(cancellationToken)));

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.WhenAll(_registrations.Select(r => r.StoppingAsync(cancellationToken)));

    public Task StopAsync(CancellationToken cancellationToken) => Task.WhenAll(_registrations.Select(r => r.StopAsync(cancellationToken)));

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.WhenAll(_registrations.Select(r => r.StoppedAsync(cancellationToken)));
}
