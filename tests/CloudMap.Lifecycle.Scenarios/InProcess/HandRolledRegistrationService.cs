// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using CloudMap.Lifecycle.Client;
using Microsoft.Extensions.Hosting;

namespace CloudMap.Lifecycle.Scenarios.InProcess;

/// <summary>
/// The baseline for in-process scenarios, the same hand-rolled integration as the sample's baseline mode and on the same
/// client: RegisterInstance in StartAsync (before ready, default initial health, operation not awaited), HEALTHY pushed
/// every 10 s regardless, DeregisterInstance in ApplicationStopped, no drain. Not a pattern to copy.
/// </summary>
internal sealed class HandRolledRegistrationService(
    ICloudMapClient client,
    IHostApplicationLifetime lifetime,
    TimeProvider timeProvider,
    HostSettings settings) : IHostedService, IDisposable
{
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource stopping = new();
    private Task? heartbeat;
    private string? serviceId;

    public bool Registered { get; private set; }

    public bool RegisterSent { get; private set; }

    /// <summary>Gets the error code of a failed deregistration, for the report.</summary>
    public string? DeregisterError { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var service = await client.ResolveServiceAsync(settings.ServiceId, settings.NamespaceName, settings.ServiceName, cancellationToken).ConfigureAwait(false);
        serviceId = service.Id;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_INSTANCE_IPV4"] = "127.0.0.1",
            ["AWS_INSTANCE_PORT"] = settings.Port.ToString(CultureInfo.InvariantCulture),
        };
        RegisterSent = true;
        await client.RegisterInstanceAsync(new CloudMapInstanceRegistration(service.Id, settings.InstanceId, attributes), cancellationToken).ConfigureAwait(false);
        Registered = true;
        heartbeat = HeartbeatAsync(service.Id, stopping.Token);
        lifetime.ApplicationStopped.Register(Deregister);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        if (heartbeat is not null)
        {
            await heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose() => stopping.Dispose();

    private async Task HeartbeatAsync(string id, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(HeartbeatInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await client.UpdateInstanceCustomHealthStatusAsync(id, settings.InstanceId, CloudMapHealthStatus.Healthy, cancellationToken).ConfigureAwait(false);
            }
            catch (CloudMapException)
            {
                // The hand-rolled heartbeat ignores failures and tries again next tick.
            }
        }
    }

    private void Deregister()
    {
        if (serviceId is null)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), timeProvider);
            client.DeregisterInstanceAsync(serviceId, settings.InstanceId, timeout.Token).GetAwaiter().GetResult();
            Registered = false;
        }
        catch (Exception ex) when (ex is CloudMapException or OperationCanceledException)
        {
            DeregisterError = ex is CloudMapException cloudMap ? cloudMap.ErrorCode : "timeout";

            // Logged and forgotten in the usual hand-rolled code: the registration stays behind.
        }
    }
}
