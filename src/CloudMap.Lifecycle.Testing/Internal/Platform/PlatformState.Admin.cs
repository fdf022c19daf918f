// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.RegularExpressions;

namespace CloudMap.Lifecycle.Testing.Internal.Platform;

/// <summary>
/// The transitions a test, a scenario, a seed or the admin API scripts: start, stop, mark unhealthy and replace tasks;
/// launch, terminate, stop and start instances; move a private address. Each validates its arguments with an
/// <see cref="ArgumentException"/> naming the parameter and the value, and returns a snapshot.
/// </summary>
internal sealed partial class PlatformState
{
    /// <summary>Stop codes ECS reports (botocore <c>TaskStopCode</c>).</summary>
    public static readonly string[] StopCodes =
        ["TaskFailedToStart", "EssentialContainerExited", "UserInitiated", "ServiceSchedulerInitiated", "SpotInterruption", "TerminationNotice"];

    public EmulatedTask StartTask(string cluster, string? serviceName = null, string? privateIPv4Address = null, string? availabilityZone = null, string? taskId = null)
    {
        CheckName(cluster, nameof(cluster));
        if (serviceName is not null)
        {
            CheckName(serviceName, nameof(serviceName));
        }

        if (taskId is not null && !TaskIdPattern().IsMatch(taskId))
        {
            throw new ArgumentException($"'{taskId}' is not a task id: 32 lowercase hexadecimal digits.", nameof(taskId));
        }

        var zone = AvailabilityZoneFor(availabilityZone, nameof(availabilityZone));
        return Locked(() =>
        {
            var now = _time.GetUtcNow();
            var clusterRecord = ClusterLocked(cluster);
            if (taskId is not null && _tasks.Any(t => t.TaskId == taskId))
            {
                throw new ArgumentException($"A task with the id '{taskId}' already exists.", nameof(taskId));
            }

            var id = taskId ?? NewHexId(32, candidate => _tasks.Any(t => t.TaskId == candidate));
            if (serviceName is not null)
            {
                clusterRecord.Services.Add(serviceName);
            }

            var task = new TaskRecord
            {
                Cluster = cluster,
                TaskId = id,
                TaskArn = $"arn:aws:ecs:{Region}:{EmulatorState.AccountId}:task/{cluster}/{id}",
                ClusterArn = clusterRecord.Arn,
                ServiceName = serviceName,
                PrivateIp = AddressFor(privateIPv4Address, nameof(privateIPv4Address), now),
                AvailabilityZone = zone,
                AttachmentId = Guid.NewGuid().ToString(),
                NetworkInterfaceId = "eni-" + NewHexId(17, _ => false),
                StartedAt = now,
                Sequence = _tasks.Count,
            };
            _tasks.Add(task);
            return Snapshot(task, now);
        });
    }

    public EmulatedTask StopTask(string task, string stopCode, string? stoppedReason, TimeSpan duration)
    {
        ArgumentException.ThrowIfNullOrEmpty(task);
        if (!StopCodes.Contains(stopCode, StringComparer.Ordinal))
        {
            throw new ArgumentException($"'{stopCode}' is not an ECS stop code (use one of {string.Join(", ", StopCodes)}).", nameof(stopCode));
        }

        CheckDuration(duration, nameof(duration));
        return Locked(() =>
        {
            var now = _time.GetUtcNow();
            var record = TaskLocked(task, nameof(task));
            if (record.DesiredStatus == TaskStatuses.Stopped)
            {
                throw new InvalidOperationException($"The task '{record.TaskId}' is already stopping or stopped.");
            }

            record.Stop(now, duration, stopCode, stoppedReason ?? DefaultStoppedReason(stopCode));
            return Snapshot(record, now);
        });
    }

    public EmulatedTask SetTaskHealth(string task, string healthStatus)
    {
        ArgumentException.ThrowIfNullOrEmpty(task);
        return Locked(() =>
        {
            var now = _time.GetUtcNow();
            var record = TaskLocked(task, nameof(task));
            record.HealthStatus = healthStatus;
            record.Version++;
            return Snapshot(record, now);
        });
    }

    /// <summary>Stops a task as its service's scheduler does (<c>ServiceSchedulerInitiated</c>) and starts its replacement.</summary>
    public (EmulatedTask Stopped, EmulatedTask Started) ReplaceTask(string task, TimeSpan duration, string? privateIPv4Address)
    {
        ArgumentException.ThrowIfNullOrEmpty(task);
        var (cluster, service, zone) = Locked(() =>
        {
            var record = TaskLocked(task, nameof(task));
            return (record.Cluster, record.ServiceName, record.AvailabilityZone);
        });
        var stopped = StopTask(task, "ServiceSchedulerInitiated", "Task replaced by the emulator (ReplaceTask).", duration);
        var started = StartTask(cluster, service, privateIPv4Address, zone);
        return (stopped, started);
    }

    public EmulatedTask? FindTask(string task)
    {
        ArgumentException.ThrowIfNullOrEmpty(task);
        return Locked(() =>
        {
            var now = _time.GetUtcNow();
            var id = task.StartsWith("arn:", StringComparison.Ordinal) ? task[(task.LastIndexOf('/') + 1)..] : task;
            return _tasks.FirstOrDefault(t => t.TaskId == id && t.IsRetained(now)) is { } record ? Snapshot(record, now) : null;
        });
    }

    public IReadOnlyList<EmulatedTask> Tasks() => Locked(() =>
    {
        var now = _time.GetUtcNow();
        return _tasks.Where(t => t.IsRetained(now)).Select(t => Snapshot(t, now)).ToList();
    });

    public EmulatedEc2Instance LaunchInstance(string? privateIpAddress = null, string? availabilityZone = null, string? instanceId = null)
    {
        if (instanceId is not null && !InstanceIdPattern().IsMatch(instanceId))
        {
            throw new ArgumentException($"'{instanceId}' is not an EC2 instance id: 'i-' and 8 or 17 lowercase hexadecimal digits.", nameof(instanceId));
        }

        var zone = AvailabilityZoneFor(availabilityZone, nameof(availabilityZone));
        return Locked(() =>
        {
            var now = _time.GetUtcNow();
            if (instanceId is not null && _instances.Any(i => i.InstanceId == instanceId))
            {
                throw new ArgumentException($"An instance with the id '{instanceId}' already exists.", nameof(instanceId));
            }

            var instance = new Ec2InstanceRecord
            {
                InstanceId = instanceId ?? "i-" + NewHexId(17, candidate => _instances.Any(i => i.InstanceId == "i-" + candidate)),
                ReservationId = "r-" + NewHexId(17, _ => false),
                AvailabilityZone = zone,
                LaunchTime = now,
                Sequence = _instances.Count,
                PrivateIp = AddressFor(privateIpAddress, nameof(privateIpAddress), now),
            };
            _instances.Add(instance);
            return Snapshot(instance, now);
        });
    }

    /// <summary><c>shutting-down</c> for <paramref name="duration"/>, then <c>terminated</c> (the address is released then).</summary>
    public EmulatedEc2Instance TerminateInstance(string instanceId, TimeSpan duration) =>
        TransitionInstance(instanceId, duration, Ec2States.ShuttingDown, Ec2States.Terminated, "User initiated", allowedFrom: [Ec2States.Pending, Ec2States.Running, Ec2States.Stopping, Ec2States.Stopped]);

    /// <summary><c>stopping</c> for <paramref name="duration"/>, then <c>stopped</c> (the address is kept).</summary>
    public EmulatedEc2Instance StopInstance(string instanceId, TimeSpan duration) =>
        TransitionInstance(instanceId, duration, Ec2States.Stopping, Ec2States.Stopped, "User initiated", allowedFrom: [Ec2States.Running]);

    /// <summary><c>pending</c> for <paramref name="duration"/>, then <c>running</c> again.</summary>
    public EmulatedEc2Instance StartInstance(string instanceId, TimeSpan duration) =>
        TransitionInstance(instanceId, duration, Ec2States.Pending, Ec2States.Running, string.Empty, allowedFrom: [Ec2States.Stopped]);

    /// <summary>
    /// Gives <paramref name="privateIpAddress"/> to <paramref name="instanceId"/> as its primary address (its old one is
    /// released). An instance that held the address gets the next free one, as if its interface were re-addressed.
    /// </summary>
    public EmulatedEc2Instance MovePrivateIp(string privateIpAddress, string instanceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(privateIpAddress);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        return Locked(() =>
        {
            var now = _time.GetUtcNow();
            var target = InstanceLocked(instanceId, nameof(instanceId));
            if (target.State(now) is Ec2States.ShuttingDown or Ec2States.Terminated)
            {
                throw new InvalidOperationException($"The instance '{instanceId}' is {target.State(now)}: it cannot take an address.");
            }

            var holder = HolderOf(privateIpAddress, now);
            if (holder is TaskRecord task)
            {
                throw new ArgumentException($"The address {privateIpAddress} is held by task '{task.TaskId}': stop it first.", nameof(privateIpAddress));
            }

            if (holder is null)
            {
                _ = AddressFor(privateIpAddress, nameof(privateIpAddress), now);
            }

            target.PrivateIp = privateIpAddress;
            if (holder is Ec2InstanceRecord previous && previous != target)
            {
                previous.PrivateIp = NextFreeAddress(now);
            }
            return Snapshot(target, now);
        });
    }

    public EmulatedEc2Instance? FindInstance(string instanceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        return Locked(() =>
        {
            var now = _time.GetUtcNow();
            return _instances.FirstOrDefault(i => i.InstanceId == instanceId && i.IsRetained(now)) is { } record ? Snapshot(record, now) : null;
        });
    }

    public IReadOnlyList<EmulatedEc2Instance> Instances() => Locked(() =>
    {
        var now = _time.GetUtcNow();
        return _instances.Where(i => i.IsRetained(now)).Select(i => Snapshot(i, now)).ToList();
    });

    private EmulatedEc2Instance TransitionInstance(string instanceId, TimeSpan duration, string intermediate, string final, string reason, string[] allowedFrom)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        CheckDuration(duration, nameof(duration));
        return Locked(() =>
        {
            var now = _time.GetUtcNow();
            var record = InstanceLocked(instanceId, nameof(instanceId));
            var state = record.State(now);
            if (!allowedFrom.Contains(state, StringComparer.Ordinal))
            {
                throw new InvalidOperationException($"The instance '{instanceId}' is {state}: it cannot go {intermediate} (only from {string.Join(", ", allowedFrom)}).");
            }

            record.Transition(now, intermediate, final, duration, reason);
            return Snapshot(record, now);
        });
    }

    private ClusterRecord ClusterLocked(string name)
    {
        if (!_clusters.TryGetValue(name, out var cluster))
        {
            cluster = new ClusterRecord(name, $"arn:aws:ecs:{Region}:{EmulatorState.AccountId}:cluster/{name}");
            _clusters.Add(name, cluster);
        }

        return cluster;
    }

    /// <summary>Creates a cluster without tasks (a seed's empty cluster, or one a test lists before starting anything).</summary>
    public void AddCluster(string name)
    {
        CheckName(name, nameof(name));
        Locked(() => ClusterLocked(name));
    }

    private TaskRecord TaskLocked(string task, string parameterName)
    {
        var now = _time.GetUtcNow();
        var id = task.StartsWith("arn:", StringComparison.Ordinal) ? task[(task.LastIndexOf('/') + 1)..] : task;
        return _tasks.FirstOrDefault(t => t.TaskId == id && t.IsRetained(now))
            ?? throw new ArgumentException($"No task '{task}' in the emulator.", parameterName);
    }

    private Ec2InstanceRecord InstanceLocked(string instanceId, string parameterName)
    {
        var now = _time.GetUtcNow();
        return _instances.FirstOrDefault(i => i.InstanceId == instanceId && i.IsRetained(now))
            ?? throw new ArgumentException($"No instance '{instanceId}' in the emulator.", parameterName);
    }

    private static EmulatedTask Snapshot(TaskRecord task, DateTimeOffset now) => new(
        task.TaskArn,
        task.TaskId,
        task.Cluster,
        task.ServiceName,
        task.LastStatus(now),
        task.DesiredStatus,
        task.HealthStatus,
        task.PrivateIp,
        task.AvailabilityZone,
        task.StartedAt,
        task.StoppingAt,
        task.StoppedAt(now),
        task.StopCode,
        task.StoppedReason);

    private static EmulatedEc2Instance Snapshot(Ec2InstanceRecord instance, DateTimeOffset now) => new(
        instance.InstanceId,
        instance.State(now),
        instance.HoldsAddress(now) ? instance.PrivateIp : null,
        instance.AvailabilityZone,
        instance.LaunchTime,
        instance.IntermediateState is not null && now < instance.TransitionEndsAt ? instance.TransitionEndsAt : null);

    private static string DefaultStoppedReason(string stopCode) => stopCode switch
    {
        "UserInitiated" => "Task stopped by user",
        "ServiceSchedulerInitiated" => "Scaling activity initiated by the service scheduler",
        "EssentialContainerExited" => "Essential container in task exited",
        "SpotInterruption" => "Your Spot Task was interrupted.",
        "TerminationNotice" => "Task stopped due to a termination notice",
        _ => "Task failed to start",
    };

    private static void CheckName(string name, string parameterName)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, parameterName);
        if (!ResourceNamePattern().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a valid ECS name: up to 255 letters, digits, hyphens and underscores.", parameterName);
        }
    }

    private static void CheckDuration(TimeSpan duration, string parameterName)
    {
        if (duration < TimeSpan.Zero || duration > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(parameterName, duration, $"The duration must be from 0 to 1 day, not {duration}.");
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,255}$")]
    private static partial Regex ResourceNamePattern();

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex TaskIdPattern();

    [GeneratedRegex("^i-([0-9a-f]{8}|[0-9a-f]{17})$")]
    internal static partial Regex InstanceIdPattern();
}
