// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using CloudMap.Lifecycle.Internal.Cleanup;

namespace CloudMap.Lifecycle.Platform;

/// <summary>A registration to judge by its platform: its instance id, the resources it names, the address it registered.</summary>
internal sealed record PlatformSubject(string InstanceId, PlatformIdentity Platform, IPAddress Address);

/// <summary>What one round of platform reads found: a verdict per instance id, the calls made, and the first failure, if any.</summary>
internal sealed record PlatformJudgement(IReadOnlyDictionary<string, PlatformVerdict> Verdicts, int Calls, string? Failure)
{
    /// <summary>Gets the ECS task each judged ECS subject is, as DescribeTasks answered it (by instance id; absent when ECS did not describe it).</summary>
    /// <remarks>For the janitor's unhealthy-task rule (<c>healthStatus</c>, a stopping <c>lastStatus</c>), which the verdict alone does not carry.</remarks>
    public IReadOnlyDictionary<string, EcsTaskStatus> Tasks { get; init; } = new Dictionary<string, EcsTaskStatus>(StringComparer.Ordinal);
}

/// <summary>
/// Asks ECS and EC2 about the registrations that name a task or an instance, in as few calls as the APIs allow
/// (DescribeTasks: one call per region and cluster per 100 tasks; DescribeInstances: one call per region per 200 ids),
/// and turns the answers into verdicts. Never throws but for cancellation: a failed call makes its subjects Unknown.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>ECS first: a registration with <c>ECS_TASK_ARN</c> (or <c>ECS_CLUSTER_NAME</c> and a task-id instance id, as ECS
/// registers them) is judged by its task only; its <c>EC2_INSTANCE_ID</c> is the container host, whose state and address
/// say nothing about the task. RUNNING → alive; STOPPED, DEPROVISIONING or <c>failures</c> reason MISSING → dead; any
/// other state → unknown. A task without a known cluster is not asked (the default cluster would answer MISSING).</item>
/// <item>EC2: running and holding the registered address (any private, public or IPv6 address of any interface) →
/// alive; running without it (the address moved), shutting-down or terminated → dead; pending, stopping, stopped →
/// unknown. An id absent from the answer is dead (terminated long ago) only when the registration names its region:
/// asked in another region, every instance is absent.</item>
/// </list>
/// </remarks>
internal static class PlatformEvidenceJudge
{
    /// <summary>Judges <paramref name="subjects"/>; <paramref name="defaultRegion"/> is asked for EC2 ids whose region is not named.</summary>
    public static async Task<PlatformJudgement> JudgeAsync(IPlatformClient client, IReadOnlyCollection<PlatformSubject> subjects, string? defaultRegion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(subjects);
        var verdicts = new Dictionary<string, PlatformVerdict>(StringComparer.Ordinal);
        var described = new Dictionary<string, EcsTaskStatus>(StringComparer.Ordinal);
        var calls = 0;
        string? failure = null;

        var ecs = new List<(PlatformSubject Subject, string Region, string Cluster, string Task)>();
        var ec2 = new List<(PlatformSubject Subject, string Region, bool RegionNamed)>();
        foreach (var subject in subjects)
        {
            switch (Classify(subject, defaultRegion))
            {
                case EcsRef task:
                    ecs.Add((subject, task.Region, task.Cluster, task.Task));
                    break;
                case Ec2Ref instance:
                    ec2.Add((subject, instance.Region, instance.RegionNamed));
                    break;
                case string why:
                    verdicts[subject.InstanceId] = PlatformVerdict.Unknown(why);
                    break;
            }
        }

        foreach (var group in ecs.GroupBy(t => (t.Region, t.Cluster)))
        {
            foreach (var chunk in group.Chunk(AwsPlatformClient.MaxTasksPerCall))
            {
                calls++;
                try
                {
                    var answer = await client.DescribeTasksAsync(null, group.Key.Region, group.Key.Cluster, chunk.Select(t => t.Task).ToList(), cancellationToken).ConfigureAwait(false);
                    foreach (var (subject, _, cluster, task) in chunk)
                    {
                        verdicts[subject.InstanceId] = JudgeTask(task, cluster, answer);
                        if (FindTask(task, answer) is { } status)
                        {
                            described[subject.InstanceId] = status;
                        }
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    failure ??= "ECS DescribeTasks: " + Describe(ex);
                    foreach (var (subject, _, _, _) in chunk)
                    {
                        verdicts[subject.InstanceId] = PlatformVerdict.Unknown("ECS DescribeTasks failed: " + Describe(ex));
                    }
                }
            }
        }

        foreach (var group in ec2.GroupBy(i => i.Region))
        {
            foreach (var chunk in group.Chunk(AwsPlatformClient.MaxInstancesPerCall))
            {
                calls++;
                try
                {
                    var ids = chunk.Select(i => i.Subject.Platform.Ec2InstanceId!).Distinct(StringComparer.Ordinal).ToList();
                    var answer = await client.DescribeInstancesAsync(null, group.Key, ids, cancellationToken).ConfigureAwait(false);
                    foreach (var (subject, region, named) in chunk)
                    {
                        verdicts[subject.InstanceId] = JudgeInstance(subject, region, named, answer);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    failure ??= "EC2 DescribeInstances: " + Describe(ex);
                    foreach (var (subject, _, _) in chunk)
                    {
                        verdicts[subject.InstanceId] = PlatformVerdict.Unknown("EC2 DescribeInstances failed: " + Describe(ex));
                    }
                }
            }
        }

        return new PlatformJudgement(verdicts, calls, failure) { Tasks = described };
    }

    /// <summary>Records each verdict on its evidence (matched by instance id).</summary>
    public static void Record(IEnumerable<PeerEvidence> evidence, PlatformJudgement judgement, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        ArgumentNullException.ThrowIfNull(judgement);
        foreach (var peer in evidence)
        {
            if (judgement.Verdicts.TryGetValue(peer.InstanceId, out var verdict))
            {
                peer.RecordPlatform(verdict, at);
            }
        }
    }

    /// <summary>What to ask about <paramref name="subject"/>: an <see cref="EcsRef"/>, an <see cref="Ec2Ref"/>, or why nothing (a string).</summary>
    internal static object Classify(PlatformSubject subject, string? defaultRegion)
    {
        var platform = subject.Platform;
        if (platform.EcsTaskArn is not null || platform.EcsClusterName is not null)
        {
            var task = platform.EcsTaskArn is { } arn && EcsArn.TryParseTask(arn, out _, out _, out _) ? arn
                : IsTaskId(subject.InstanceId) ? subject.InstanceId
                : null;
            var region = platform.EffectiveRegion;
            var cluster = platform.EcsCluster;
            return task is null ? "it names an ECS cluster but no task"
                : cluster is null ? "it names an ECS task without its cluster"
                : region is null ? "it names an ECS task without its region"
                : new EcsRef(region, cluster, task);
        }

        if (platform.Ec2InstanceId is { } id && PlatformIdentity.IsEc2InstanceId(id))
        {
            var region = platform.Region ?? defaultRegion;
            return region is null ? "it names an EC2 instance without its region" : new Ec2Ref(region, platform.Region is not null);
        }

        return "it names no ECS task nor EC2 instance";
    }

    internal static PlatformVerdict JudgeTask(string task, string cluster, EcsDescribeTasksResult answer)
    {
        var taskId = TaskIdOf(task);
        var found = FindTask(task, answer);
        if (found is not null)
        {
            var detail = $"ECS task '{taskId}' in cluster '{cluster}' is {found.LastStatus ?? "(no lastStatus)"}{(found.StoppedReason is { } reason ? " (" + reason + ")" : string.Empty)}";
            return found.LastStatus switch
            {
                "RUNNING" => new PlatformVerdict(PlatformState.Alive, detail),
                "STOPPED" or "DEPROVISIONING" => new PlatformVerdict(PlatformState.Dead, detail),
                _ => PlatformVerdict.Unknown(detail),
            };
        }

        var failure = answer.Failures.FirstOrDefault(f => f.Arn is { } arn && (string.Equals(arn, task, StringComparison.Ordinal) || arn.EndsWith("/" + taskId, StringComparison.Ordinal)));
        return failure switch
        {
            { Reason: "MISSING" } => new PlatformVerdict(PlatformState.Dead, $"ECS task '{taskId}' is unknown to cluster '{cluster}' (failures: MISSING)"),
            not null => PlatformVerdict.Unknown($"ECS could not describe task '{taskId}' ({failure.Reason}{(failure.Detail is { } d ? ": " + d : string.Empty)})"),
            null => PlatformVerdict.Unknown($"ECS did not answer about task '{taskId}'"),
        };
    }

    /// <summary>The task <paramref name="task"/> (an ARN or an id) in <paramref name="answer"/>, or <see langword="null"/>.</summary>
    internal static EcsTaskStatus? FindTask(string task, EcsDescribeTasksResult answer)
    {
        var taskId = TaskIdOf(task);
        return answer.Tasks.FirstOrDefault(t => string.Equals(t.TaskArn, task, StringComparison.Ordinal)
            || (EcsArn.TryParseTask(t.TaskArn, out _, out _, out var foundId) && string.Equals(foundId, taskId, StringComparison.Ordinal)));
    }

    private static string TaskIdOf(string task) => EcsArn.TryParseTask(task, out _, out _, out var id) ? id : task;

    internal static PlatformVerdict JudgeInstance(PlatformSubject subject, string region, bool regionNamed, IReadOnlyList<Ec2InstanceStatus> answer)
    {
        var id = subject.Platform.Ec2InstanceId!;
        var found = answer.FirstOrDefault(i => string.Equals(i.InstanceId, id, StringComparison.Ordinal));
        if (found is null)
        {
            return regionNamed
                ? new PlatformVerdict(PlatformState.Dead, $"EC2 instance '{id}' is unknown to {region} (terminated and gone)")
                : PlatformVerdict.Unknown($"EC2 instance '{id}' is not in {region}, and the registration names no region");
        }

        var holds = found.Addresses.Contains(subject.Address);
        var detail = string.Create(CultureInfo.InvariantCulture, $"EC2 instance '{id}' is {found.State ?? "(no state)"}{(holds ? " and holds " : ", not holding ")}{subject.Address}");
        return found.State switch
        {
            "running" when holds => new PlatformVerdict(PlatformState.Alive, detail),
            "running" => new PlatformVerdict(PlatformState.Dead, detail + (found.Addresses.Count > 0 ? " (it holds " + string.Join(", ", found.Addresses) + ")" : string.Empty)),
            "shutting-down" or "terminated" => new PlatformVerdict(PlatformState.Dead, detail),
            _ => PlatformVerdict.Unknown(detail),
        };
    }

    /// <summary>Whether <paramref name="instanceId"/> is shaped like an ECS task id (32 lowercase hex digits), as ECS registers tasks.</summary>
    internal static bool IsTaskId(string instanceId) => instanceId.Length == 32 && instanceId.All(char.IsAsciiHexDigitLower);

    private static string Describe(Exception ex) => ex switch
    {
        CloudMapException { StatusCode: { } status } answer => string.Create(CultureInfo.InvariantCulture, $"{answer.ErrorCode} (HTTP {(int)status})"),
        CloudMapException answer => answer.ErrorCode + ": " + answer.Message,
        _ => ex.GetType().Name + ": " + ex.Message,
    };

    internal sealed record EcsRef(string Region, string Cluster, string Task);

    internal sealed record Ec2Ref(string Region, bool RegionNamed);
}
