// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>
/// The steps of an ECS rolling deployment (deployment configuration <c>minimumHealthyPercent</c> /
/// <c>maximumPercent</c>): in each step ECS stops as many old tasks as the healthy minimum allows, then starts as many new
/// ones as the maximum leaves room for, and waits until they are healthy before the next step. With 200 tasks, 50 % / 100 %
/// that is two steps of "stop 100, start 100".
/// </summary>
internal static class EcsDeploymentPlan
{
    /// <summary>Computes the steps; every started task is assumed to become healthy before the next step.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is outside what ECS accepts, or the pair cannot make progress.</exception>
    public static IReadOnlyList<EcsDeploymentStep> Steps(int desiredCount, int minimumHealthyPercent, int maximumPercent)
    {
        if (desiredCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(desiredCount), desiredCount, "desiredCount must be at least 1.");
        }

        if (minimumHealthyPercent is < 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(minimumHealthyPercent), minimumHealthyPercent, "minimumHealthyPercent must be between 0 and 100.");
        }

        if (maximumPercent is < 100 or > 200)
        {
            throw new ArgumentOutOfRangeException(nameof(maximumPercent), maximumPercent, "maximumPercent must be between 100 and 200.");
        }

        // ECS rounds the healthy minimum up and the maximum down.
        var minimumHealthy = (int)Math.Ceiling(desiredCount * minimumHealthyPercent / 100d);
        var maximumRunning = (int)Math.Floor(desiredCount * maximumPercent / 100d);
        var steps = new List<EcsDeploymentStep>();
        var old = desiredCount;
        var started = 0;
        while (old > 0 || started < desiredCount)
        {
            var stop = Math.Min(old, Math.Max(0, old + started - minimumHealthy));
            var start = Math.Min(desiredCount - started, Math.Max(0, maximumRunning - (old - stop) - started));
            if (stop == 0 && start == 0)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(maximumPercent),
                    maximumPercent,
                    $"With minimumHealthyPercent {minimumHealthyPercent} and maximumPercent {maximumPercent} a deployment of {desiredCount} tasks can neither stop nor start a task.");
            }

            steps.Add(new EcsDeploymentStep(stop, start));
            old -= stop;
            started += start;
        }

        return steps;
    }
}

/// <summary>One step of an ECS rolling deployment: stop <paramref name="Stop"/> old tasks, then start <paramref name="Start"/> new ones.</summary>
internal sealed record EcsDeploymentStep(int Stop, int Start);
