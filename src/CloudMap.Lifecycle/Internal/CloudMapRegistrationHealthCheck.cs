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
        // One snapshot: phase, ids and last error must describe the same moment.
        var snapshot = state.GetSnapshot();
        var data = new Dictionary<string, object>(StringComparer.Ordinal) { ["phase"] = snapshot.Phase.ToString() };
        if (snapshot.InstanceId is { } instanceId)
        {
            data["instanceId"] = instanceId;
        }

        if (snapshot.ServiceId is { } serviceId)
        {
            data["serviceId"] = serviceId;
        }

        if (snapshot.LastPushedStatus is { } pushed)
        {
            data["lastPushedStatus"] = pushed.ToString();
        }

        var description = $"Cloud Map registration is {snapshot.Phase}.";
        var result = snapshot.Phase switch
        {
            CloudMapRegistrationPhase.Registered or CloudMapRegistrationPhase.Disabled => HealthCheckResult.Healthy(description, data),
            CloudMapRegistrationPhase.Failed => HealthCheckResult.Unhealthy($"{description} {snapshot.LastError}", data: data),
            _ => HealthCheckResult.Degraded(description, data: data),
        };
        return Task.FromResult(result);
    }
}
