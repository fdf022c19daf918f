// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CloudMap.Lifecycle.Testing.Internal.Platform;

/// <summary>
/// The emulated platform: ECS tasks and EC2 instances in one VPC (one pool of private IPv4 addresses), behind one lock.
/// As in <see cref="EmulatorState"/>, every status is computed from the clock and stored timestamps when read: a stop
/// or a termination stores when it began and how long it takes, no timer runs, and a fake clock drives it.
/// </summary>
/// <remarks>
/// One partial per concern: <c>.Ecs</c> (the ECS AWS JSON 1.1 table and its handlers), <c>.Ec2</c> (the EC2 Query
/// protocol handler), <c>.Admin</c> (the code and admin API's transitions). Addresses come from <c>10.0.0.0/16</c>
/// in order (<c>10.0.1.4</c> first), so runs with the same script get the same addresses.
/// </remarks>
internal sealed partial class PlatformState
{
    /// <summary>How long ECS keeps describing a stopped task, and EC2 a terminated instance (both "at least an hour").</summary>
    public static readonly TimeSpan RetainedFor = TimeSpan.FromHours(1);

    /// <summary>How long a stop takes (ECS's default stop timeout: SIGTERM, then SIGKILL after 30 s).</summary>
    public static readonly TimeSpan DefaultTaskStopDuration = TimeSpan.FromSeconds(30);

    /// <summary>How long an instance stays <c>shutting-down</c> (or <c>stopping</c>) by default.</summary>
    public static readonly TimeSpan DefaultInstanceShutdownDuration = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly SharedRandom _random;
    private readonly Dictionary<string, ClusterRecord> _clusters = new(StringComparer.Ordinal);
    private readonly List<TaskRecord> _tasks = [];
    private readonly List<Ec2InstanceRecord> _instances = [];

    public PlatformState(TimeProvider time, SharedRandom random, string region)
    {
        _time = time;
        _random = random;
        Region = region;
        EcsApi = CreateEcsApi();
    }

    public string Region { get; }

    public TimeProvider Time => _time;

    public string DefaultAvailabilityZone => Region + "a";

    private T Locked<T>(Func<T> action)
    {
        lock (_lock)
        {
            return action();
        }
    }

    private string NewHexId(int length, Func<string, bool> taken)
    {
        while (true)
        {
            // SharedRandom's alphabet is [a-z0-9]: map each character onto a hex digit (seeded, so reproducible).
            var raw = _random.Chars(length);
            var id = string.Create(length, raw, static (span, source) =>
            {
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = "0123456789abcdef"[source[i] % 16];
                }
            });
            if (!taken(id))
            {
                return id;
            }
        }
    }

    /// <summary>Whether a live task or instance holds <paramref name="address"/> now.</summary>
    private object? HolderOf(string address, DateTimeOffset now) =>
        (object?)_tasks.FirstOrDefault(t => t.HoldsAddress(now) && t.PrivateIp == address)
        ?? _instances.FirstOrDefault(i => i.HoldsAddress(now) && i.PrivateIp == address);

    private string NextFreeAddress(DateTimeOffset now)
    {
        for (var third = 1; third < 255; third++)
        {
            for (var fourth = 4; fourth < 255; fourth++)
            {
                var address = string.Create(CultureInfo.InvariantCulture, $"10.0.{third}.{fourth}");
                if (HolderOf(address, now) is null && !_tasks.Any(t => t.PrivateIp == address) && !_instances.Any(i => i.PrivateIp == address))
                {
                    return address;
                }
            }
        }

        // Every address was used once: reuse a released one.
        for (var third = 1; third < 255; third++)
        {
            for (var fourth = 4; fourth < 255; fourth++)
            {
                var address = string.Create(CultureInfo.InvariantCulture, $"10.0.{third}.{fourth}");
                if (HolderOf(address, now) is null)
                {
                    return address;
                }
            }
        }

        throw new InvalidOperationException("The emulated VPC (10.0.0.0/16) has no free address left.");
    }

    /// <summary>An address given by the caller, or the next free one; a given address must be IPv4 and free.</summary>
    private string AddressFor(string? requested, string parameterName, DateTimeOffset now)
    {
        if (requested is null)
        {
            return NextFreeAddress(now);
        }

        if (!IPAddress.TryParse(requested, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetwork || parsed.ToString() != requested)
        {
            throw new ArgumentException($"'{requested}' is not an IPv4 address in dotted form (for example 10.0.1.4).", parameterName);
        }

        if (HolderOf(requested, now) is { } holder)
        {
            throw new ArgumentException($"The address {requested} is held by {Describe(holder)}: stop or terminate it first, or move the address with MovePrivateIp.", parameterName);
        }

        return requested;
    }

    private static string Describe(object holder) => holder switch
    {
        TaskRecord task => $"task '{task.TaskId}' (cluster '{task.Cluster}')",
        Ec2InstanceRecord instance => $"instance '{instance.InstanceId}'",
        _ => holder.ToString() ?? string.Empty,
    };

    private string AvailabilityZoneFor(string? requested, string parameterName)
    {
        if (requested is null)
        {
            return DefaultAvailabilityZone;
        }

        return requested.StartsWith(Region, StringComparison.Ordinal) && requested.Length > Region.Length && requested.Length <= Region.Length + 3
            ? requested
            : throw new ArgumentException($"'{requested}' is not an availability zone of the emulator's region '{Region}' (for example '{Region}a').", parameterName);
    }
}

/// <summary>An ECS cluster: created by the first task started in it (or a seed), and the services named by its tasks.</summary>
internal sealed class ClusterRecord(string name, string arn)
{
    public string Name { get; } = name;

    public string Arn { get; } = arn;

    public HashSet<string> Services { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One ECS task. Its status is a function of the clock: <c>RUNNING</c> until stopped, then <c>DEACTIVATING</c>,
/// <c>STOPPING</c> and <c>DEPROVISIONING</c> for a third of the stop duration each, then <c>STOPPED</c>; gone
/// (<c>MISSING</c>) <see cref="PlatformState.RetainedFor"/> after that.
/// </summary>
internal sealed class TaskRecord
{
    public required string Cluster { get; init; }

    public required string TaskId { get; init; }

    public required string TaskArn { get; init; }

    public required string ClusterArn { get; init; }

    public string? ServiceName { get; init; }

    public required string PrivateIp { get; init; }

    public required string AvailabilityZone { get; init; }

    public required string AttachmentId { get; init; }

    public required string NetworkInterfaceId { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required long Sequence { get; init; }

    public string HealthStatus { get; set; } = TaskHealth.Healthy;

    public DateTimeOffset? StoppingAt { get; private set; }

    public TimeSpan StopDuration { get; private set; }

    public string? StopCode { get; private set; }

    public string? StoppedReason { get; private set; }

    public long Version { get; set; } = 1;

    public void Stop(DateTimeOffset now, TimeSpan duration, string stopCode, string reason)
    {
        StoppingAt = now;
        StopDuration = duration;
        StopCode = stopCode;
        StoppedReason = reason;
        Version++;
    }

    public DateTimeOffset? StoppedAt(DateTimeOffset now) =>
        StoppingAt is { } at && now >= at + StopDuration ? at + StopDuration : null;

    public string LastStatus(DateTimeOffset now)
    {
        if (StoppingAt is not { } at)
        {
            return TaskStatuses.Running;
        }

        var elapsed = now - at;
        if (elapsed >= StopDuration)
        {
            return TaskStatuses.Stopped;
        }

        var third = StopDuration / 3;
        return elapsed < third ? TaskStatuses.Deactivating : elapsed < third * 2 ? TaskStatuses.Stopping : TaskStatuses.Deprovisioning;
    }

    public string DesiredStatus => StoppingAt is null ? TaskStatuses.Running : TaskStatuses.Stopped;

    /// <summary>The task's address is in use until it is <c>STOPPED</c> (its ENI is deleted then).</summary>
    public bool HoldsAddress(DateTimeOffset now) => StoppedAt(now) is null;

    public bool IsRetained(DateTimeOffset now) => StoppedAt(now) is not { } stopped || now < stopped + PlatformState.RetainedFor;
}

/// <summary>
/// One EC2 instance. A transition (terminate, stop, start) stores its intermediate state, its final state and when it
/// ends; the state read is the intermediate one until then. A terminated instance releases its private address and is
/// gone (<c>InvalidInstanceID.NotFound</c>) <see cref="PlatformState.RetainedFor"/> after it terminated.
/// </summary>
internal sealed class Ec2InstanceRecord
{
    public required string InstanceId { get; init; }

    public required string ReservationId { get; init; }

    public required string AvailabilityZone { get; init; }

    public required DateTimeOffset LaunchTime { get; init; }

    public required long Sequence { get; init; }

    public string? PrivateIp { get; set; }

    public string StableState { get; private set; } = Ec2States.Running;

    public string? IntermediateState { get; private set; }

    public DateTimeOffset TransitionEndsAt { get; private set; }

    public string? StateReason { get; private set; }

    public void Transition(DateTimeOffset now, string intermediate, string final, TimeSpan duration, string reason)
    {
        IntermediateState = intermediate;
        StableState = final;
        TransitionEndsAt = now + duration;
        StateReason = reason;
    }

    public string State(DateTimeOffset now) => IntermediateState is { } intermediate && now < TransitionEndsAt ? intermediate : StableState;

    public bool IsTerminated(DateTimeOffset now) => State(now) == Ec2States.Terminated;

    /// <summary>Shutting down and stopped instances keep their primary address; a terminated one has none.</summary>
    public bool HoldsAddress(DateTimeOffset now) => PrivateIp is not null && !IsTerminated(now);

    public bool IsRetained(DateTimeOffset now) => !IsTerminated(now) || now < TransitionEndsAt + PlatformState.RetainedFor;
}

/// <summary>ECS task statuses (<c>lastStatus</c>, <c>desiredStatus</c>).</summary>
internal static class TaskStatuses
{
    public const string Running = "RUNNING";
    public const string Deactivating = "DEACTIVATING";
    public const string Stopping = "STOPPING";
    public const string Deprovisioning = "DEPROVISIONING";
    public const string Stopped = "STOPPED";
    public const string Pending = "PENDING";
}

/// <summary>ECS health statuses (botocore <c>HealthStatus</c>).</summary>
internal static class TaskHealth
{
    public const string Healthy = "HEALTHY";
    public const string Unhealthy = "UNHEALTHY";
    public const string Unknown = "UNKNOWN";
}

/// <summary>EC2 instance states and their codes (botocore <c>InstanceStateName</c>).</summary>
internal static class Ec2States
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string ShuttingDown = "shutting-down";
    public const string Terminated = "terminated";
    public const string Stopping = "stopping";
    public const string Stopped = "stopped";

    public static readonly string[] All = [Pending, Running, ShuttingDown, Terminated, Stopping, Stopped];

    public static int Code(string state) => state switch
    {
        Pending => 0,
        Running => 16,
        ShuttingDown => 32,
        Terminated => 48,
        Stopping => 64,
        Stopped => 80,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Not an EC2 instance state."),
    };
}
