// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Internal.Cleanup;
using CloudMap.Lifecycle.Platform;
using CloudMap.Lifecycle.TestInfrastructure;

namespace CloudMap.Lifecycle.Tests.Platform;

/// <summary>Platform evidence (ECS, EC2) in the evidence model: each state, the recycled IP, the ranking against the probes, and the safety rules (G7).</summary>
public sealed class PlatformEvidenceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly CleanupRules Rules = CleanupRules.From(new CloudMapCleanupOptions());
    private static readonly IPAddress Ip1 = IPAddress.Parse("10.0.0.11");
    private static readonly IPAddress Ip2 = IPAddress.Parse("10.0.0.12");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> TaskStates => new()
    {
        { "RUNNING", "Alive" },
        { "STOPPED", "Dead" },
        { "DEPROVISIONING", "Dead" },
        { "PROVISIONING", "Unknown" },
        { "PENDING", "Unknown" },
        { "ACTIVATING", "Unknown" },
        { "DEACTIVATING", "Unknown" },
        { "STOPPING", "Unknown" },
    };

    public static TheoryData<string, string> InstanceStates => new()
    {
        { "running", "Alive" },
        { "shutting-down", "Dead" },
        { "terminated", "Dead" },
        { "pending", "Unknown" },
        { "stopping", "Unknown" },
        { "stopped", "Unknown" },
    };

    [Theory]
    [MemberData(nameof(TaskStates))]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task JudgeAsync_EcsTaskState_Verdict(string lastStatus, string expected)
    {
        var platform = new FakePlatformClient();
        var arn = FakePlatformClient.TaskArn("0123456789abcdef0123456789abcdef");
        platform.TaskStatus[arn] = lastStatus;

        var judgement = await PlatformEvidenceJudge.JudgeAsync(platform, [Task("a", arn)], null, Ct);

        Assert.Equal(expected, judgement.Verdicts["a"].State.ToString());
        Assert.Contains(lastStatus, judgement.Verdicts["a"].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JudgeAsync_EcsTasks_DescribedTaskKeptPerInstance_MissingOneAbsent()
    {
        var platform = new FakePlatformClient();
        var arn = FakePlatformClient.TaskArn("0123456789abcdef0123456789abcdef");
        platform.TaskStatus[arn] = "DEACTIVATING";

        var judgement = await PlatformEvidenceJudge.JudgeAsync(platform, [Task("a", arn), Task("b", FakePlatformClient.TaskArn("ffff"))], null, Ct);

        Assert.Equal("DEACTIVATING", judgement.Tasks["a"].LastStatus);
        Assert.Equal(arn, judgement.Tasks["a"].TaskArn);
        Assert.False(judgement.Tasks.ContainsKey("b"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task JudgeAsync_EcsTaskUnknownToEcs_Dead()
    {
        var platform = new FakePlatformClient();

        var judgement = await PlatformEvidenceJudge.JudgeAsync(platform, [Task("a", FakePlatformClient.TaskArn("ffff"))], null, Ct);

        Assert.Equal(PlatformState.Dead, judgement.Verdicts["a"].State);
        Assert.Contains("MISSING", judgement.Verdicts["a"].Detail, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(InstanceStates))]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task JudgeAsync_Ec2InstanceStateHoldingTheAddress_Verdict(string state, string expected)
    {
        var platform = new FakePlatformClient();
        platform.Instances["i-0aaaaaaaaaaaaaaa1"] = (state, [Ip1]);

        var judgement = await PlatformEvidenceJudge.JudgeAsync(platform, [Instance("a", "i-0aaaaaaaaaaaaaaa1", Ip1)], null, Ct);

        Assert.Equal(expected, judgement.Verdicts["a"].State.ToString());
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task JudgeAsync_RecycledIp_DeadInstanceDeadAndTheNewHolderAlive()
    {
        // i-…1 was terminated; its address now belongs to i-…2, running. Both registrations carry the same address.
        var platform = new FakePlatformClient();
        platform.Instances["i-0aaaaaaaaaaaaaaa1"] = ("terminated", []);
        platform.Instances["i-0aaaaaaaaaaaaaaa2"] = ("running", [Ip1]);

        var judgement = await PlatformEvidenceJudge.JudgeAsync(
            platform, [Instance("old", "i-0aaaaaaaaaaaaaaa1", Ip1), Instance("new", "i-0aaaaaaaaaaaaaaa2", Ip1)], null, Ct);

        Assert.Equal(PlatformState.Dead, judgement.Verdicts["old"].State);
        Assert.Equal(PlatformState.Alive, judgement.Verdicts["new"].State);
        Assert.Equal(["DescribeInstances us-east-1 2"], platform.Calls);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task JudgeAsync_RunningInstanceNoLongerHoldingTheAddress_Dead()
    {
        var platform = new FakePlatformClient();
        platform.Instances["i-0aaaaaaaaaaaaaaa1"] = ("running", [Ip2]);

        var judgement = await PlatformEvidenceJudge.JudgeAsync(platform, [Instance("a", "i-0aaaaaaaaaaaaaaa1", Ip1)], null, Ct);

        Assert.Equal(PlatformState.Dead, judgement.Verdicts["a"].State);
        Assert.Contains("not holding 10.0.0.11", judgement.Verdicts["a"].Detail, StringComparison.Ordinal);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task JudgeAsync_InstanceAbsent_DeadOnlyWhenTheRegistrationNamesItsRegion()
    {
        var platform = new FakePlatformClient();
        var named = Instance("named", "i-0aaaaaaaaaaaaaaa1", Ip1);
        var unnamed = new PlatformSubject("unnamed", new PlatformIdentity(null, null, "i-0aaaaaaaaaaaaaaa2", null, null), Ip2);

        var judgement = await PlatformEvidenceJudge.JudgeAsync(platform, [named, unnamed], "us-east-1", Ct);

        Assert.Equal(PlatformState.Dead, judgement.Verdicts["named"].State);
        Assert.Equal(PlatformState.Unknown, judgement.Verdicts["unnamed"].State);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public async Task JudgeAsync_CallFails_UnknownAndReported()
    {
        var platform = new FakePlatformClient { Failure = new CloudMapException("AccessDeniedException", "not allowed", HttpStatusCode.BadRequest, "r") };

        var judgement = await PlatformEvidenceJudge.JudgeAsync(
            platform, [Task("a", FakePlatformClient.TaskArn("0123")), Instance("b", "i-0aaaaaaaaaaaaaaa1", Ip1)], null, Ct);

        Assert.All(judgement.Verdicts.Values, v => Assert.Equal(PlatformState.Unknown, v.State));
        Assert.Contains("AccessDeniedException", judgement.Failure, StringComparison.Ordinal);
        Assert.Equal(2, judgement.Calls);
    }

    [Fact]
    public async Task JudgeAsync_EcsTaskOnEc2Host_JudgedByTheTaskOnly()
    {
        // ECS on EC2: EC2_INSTANCE_ID is the container host, running; the task is STOPPED.
        var platform = new FakePlatformClient();
        var arn = FakePlatformClient.TaskArn("0123");
        platform.TaskStatus[arn] = "STOPPED";
        platform.Instances["i-0aaaaaaaaaaaaaaa1"] = ("running", [Ip1]);
        var subject = new PlatformSubject("a", new PlatformIdentity(arn, "prod", "i-0aaaaaaaaaaaaaaa1", "us-east-1a", "us-east-1"), Ip1);

        var judgement = await PlatformEvidenceJudge.JudgeAsync(platform, [subject], null, Ct);

        Assert.Equal(PlatformState.Dead, judgement.Verdicts["a"].State);
        Assert.Equal(["DescribeTasks us-east-1 prod 1"], platform.Calls);
    }

    [Fact]
    public async Task JudgeAsync_TaskWithoutCluster_NotAsked()
    {
        var platform = new FakePlatformClient();
        var oldFormat = new PlatformSubject("a", new PlatformIdentity("arn:aws:ecs:us-east-1:111122223333:task/0123", null, null, null, null), Ip1);

        var judgement = await PlatformEvidenceJudge.JudgeAsync(platform, [oldFormat], null, Ct);

        Assert.Equal(PlatformState.Unknown, judgement.Verdicts["a"].State);
        Assert.Empty(platform.Calls);
    }

    [Fact]
    public async Task JudgeAsync_Batches_OneCallPer100TasksPerClusterAndPer200Instances()
    {
        var platform = new FakePlatformClient();
        var subjects = new List<PlatformSubject>();
        for (var i = 0; i < 150; i++)
        {
            subjects.Add(Task("t" + i, FakePlatformClient.TaskArn("task" + i, cluster: "prod")));
        }

        subjects.Add(Task("other", FakePlatformClient.TaskArn("x", cluster: "batch")));
        for (var i = 0; i < 250; i++)
        {
            subjects.Add(Instance("i" + i, "i-" + i.ToString("x17", System.Globalization.CultureInfo.InvariantCulture), Ip1));
        }

        var judgement = await PlatformEvidenceJudge.JudgeAsync(platform, subjects, null, Ct);

        Assert.Equal(5, judgement.Calls);
        Assert.Equal(
            ["DescribeTasks us-east-1 prod 100", "DescribeTasks us-east-1 prod 50", "DescribeTasks us-east-1 batch 1", "DescribeInstances us-east-1 200", "DescribeInstances us-east-1 50"],
            platform.Calls);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void PlatformAlive_OutranksFailingProbes_NeverRemovableNorLooksDead()
    {
        var evidence = Seen();
        Probe(evidence, PeerProbeOutcome.Refused, 40, 50, 60, 70);
        Assert.True(evidence.IsRemovable(Rules, At(70)));

        evidence.RecordPlatform(new PlatformVerdict(PlatformState.Alive, "ECS task 'x' is RUNNING"), At(70));

        Assert.False(evidence.IsRemovable(Rules, At(70)));
        Assert.False(evidence.LooksDead);
        Assert.Contains("RUNNING", evidence.WhyNotRemovable(Rules, At(70)), StringComparison.Ordinal);

        // Still refused afterwards, still alive on the platform: never removable.
        for (var s = 80; s < 400; s += 10)
        {
            Probe(evidence, PeerProbeOutcome.Refused, s);
            evidence.RecordPlatform(new PlatformVerdict(PlatformState.Alive, "RUNNING"), At(s));
            Assert.False(evidence.IsRemovable(Rules, At(s)));
        }
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void PlatformDead_TwiceInARow_RemovableWithoutProbeEvidence()
    {
        var evidence = Seen();
        Probe(evidence, PeerProbeOutcome.Unknown, 40);

        evidence.RecordPlatform(new PlatformVerdict(PlatformState.Dead, "STOPPED"), At(40));
        Assert.False(evidence.IsRemovable(Rules, At(40)));
        Assert.True(evidence.LooksDead);

        Probe(evidence, PeerProbeOutcome.Unknown, 50);
        evidence.RecordPlatform(new PlatformVerdict(PlatformState.Dead, "STOPPED"), At(50));

        Assert.True(evidence.IsRemovable(Rules, At(50)));
        Assert.True(evidence.IsRemovableByPlatform(Rules));
        Assert.Equal(0, evidence.GoneCount);
        Assert.Equal(At(40), evidence.EvidenceSince);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void PlatformDead_WithinStartupGrace_NotRemovable()
    {
        var evidence = Seen();

        evidence.RecordPlatform(new PlatformVerdict(PlatformState.Dead, "MISSING"), At(5));
        evidence.RecordPlatform(new PlatformVerdict(PlatformState.Dead, "MISSING"), At(15));

        Assert.False(evidence.IsRemovable(Rules, At(15)));
        Assert.Contains("startup grace", evidence.WhyNotRemovable(Rules, At(15)), StringComparison.Ordinal);
        Assert.True(evidence.IsRemovable(Rules, At(30)));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void PlatformUnknown_FallsBackToProbes()
    {
        var evidence = Seen();
        evidence.RecordPlatform(new PlatformVerdict(PlatformState.Alive, "RUNNING"), At(35));

        // The platform can no longer be asked; the probes find the process gone three times over 20 s.
        foreach (var s in (int[])[40, 50, 60])
        {
            Probe(evidence, PeerProbeOutcome.Refused, s);
            evidence.RecordPlatform(PlatformVerdict.Unknown("ECS DescribeTasks failed: ThrottlingException (HTTP 400)"), At(s));
        }

        Assert.True(evidence.IsRemovable(Rules, At(60)));
        Assert.False(evidence.IsRemovableByPlatform(Rules));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void ProofOfLife_VetoesPlatformDead()
    {
        // A wrong cluster in the attributes: ECS says MISSING, the process itself proves life.
        var evidence = Seen();
        evidence.RecordPlatform(new PlatformVerdict(PlatformState.Dead, "MISSING"), At(40));
        Probe(evidence, PeerProbeOutcome.Alive, 45);
        evidence.RecordPlatform(new PlatformVerdict(PlatformState.Dead, "MISSING"), At(50));

        Assert.False(evidence.IsRemovable(Rules, At(50)));
        Assert.Equal(1, evidence.PlatformDeadCount);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Plan_PlatformDeadPeersCountForSelfPreservationAndTheCap()
    {
        var peers = Enumerable.Range(0, 3).Select(i => Seen("p" + i)).ToList();
        foreach (var peer in peers)
        {
            peer.RecordPlatform(new PlatformVerdict(PlatformState.Dead, "STOPPED"), At(40));
            peer.RecordPlatform(new PlatformVerdict(PlatformState.Dead, "STOPPED"), At(50));
        }

        // 3 of 3 watched look dead: more than half of 3 + the observer: held.
        var held = CleanupPlanner.Plan(peers, 10, Rules, At(50));
        Assert.True(held.Held);
        Assert.Empty(held.Removals);

        // One is RUNNING again (a wrong answer corrected): 2 of 4 is not more than half; the cap of a 4-instance service is 1.
        peers[0].RecordPlatform(new PlatformVerdict(PlatformState.Alive, "RUNNING"), At(60));
        var plan = CleanupPlanner.Plan(peers, 4, Rules, At(60));
        Assert.False(plan.Held);
        Assert.Equal(2, plan.Removable);
        Assert.Single(plan.Removals);
    }

    private static PlatformSubject Task(string instanceId, string arn) => new(instanceId, new PlatformIdentity(arn, null, null, null, null), Ip1);

    private static PlatformSubject Instance(string instanceId, string ec2Id, IPAddress address) =>
        new(instanceId, new PlatformIdentity(null, null, ec2Id, "us-east-1a", "us-east-1"), address);

    private static DateTimeOffset At(int seconds) => T0.AddSeconds(seconds);

    private static PeerEvidence Seen(string id = "peer") =>
        new(new PeerTarget("srv-1", id, "owner-" + id, Ip1, 8080, new ProofOfLifeAdvert(1, "http", "KEY")), T0);

    private static void Probe(PeerEvidence evidence, PeerProbeOutcome outcome, params int[] seconds)
    {
        foreach (var s in seconds)
        {
            evidence.Record(new PeerProbeResult(outcome, outcome.ToString()), At(s));
        }
    }
}
