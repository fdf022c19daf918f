// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle;

/// <summary>
/// How startup reacts when <see cref="CloudMapShutdownOptions.DeregistrationTimeout"/> plus
/// <see cref="CloudMapShutdownOptions.DrainDelay"/> does not fit in <c>HostOptions.ShutdownTimeout</c>.
/// </summary>
public enum ShutdownBudgetSeverity
{
    /// <summary>Log a warning and start anyway.</summary>
    Warning,

    /// <summary>Fail startup with an options validation error.</summary>
    Error,
}
