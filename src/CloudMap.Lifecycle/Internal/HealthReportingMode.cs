// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

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
