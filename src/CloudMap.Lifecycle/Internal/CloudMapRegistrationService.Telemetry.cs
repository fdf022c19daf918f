// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// The lifecycle's spans and measurements. Single Cloud Map API calls are not traced or counted here: the client owns
/// one span and one count per call. The lifecycle spans a whole step (<c>CloudMap.Lifecycle Register</c>,
/// <c>CloudMap.Lifecycle Deregister</c>), so the client's call spans nest under the step that made them.
/// </summary>
internal sealed partial class CloudMapRegistrationService
{
    private const string StepSpanPrefix = "CloudMap.Lifecycle ";

    private static void MarkFailed(Activity? activity, Exception? error)
    {
        if (activity is null)
        {
            return;
        }

        // error.type follows the semantic conventions: a low-cardinality code, never the message.
        var type = error switch
        {
            null or TimeoutException => "timeout",
            CloudMapException cloudMap => cloudMap.ErrorCode,
            OperationCanceledException => "canceled",
            _ => error.GetType().FullName ?? error.GetType().Name,
        };
        activity.SetStatus(ActivityStatusCode.Error, error?.Message ?? "Timed out.");
        activity.SetTag(TelemetryTags.ErrorType, type);
    }

    /// <summary>Starts the span of one lifecycle step on the library's one ActivitySource.</summary>
    private Activity? StartActivity(string step, RegistrationTarget target)
    {
        var activity = CloudMapTelemetry.ActivitySource.StartActivity(StepSpanPrefix + step);
        activity?.SetTag(TelemetryTags.Registration, _marker.Name);
        activity?.SetTag(TelemetryTags.ServiceId, target.Service.Id);
        activity?.SetTag(TelemetryTags.InstanceId, target.InstanceId);
        return activity;
    }

    private void RecordPush(CloudMapHealthStatus status) =>
        _telemetry.HealthPushes.Add(
            1,
            RegistrationTag(),
            new(TelemetryTags.HealthStatus, status == CloudMapHealthStatus.Healthy ? TelemetryTags.HealthStatusHealthy : TelemetryTags.HealthStatusUnhealthy));

    private KeyValuePair<string, object?> RegistrationTag() => new(TelemetryTags.Registration, _marker.Name);
}
