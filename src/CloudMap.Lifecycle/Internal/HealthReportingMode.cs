// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Internal;

/// <summary>How the running health reaches Cloud Map, decided from the service's health-check kind.</summary>
internal enum HealthReportingMode
{
    /// <summary>The service has custom health: push UpdateInstanceCustomHealthStatus.</summary>
    Custom,

    /// <summary>No custom health: deregister while unhealthy, register again when healthy.</summary>
    DeregisterWhileUnhealthy,

    /// <summary>Route 53 checks the instance, or the user chose report-only: keep the registration, only observe.</summary>
    ReportOnly,
}

/// <summary>The one mapping from a service's health-check kind (and the user's choice for unmanaged services) to a <see cref="HealthReportingMode"/>.</summary>
internal static class HealthReportingModes
{
    /// <summary>
    /// Custom health is pushed; Route 53 health is Route 53's business (report only); a service without any health check
    /// (or one that answered CustomHealthNotFound, which is the same thing) follows <paramref name="unmanagedMode"/>.
    /// </summary>
    public static HealthReportingMode For(ServiceHealthCheckKind kind, UnmanagedHealthMode unmanagedMode) => kind switch
    {
        ServiceHealthCheckKind.Custom => HealthReportingMode.Custom,
        ServiceHealthCheckKind.Route53 => HealthReportingMode.ReportOnly,
        _ => unmanagedMode == UnmanagedHealthMode.DeregisterWhileUnhealthy
            ? HealthReportingMode.DeregisterWhileUnhealthy
            : HealthReportingMode.ReportOnly,
    };
}
