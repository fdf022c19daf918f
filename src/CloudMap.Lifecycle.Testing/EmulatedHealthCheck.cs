// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Testing;

/// <summary>The kind of health check an emulated Cloud Map service has.</summary>
public enum EmulatedHealthCheck
{
    /// <summary>
    /// No health check: every instance reports <c>UNKNOWN</c>, <c>DiscoverInstances</c> ignores its health filter, and
    /// <c>UpdateInstanceCustomHealthStatus</c> fails with <c>CustomHealthNotFound</c> (as for services that ECS Service
    /// Connect creates).
    /// </summary>
    None = 0,

    /// <summary>A custom health check (<c>HealthCheckCustomConfig</c>): the instance owner pushes its status.</summary>
    Custom = 1,

    /// <summary>
    /// A Route 53 health check (<c>HealthCheckConfig</c>, type HTTP on <c>/</c> when created by the code API). Unless
    /// <see cref="CloudMapEmulatorOptions.ProbeRoute53HealthChecks"/> is set the emulator probes nothing: instances stay
    /// <c>HEALTHY</c> unless a test sets their status with <see cref="CloudMapEmulator.SetHealthStatus"/>.
    /// </summary>
    Route53 = 2,
}
