// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// The <c>cloudmap</c> health check: reports the registration's phase. It is tagged <c>cloudmap</c> (not <c>ready</c>)
/// so it never gates its own registration, and the lifecycle excludes it from the checks it runs.
/// </summary>
internal sealed class CloudMapRegistrationHealthCheck(ICloudMapRegistrationState state) : IHealthCheck
{
    public const string DefaultName = "cloudmap";
    public const string Tag = "cloudmap";

    public static string CheckName(string registrationName) =>
        string.IsNullOrEmpty(registrationName) ? DefaultName : DefaultName + "-" + registrationName;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal) { ["phase"] = state.Phase.ToString() };
        if (state.InstanceId is { } instanceId)
        {
            data["instanceId"] = instanceId;
        }

        if (state.ServiceId is { } serviceId)
        {
            data["serviceId"] = serviceId;
        }

        if (state.LastPushedStatus is { } pushed)
        {
            data["lastPushedStatus"] = pushed.ToString();
        }

        var description = $"Cloud Map registration is {state.Phase}.";
        var result = state.Phase switch
        {
            CloudMapRegistrationPhase.Registered or CloudMapRegistrationPhase.Disabled => HealthCheckResult.Healthy(description, data),
            CloudMapRegistrationPhase.Failed => HealthCheckResult.Unhealthy($"{description} {state.LastError}", data: data),
            _ => HealthCheckResult.Degraded(description, data: data),
        };
        return Task.FromResult(result);
    }
}
