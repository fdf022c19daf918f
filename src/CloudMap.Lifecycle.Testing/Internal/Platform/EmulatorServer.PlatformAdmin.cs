// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;
using CloudMap.Lifecycle.Testing.Internal.Platform;
using Microsoft.AspNetCore.Http;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// The platform's admin routes, under <c>/_emulator/ecs/</c> and <c>/_emulator/ec2/</c>: list, start, stop, mark
/// unhealthy and replace tasks; list, launch, terminate, stop, start instances and move a private address. Each answers
/// the task or instance as the code API's snapshot (camelCase); a bad value is a 400 naming it, a transition the current
/// state does not allow a 409.
/// </summary>
internal sealed partial class EmulatorServer
{
    private async Task<object> HandlePlatformAdminAsync(HttpContext context, string method, string route)
    {
        var platformState = platform ?? throw new AdminException(404, "This emulator does not play the platform (ECS, EC2).");
        try
        {
            return (method, route) switch
            {
                ("GET", "/ecs/tasks") => platformState.Tasks(),
                ("POST", "/ecs/tasks") => StartTask(platformState, await ReadAdminBodyAsync(context).ConfigureAwait(false)),
                ("POST", "/ecs/tasks/stop") => StopTask(platformState, await ReadAdminBodyAsync(context).ConfigureAwait(false)),
                ("POST", "/ecs/tasks/health") => SetTaskHealth(platformState, await ReadAdminBodyAsync(context).ConfigureAwait(false)),
                ("POST", "/ecs/tasks/replace") => ReplaceTask(platformState, await ReadAdminBodyAsync(context).ConfigureAwait(false)),
                ("GET", "/ec2/instances") => platformState.Instances(),
                ("POST", "/ec2/instances") => LaunchInstance(platformState, await ReadAdminBodyAsync(context).ConfigureAwait(false)),
                ("POST", "/ec2/instances/terminate") => Transition(await ReadAdminBodyAsync(context).ConfigureAwait(false), platformState.TerminateInstance, PlatformState.DefaultInstanceShutdownDuration),
                ("POST", "/ec2/instances/stop") => Transition(await ReadAdminBodyAsync(context).ConfigureAwait(false), platformState.StopInstance, PlatformState.DefaultInstanceShutdownDuration),
                ("POST", "/ec2/instances/start") => Transition(await ReadAdminBodyAsync(context).ConfigureAwait(false), platformState.StartInstance, TimeSpan.Zero),
                ("POST", "/ec2/instances/move-ip") => MoveIp(platformState, await ReadAdminBodyAsync(context).ConfigureAwait(false)),
                _ => throw new AdminException(404, $"No admin route for {method} /_emulator{route}."),
            };
        }
        catch (ArgumentException e)
        {
            throw new AdminException(400, e.Message);
        }
        catch (InvalidOperationException e)
        {
            throw new AdminException(409, e.Message);
        }
    }

    private static EmulatedTask StartTask(PlatformState platformState, JsonObject body) =>
        platformState.StartTask(
            Text(body, "cluster") ?? throw new AdminException(400, "'cluster' is required."),
            Text(body, "serviceName"),
            Text(body, "privateIPv4Address"),
            Text(body, "availabilityZone"),
            Text(body, "taskId"));

    private static EmulatedTask StopTask(PlatformState platformState, JsonObject body) =>
        platformState.StopTask(
            RequiredText(body, "task"),
            Text(body, "stopCode") ?? "UserInitiated",
            Text(body, "stoppedReason"),
            Seconds(body, "stopSeconds") ?? PlatformState.DefaultTaskStopDuration);

    private static EmulatedTask SetTaskHealth(PlatformState platformState, JsonObject body)
    {
        var status = RequiredText(body, "healthStatus");
        return status is TaskHealth.Healthy or TaskHealth.Unhealthy or TaskHealth.Unknown
            ? platformState.SetTaskHealth(RequiredText(body, "task"), status)
            : throw new AdminException(400, $"'healthStatus' must be HEALTHY, UNHEALTHY or UNKNOWN, not '{status}'.");
    }

    private static ReplacedTaskDocument ReplaceTask(PlatformState platformState, JsonObject body)
    {
        var (stopped, started) = platformState.ReplaceTask(
            RequiredText(body, "task"),
            Seconds(body, "stopSeconds") ?? PlatformState.DefaultTaskStopDuration,
            Text(body, "privateIPv4Address"));
        return new ReplacedTaskDocument(stopped, started);
    }

    private static EmulatedEc2Instance LaunchInstance(PlatformState platformState, JsonObject body) =>
        platformState.LaunchInstance(Text(body, "privateIpAddress"), Text(body, "availabilityZone"), Text(body, "instanceId"));

    private static EmulatedEc2Instance Transition(JsonObject body, Func<string, TimeSpan, EmulatedEc2Instance> transition, TimeSpan fallback) =>
        transition(RequiredText(body, "instanceId"), Seconds(body, "seconds") ?? fallback);

    private static EmulatedEc2Instance MoveIp(PlatformState platformState, JsonObject body) =>
        platformState.MovePrivateIp(RequiredText(body, "privateIpAddress"), RequiredText(body, "instanceId"));

    private static string RequiredText(JsonObject body, string name) =>
        Text(body, name) ?? throw new AdminException(400, $"'{name}' is required.");
}

/// <summary><c>POST /_emulator/ecs/tasks/replace</c>: the task stopped and the one started in its place.</summary>
internal sealed record ReplacedTaskDocument(EmulatedTask Stopped, EmulatedTask Started);
