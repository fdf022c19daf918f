// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Sample;

/// <summary>Who registers the sample in Cloud Map.</summary>
public enum SampleRegistrationMode
{
    /// <summary>CloudMap.Lifecycle: readiness-gated registration, truthful health, deregister-then-drain on stop.</summary>
    Library,

    /// <summary>The hand-rolled pattern teams write today, kept only as the benchmark's point of comparison.</summary>
    Baseline,
}
