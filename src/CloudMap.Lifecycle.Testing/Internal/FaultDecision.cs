// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>What the fault rules decided for one request.</summary>
internal sealed class FaultDecision
{
    public bool Drop { get; set; }

    public bool Throttled { get; set; }

    public AwsErrorException? Error { get; set; }

    public TimeSpan Latency { get; set; }

    public string? FailCode { get; set; }
}
