// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Internal.Platform;

/// <summary>
/// The seed's optional platform sections:
/// <c>"ecs": {"clusters": [{"name", "tasks": [{"id"?, "serviceName"?, "privateIPv4Address"?, "availabilityZone"?,
/// "lastStatus"?: "RUNNING|STOPPED", "healthStatus"?: "HEALTHY|UNHEALTHY|UNKNOWN", "stopCode"?}]}]}</c> and
/// <c>"ec2": {"instances": [{"id"?, "privateIpAddress"?, "availabilityZone"?, "state"?: "running|stopped|terminated"}]}</c>.
/// </summary>
/// <remarks>
/// Every value goes through the code API's checks (the same as a test's <c>StartTask</c>/<c>LaunchInstance</c>), unknown
/// members are refused, and each error names the seed and the path of the bad value, as <see cref="SeedLoader"/> does.
/// A seeded <c>STOPPED</c> task or <c>stopped</c>/<c>terminated</c> instance is in that state at once.
/// </remarks>
internal static class PlatformSeed
{
    public static readonly string[] RootMembers = ["ecs", "ec2"];
    private static readonly string[] EcsMembers = ["clusters"];
    private static readonly string[] ClusterMembers = ["name", "tasks"];
    private static readonly string[] TaskMembers = ["id", "serviceName", "privateIPv4Address", "availabilityZone", "lastStatus", "healthStatus", "stopCode"];
    private static readonly string[] Ec2Members = ["instances"];
    private static readonly string[] InstanceMembers = ["id", "privateIpAddress", "availabilityZone", "state"];

    public static void Apply(PlatformState platform, JsonObject root, string source)
    {
        var seed = new SeedReader(source);
        if (root["ecs"] is { } ecsNode)
        {
            var ecs = seed.Object(ecsNode, "ecs");
            seed.Members(ecs, "ecs", EcsMembers);
            var clusters = seed.Array(ecs, "ecs", "clusters");
            for (var c = 0; c < clusters.Count; c++)
            {
                var clusterPath = SeedReader.Index("ecs.clusters", c);
                var cluster = seed.Object(clusters[c], clusterPath);
                seed.Members(cluster, clusterPath, ClusterMembers);
                var name = seed.Required(cluster, clusterPath, "name");
                seed.Check(clusterPath + ".name", () => platform.AddCluster(name));
                var tasks = seed.Array(cluster, clusterPath, "tasks");
                for (var t = 0; t < tasks.Count; t++)
                {
                    var path = SeedReader.Index(clusterPath + ".tasks", t);
                    var task = seed.Object(tasks[t], path);
                    seed.Members(task, path, TaskMembers);
                    var lastStatus = seed.Text(task, path, "lastStatus") ?? TaskStatuses.Running;
                    if (lastStatus is not (TaskStatuses.Running or TaskStatuses.Stopped))
                    {
                        throw seed.Error(path + ".lastStatus", $"'{lastStatus}' is not a seedable status (use RUNNING or STOPPED).");
                    }

                    var health = seed.Text(task, path, "healthStatus") ?? TaskHealth.Healthy;
                    if (health is not (TaskHealth.Healthy or TaskHealth.Unhealthy or TaskHealth.Unknown))
                    {
                        throw seed.Error(path + ".healthStatus", $"'{health}' is not an ECS health status (use HEALTHY, UNHEALTHY or UNKNOWN).");
                    }

                    var started = seed.Check(path, () => platform.StartTask(
                        name,
                        seed.Text(task, path, "serviceName"),
                        seed.Text(task, path, "privateIPv4Address"),
                        seed.Text(task, path, "availabilityZone"),
                        seed.Text(task, path, "id")));
                    seed.Check(path + ".healthStatus", () => platform.SetTaskHealth(started.TaskId, health));
                    if (lastStatus == TaskStatuses.Stopped)
                    {
                        seed.Check(path + ".stopCode", () => platform.StopTask(started.TaskId, seed.Text(task, path, "stopCode") ?? "EssentialContainerExited", null, TimeSpan.Zero));
                    }
                    else if (task["stopCode"] is not null)
                    {
                        throw seed.Error(path + ".stopCode", "A stop code needs \"lastStatus\": \"STOPPED\".");
                    }
                }
            }
        }

        if (root["ec2"] is { } ec2Node)
        {
            var ec2 = seed.Object(ec2Node, "ec2");
            seed.Members(ec2, "ec2", Ec2Members);
            var instances = seed.Array(ec2, "ec2", "instances");
            for (var i = 0; i < instances.Count; i++)
            {
                var path = SeedReader.Index("ec2.instances", i);
                var instance = seed.Object(instances[i], path);
                seed.Members(instance, path, InstanceMembers);
                var state = seed.Text(instance, path, "state") ?? Ec2States.Running;
                if (state is not (Ec2States.Running or Ec2States.Stopped or Ec2States.Terminated))
                {
                    throw seed.Error(path + ".state", $"'{state}' is not a seedable state (use running, stopped or terminated).");
                }

                var launched = seed.Check(path, () => platform.LaunchInstance(
                    seed.Text(instance, path, "privateIpAddress"),
                    seed.Text(instance, path, "availabilityZone"),
                    seed.Text(instance, path, "id")));
                if (state == Ec2States.Stopped)
                {
                    platform.StopInstance(launched.InstanceId, TimeSpan.Zero);
                }
                else if (state == Ec2States.Terminated)
                {
                    platform.TerminateInstance(launched.InstanceId, TimeSpan.Zero);
                }
            }
        }
    }
}
