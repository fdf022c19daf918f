// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Reporting;

/// <summary>The two ways of integrating with Cloud Map that every scenario compares.</summary>
public enum RegistrationMode
{
    /// <summary>CloudMap.Lifecycle.</summary>
    Library,

    /// <summary>The usual hand-rolled integration: register at startup, push HEALTHY every 10 s, deregister in ApplicationStopped, no drain.</summary>
    Baseline,
}
