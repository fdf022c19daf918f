// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using CloudMap.Lifecycle.Internal;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// Helpers the lifecycle builds on top of <see cref="ICloudMapClient"/>. They make several API calls, each counted and
/// traced as its own call by the client; a helper is not an API call itself. Each helper opens an Internal span
/// (<see cref="CloudMapTelemetry.WaitForOperationSpanName"/>, <see cref="CloudMapTelemetry.ResolveServiceSpanName"/>)
/// as the parent of its calls' spans.
/// </summary>
internal static class CloudMapClientExtensions
{
    /// <summary>
    /// The first wait between two GetOperation polls, and before the first one once the client has been throttled: 1 s.
    /// Cloud Map does not finish a registration sooner than that (the emulator takes 1 s, AWS seconds), so an earlier
    /// poll only costs a call the fleet competes for (three polls per registration from 250 ms, one from 1 s).
    /// </summary>
    internal static readonly TimeSpan FirstPoll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxPoll = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Polls GetOperation until the operation reaches SUCCESS or FAIL and returns it: the first poll at once, or
    /// <see cref="FirstPoll"/> after the call once the client has been throttled (<see cref="ICloudMapClient.HasBeenThrottled"/>),
    /// then after waits that double from <see cref="FirstPoll"/> up to 5 s.
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="operationId">The operation.</param>
    /// <param name="timeProvider">The clock of the waits.</param>
    /// <param name="timeout">How long to wait in all.</param>
    /// <param name="oneOfMany">
    /// The process is one of many starting together (a <see cref="CloudMapRegistrationOptions.StartupJitter"/> is set):
    /// the first poll waits <see cref="FirstPoll"/>, as after a throttle, before any throttle was seen.
    /// </param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <exception cref="TimeoutException">The operation did not finish within <paramref name="timeout"/> (measured on <paramref name="timeProvider"/>).</exception>
    public static async Task<CloudMapOperation> WaitForOperationAsync(
        this ICloudMapClient client,
        string operationId,
        TimeProvider timeProvider,
        TimeSpan timeout,
        bool oneOfMany,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(operationId);
        ArgumentNullException.ThrowIfNull(timeProvider);

        using var activity = CloudMapTelemetry.ActivitySource.StartActivity(CloudMapTelemetry.WaitForOperationSpanName, ActivityKind.Internal);
        activity?.SetTag(CloudMapTelemetry.OperationIdTag, operationId);
        var polls = 0;
        try
        {
            var started = timeProvider.GetTimestamp();
            var delay = FirstPoll;
            if (timeout > TimeSpan.Zero && (oneOfMany || client.HasBeenThrottled))
            {
                // Near the account's limit, a poll right after the call that started the operation only spends a
                // request: operations take about a second at the least (Cloud Map's take seconds).
                await TimedWait.DelayAtLeastAsync(FirstPoll < timeout ? FirstPoll : timeout, timeProvider, cancellationToken).ConfigureAwait(false);
            }

            while (true)
            {
                polls++;
                var operation = await client.GetOperationAsync(operationId, cancellationToken).ConfigureAwait(false);
                activity?.SetTag(CloudMapTelemetry.OperationStatusTag, operation.Status.ToString());
                if (operation.Status is CloudMapOperationStatus.Success or CloudMapOperationStatus.Fail)
                {
                    return operation;
                }

                var remaining = timeout - timeProvider.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    throw new TimeoutException($"Cloud Map operation '{operationId}' was still {operation.Status} after {timeout}.");
                }

                await TimedWait.DelayAtLeastAsync(delay < remaining ? delay : remaining, timeProvider, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPoll.Ticks));
            }
        }
        catch (Exception ex)
        {
            MarkFailed(activity, ex);
            throw;
        }
        finally
        {
            activity?.SetTag(CloudMapTelemetry.PollsTag, polls);
        }
    }

    /// <summary>
    /// Resolves the target service from a service id, a service ARN, or a namespace name plus service name.
    /// </summary>
    /// <exception cref="CloudMapException">The namespace or the service does not exist (codes NamespaceNotFound / ServiceNotFound).</exception>
    public static async Task<CloudMapService> ResolveServiceAsync(
        this ICloudMapClient client,
        string? serviceIdOrArn,
        string? namespaceName,
        string? serviceName,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (string.IsNullOrEmpty(serviceIdOrArn) && (string.IsNullOrEmpty(namespaceName) || string.IsNullOrEmpty(serviceName)))
        {
            throw new ArgumentException("Either a service id/ARN or both a namespace name and a service name are required.");
        }

        using var activity = CloudMapTelemetry.ActivitySource.StartActivity(CloudMapTelemetry.ResolveServiceSpanName, ActivityKind.Internal);
        try
        {
            if (!string.IsNullOrEmpty(serviceIdOrArn))
            {
                activity?.SetTag(CloudMapTelemetry.ServiceTag, serviceIdOrArn);
                return await client.GetServiceAsync(serviceIdOrArn, cancellationToken).ConfigureAwait(false);
            }

            activity?.SetTag(CloudMapTelemetry.NamespaceNameTag, namespaceName);
            activity?.SetTag(CloudMapTelemetry.ServiceTag, serviceName);
            return await FindServiceAsync(client, namespaceName!, serviceName!, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            MarkFailed(activity, ex);
            throw;
        }
    }

    private static async Task<CloudMapService> FindServiceAsync(ICloudMapClient client, string namespaceName, string serviceName, CancellationToken cancellationToken)
    {
        var namespaces = await client.ListNamespacesAsync(cancellationToken).ConfigureAwait(false);
        var matches = namespaces
            .Where(n => string.Equals(n.Name, namespaceName, StringComparison.OrdinalIgnoreCase)
                     || string.Equals(n.HttpName, namespaceName, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (matches.Count == 0)
        {
            throw new CloudMapException(CloudMapErrorCodes.NamespaceNotFound, $"No Cloud Map namespace is named '{namespaceName}'.", statusCode: null, requestId: null);
        }

        foreach (var ns in matches)
        {
            var services = await client.ListServicesAsync(ns.Id, cancellationToken).ConfigureAwait(false);
            var service = services.FirstOrDefault(s => string.Equals(s.Name, serviceName, StringComparison.Ordinal)
                && (s.NamespaceId is null || s.NamespaceId == ns.Id));
            if (service is not null)
            {
                // The namespace's HttpName comes with the answer, so the ownership watch need not list the namespaces again.
                var found = await client.GetServiceAsync(service.Id, cancellationToken).ConfigureAwait(false);
                return found with { NamespaceHttpName = ns.HttpName ?? ns.Name };
            }
        }

        throw new CloudMapException(CloudMapErrorCodes.ServiceNotFound, $"No Cloud Map service named '{serviceName}' exists in namespace '{namespaceName}'.", statusCode: null, requestId: null);
    }

    private static void MarkFailed(Activity? activity, Exception error)
    {
        var errorType = error switch
        {
            CloudMapException cloudMap => cloudMap.ErrorCode,
            OperationCanceledException => CloudMapTelemetry.ErrorTypeCanceled,
            _ => error.GetType().Name,
        };
        activity?.SetTag(CloudMapTelemetry.ErrorTypeTag, errorType);
        activity?.SetStatus(ActivityStatusCode.Error, errorType);
    }
}
