// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Load;

/// <summary>The load generator's request outcomes as report rows: sent, failed (goal 0) and the failures by kind.</summary>
internal static class LoadOutcomes
{
    public static void Report(ScenarioResult result, RegistrationMode mode, LoadGenerator load)
    {
        result.Metric("requests-sent", "Requests sent", string.Empty).Add(mode, load.Sent);
        result.Metric("failed-requests", "Failed requests", string.Empty, goal: "0").Add(mode, load.Failed);
        result.Metric("failed-refused", "… connection refused", string.Empty).Add(mode, load.Count(RequestOutcome.ConnectionRefused));
        result.Metric("failed-reset", "… connection reset", string.Empty).Add(mode, load.Count(RequestOutcome.ConnectionReset));
        result.Metric("failed-5xx", "… HTTP 5xx", string.Empty).Add(mode, load.Count(RequestOutcome.ServerError));
        result.Metric("failed-other", "… timeout / no instance / other", string.Empty).Add(mode, load.Count(RequestOutcome.Timeout) + load.Count(RequestOutcome.NoInstanceDiscovered) + load.Count(RequestOutcome.OtherError));
    }
}
