// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Internal;

internal sealed partial class CloudMapRegistrationService
{
    /// <summary>Makes one Cloud Map call (or helper) counted by operation and outcome, inside a client-kind activity.</summary>
    private async Task<T> CallAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var activity = LifecycleTelemetry.ActivitySource.StartActivity("CloudMap " + operation, ActivityKind.Client);
        activity?.SetTag(TelemetryTags.Registration, _marker.Name);
        activity?.SetTag(TelemetryTags.Operation, operation);
        try
        {
            var result = await call(cancellationToken).ConfigureAwait(false);
            _telemetry.ApiCalls.Add(1, RegistrationTag(), new(TelemetryTags.Operation, operation), new(TelemetryTags.Outcome, TelemetryTags.OutcomeSuccess));
            return result;
        }
        catch (Exception ex)
        {
            var outcome = ex switch
            {
                CloudMapException cloudMap => cloudMap.ErrorCode,
                OperationCanceledException => "canceled",
                TimeoutException => "timeout",
                _ => ex.GetType().Name,
            };
            _telemetry.ApiCalls.Add(1, RegistrationTag(), new(TelemetryTags.Operation, operation), new(TelemetryTags.Outcome, outcome));
            activity?.SetTag(TelemetryTags.ErrorType, outcome);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
    }

    private static void MarkFailed(Activity? activity, CloudMapException? error)
    {
        activity?.SetStatus(ActivityStatusCode.Error, error?.Message ?? "Timed out.");
        activity?.SetTag(TelemetryTags.ErrorType, error?.ErrorCode ?? "timeout");
    }

    private Activity? StartActivity(string step, RegistrationTarget target)
    {
        var activity = LifecycleTelemetry.ActivitySource.StartActivity("CloudMap.Lifecycle " + step);
        activity?.SetTag(TelemetryTags.Registration, _marker.Name);
        activity?.SetTag(TelemetryTags.ServiceId, target.Service.Id);
        activity?.SetTag(TelemetryTags.InstanceId, target.InstanceId);
        return activity;
    }

    private KeyValuePair<string, object?> RegistrationTag() => new(TelemetryTags.Registration, _marker.Name);
}
