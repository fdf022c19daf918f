// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing.Internal.Platform;

namespace CloudMap.Lifecycle.Testing;

/// <summary>
/// The platform the emulator plays on the same <see cref="Endpoint"/>: ECS (<c>DescribeTasks</c>, <c>ListTasks</c>;
/// AWS JSON 1.1, signing name <c>ecs</c>) and EC2 (<c>DescribeInstances</c>; Query protocol, signing name <c>ec2</c>).
/// These methods script it: every state is computed from the emulator's clock, so a stop or a termination advances
/// with a fake clock.
/// </summary>
public sealed partial class CloudMapEmulator
{
    /// <summary>The default time a stopped task takes to reach <c>STOPPED</c> (ECS's default stop timeout): 30 seconds.</summary>
    public static readonly TimeSpan DefaultTaskStopDuration = PlatformState.DefaultTaskStopDuration;

    /// <summary>The default time an instance stays <c>shutting-down</c> (or <c>stopping</c>): 30 seconds.</summary>
    public static readonly TimeSpan DefaultInstanceShutdownDuration = PlatformState.DefaultInstanceShutdownDuration;

    /// <summary>Starts an ECS task, <c>RUNNING</c> and <c>HEALTHY</c> at once; the cluster is created by its first task.</summary>
    /// <param name="cluster">The cluster name.</param>
    /// <param name="serviceName">The ECS service the task belongs to (its <c>group</c> is <c>service:&lt;name&gt;</c>), or <see langword="null"/>.</param>
    /// <param name="privateIPv4Address">The task's address; the next free one of <c>10.0.0.0/16</c> when <see langword="null"/>.</param>
    /// <param name="availabilityZone">The availability zone; the region's <c>a</c> zone when <see langword="null"/>.</param>
    /// <returns>The task.</returns>
    /// <exception cref="ArgumentException">A name is invalid, or the address is not IPv4 or is held by a live task or instance.</exception>
    public EmulatedTask StartTask(string cluster, string? serviceName = null, string? privateIPv4Address = null, string? availabilityZone = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(cluster);
        return _platform.StartTask(cluster, serviceName, privateIPv4Address, availabilityZone);
    }

    /// <summary>
    /// Stops a task: <c>desiredStatus</c> is <c>STOPPED</c> at once; <c>lastStatus</c> goes <c>DEACTIVATING</c>,
    /// <c>STOPPING</c>, <c>DEPROVISIONING</c> (a third of <paramref name="stopDuration"/> each), then <c>STOPPED</c>.
    /// ECS keeps describing it for an hour after that; then it is <c>MISSING</c>.
    /// </summary>
    /// <param name="task">The task ARN or id.</param>
    /// <param name="stopCode">The stop code ECS reports, for example <c>EssentialContainerExited</c> for a crash.</param>
    /// <param name="stopDuration">How long until <c>STOPPED</c>; <see cref="DefaultTaskStopDuration"/> when <see langword="null"/>.</param>
    /// <returns>The task.</returns>
    /// <exception cref="ArgumentException">The task does not exist, or the stop code is not one of ECS's.</exception>
    /// <exception cref="InvalidOperationException">The task is already stopping or stopped.</exception>
    public EmulatedTask StopTask(string task, string stopCode = "UserInitiated", TimeSpan? stopDuration = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(task);
        ArgumentException.ThrowIfNullOrEmpty(stopCode);
        return _platform.StopTask(task, stopCode, null, stopDuration ?? DefaultTaskStopDuration);
    }

    /// <summary>Sets a task's <c>healthStatus</c> (the task's and its container's) at once.</summary>
    /// <param name="task">The task ARN or id.</param>
    /// <param name="healthy"><see langword="true"/> for <c>HEALTHY</c>, <see langword="false"/> for <c>UNHEALTHY</c>.</param>
    /// <returns>The task.</returns>
    /// <exception cref="ArgumentException">The task does not exist.</exception>
    public EmulatedTask SetTaskHealth(string task, bool healthy)
    {
        ArgumentException.ThrowIfNullOrEmpty(task);
        return _platform.SetTaskHealth(task, healthy ? TaskHealth.Healthy : TaskHealth.Unhealthy);
    }

    /// <summary>
    /// Replaces a task as its service's scheduler does: stops it (<c>ServiceSchedulerInitiated</c>) and starts a new
    /// task in the same cluster, service and availability zone, with a new address.
    /// </summary>
    /// <param name="task">The task ARN or id.</param>
    /// <param name="stopDuration">How long the old task takes to stop; <see cref="DefaultTaskStopDuration"/> when <see langword="null"/>.</param>
    /// <returns>The new task.</returns>
    /// <exception cref="ArgumentException">The task does not exist.</exception>
    /// <exception cref="InvalidOperationException">The task is already stopping or stopped.</exception>
    public EmulatedTask ReplaceTask(string task, TimeSpan? stopDuration = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(task);
        return _platform.ReplaceTask(task, stopDuration ?? DefaultTaskStopDuration, null).Started;
    }

    /// <summary>Gets a task as ECS describes it now, or <see langword="null"/> when ECS would answer <c>MISSING</c>.</summary>
    /// <param name="task">The task ARN or id.</param>
    /// <returns>The task, or <see langword="null"/>.</returns>
    public EmulatedTask? FindTask(string task)
    {
        ArgumentException.ThrowIfNullOrEmpty(task);
        return _platform.FindTask(task);
    }

    /// <summary>Gets every task ECS describes now (running, stopping, and stopped within the last hour), oldest first.</summary>
    /// <returns>The tasks.</returns>
    public IReadOnlyList<EmulatedTask> GetTasks() => _platform.Tasks();

    /// <summary>Launches an EC2 instance, <c>running</c> at once.</summary>
    /// <param name="privateIpAddress">The primary private address; the next free one of <c>10.0.0.0/16</c> when <see langword="null"/>.</param>
    /// <param name="availabilityZone">The availability zone; the region's <c>a</c> zone when <see langword="null"/>.</param>
    /// <returns>The instance.</returns>
    /// <exception cref="ArgumentException">The address is not IPv4 or is held by a live task or instance, or the zone is not in the region.</exception>
    public EmulatedEc2Instance LaunchInstance(string? privateIpAddress = null, string? availabilityZone = null) =>
        _platform.LaunchInstance(privateIpAddress, availabilityZone);

    /// <summary>
    /// Terminates an instance: <c>shutting-down</c> for <paramref name="shutdownDuration"/>, then <c>terminated</c>,
    /// when it releases its private address; EC2 describes it for an hour more, then answers
    /// <c>InvalidInstanceID.NotFound</c>.
    /// </summary>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="shutdownDuration">How long it stays <c>shutting-down</c>; <see cref="DefaultInstanceShutdownDuration"/> when <see langword="null"/>.</param>
    /// <returns>The instance.</returns>
    /// <exception cref="ArgumentException">The instance does not exist.</exception>
    /// <exception cref="InvalidOperationException">The instance is already shutting down or terminated.</exception>
    public EmulatedEc2Instance TerminateInstance(string instanceId, TimeSpan? shutdownDuration = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        return _platform.TerminateInstance(instanceId, shutdownDuration ?? DefaultInstanceShutdownDuration);
    }

    /// <summary>Stops a running instance: <c>stopping</c> for <paramref name="stoppingDuration"/>, then <c>stopped</c>; it keeps its address.</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="stoppingDuration">How long it stays <c>stopping</c>; <see cref="DefaultInstanceShutdownDuration"/> when <see langword="null"/>.</param>
    /// <returns>The instance.</returns>
    /// <exception cref="ArgumentException">The instance does not exist.</exception>
    /// <exception cref="InvalidOperationException">The instance is not running.</exception>
    public EmulatedEc2Instance StopInstance(string instanceId, TimeSpan? stoppingDuration = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        return _platform.StopInstance(instanceId, stoppingDuration ?? DefaultInstanceShutdownDuration);
    }

    /// <summary>Starts a stopped instance: <c>pending</c> for <paramref name="pendingDuration"/> (none by default), then <c>running</c>.</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="pendingDuration">How long it stays <c>pending</c>; zero when <see langword="null"/>.</param>
    /// <returns>The instance.</returns>
    /// <exception cref="ArgumentException">The instance does not exist.</exception>
    /// <exception cref="InvalidOperationException">The instance is not stopped.</exception>
    public EmulatedEc2Instance StartInstance(string instanceId, TimeSpan? pendingDuration = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        return _platform.StartInstance(instanceId, pendingDuration ?? TimeSpan.Zero);
    }

    /// <summary>
    /// Moves a private address to an instance (its primary address; its old one is released), as when a recycled IP
    /// lands on a new instance. An instance that held the address gets the next free one.
    /// </summary>
    /// <param name="privateIpAddress">The address.</param>
    /// <param name="instanceId">The instance that takes it.</param>
    /// <returns>The instance that took the address.</returns>
    /// <exception cref="ArgumentException">The instance does not exist, the address is not IPv4, or a live task holds it.</exception>
    /// <exception cref="InvalidOperationException">The instance is shutting down or terminated.</exception>
    public EmulatedEc2Instance MovePrivateIp(string privateIpAddress, string instanceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(privateIpAddress);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        return _platform.MovePrivateIp(privateIpAddress, instanceId);
    }

    /// <summary>Gets an instance as EC2 describes it now, or <see langword="null"/> when EC2 would answer <c>InvalidInstanceID.NotFound</c>.</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <returns>The instance, or <see langword="null"/>.</returns>
    public EmulatedEc2Instance? FindEc2Instance(string instanceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        return _platform.FindInstance(instanceId);
    }

    /// <summary>Gets every instance EC2 describes now (terminated ones for an hour), oldest first.</summary>
    /// <returns>The instances.</returns>
    public IReadOnlyList<EmulatedEc2Instance> GetEc2Instances() => _platform.Instances();
}
