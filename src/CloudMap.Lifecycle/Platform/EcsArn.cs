// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics.CodeAnalysis;

namespace CloudMap.Lifecycle.Platform;

/// <summary>Reads ECS ARNs: <c>arn:&lt;partition&gt;:ecs:&lt;region&gt;:&lt;account&gt;:task/&lt;cluster&gt;/&lt;taskId&gt;</c> (the old format has no cluster).</summary>
internal static class EcsArn
{
    /// <summary>Splits a task ARN; <paramref name="cluster"/> is <see langword="null"/> for the old format.</summary>
    public static bool TryParseTask(string arn, [NotNullWhen(true)] out string? region, out string? cluster, [NotNullWhen(true)] out string? taskId)
    {
        region = cluster = taskId = null;
        var parts = arn.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "ecs" || parts[3].Length == 0 || !parts[5].StartsWith("task/", StringComparison.Ordinal))
        {
            return false;
        }

        var path = parts[5]["task/".Length..].Split('/');
        if (path.Length is < 1 or > 2 || path.Any(p => p.Length == 0))
        {
            return false;
        }

        region = parts[3];
        cluster = path.Length == 2 ? path[0] : null;
        taskId = path[^1];
        return true;
    }

    /// <summary>The cluster name of a cluster ARN (<c>arn:...:cluster/&lt;name&gt;</c>) or of a plain name.</summary>
    public static string? ClusterName(string? clusterArnOrName)
    {
        if (string.IsNullOrWhiteSpace(clusterArnOrName))
        {
            return null;
        }

        var marker = clusterArnOrName.IndexOf(":cluster/", StringComparison.Ordinal);
        return marker >= 0 ? clusterArnOrName[(marker + ":cluster/".Length)..] : clusterArnOrName.Trim();
    }
}
