// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal;

/// <summary>Tag (attribute) names used on the lifecycle's metrics and activities.</summary>
internal static class TelemetryTags
{
    public const string Registration = "cloudmap.registration.name";
    public const string Phase = "cloudmap.registration.phase";
    public const string Operation = "cloudmap.operation";
    public const string Outcome = "cloudmap.outcome";
    public const string ServiceId = "cloudmap.service.id";
    public const string InstanceId = "cloudmap.instance.id";
    public const string ErrorType = "error.type";

    public const string OutcomeSuccess = "success";
}
