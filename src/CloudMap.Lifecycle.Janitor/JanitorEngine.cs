// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Platform;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Janitor;

/// <summary>
/// One sweep of the janitor: the services named, each listed (ListInstances), every registration judged by its
/// platform through the library's <see cref="PlatformEvidenceJudge"/> (ECS DescribeTasks, EC2 DescribeInstances, the
/// same verdicts as crash cleanup), the safety limits applied, and each removal confirmed before it is sent.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Who a registration is: its platform attributes (<c>ECS_TASK_ARN</c>, <c>ECS_CLUSTER_NAME</c>,
/// <c>EC2_INSTANCE_ID</c>, <c>REGION</c>: this library's and ECS's); else an id that is an ECS task id (ECS service
/// discovery and Service Connect) with the cluster of <c>--cluster</c>; else an id that is an EC2 instance id (scripts).
/// A task-id registration is always judged as a task: its <c>EC2_INSTANCE_ID</c> is the container host. ECS tasks are
/// asked in this region when the registration names none (ECS registers only in its own region's namespaces).</item>
/// <item>Removable: the platform reports it gone (task STOPPED, DEPROVISIONING or unknown; instance shutting-down,
/// terminated, or no longer holding the registered address). With <c>--deregister-unhealthy-tasks</c>, in a service
/// without any health check, also a task ECS reports UNHEALTHY, DEACTIVATING or STOPPING.</item>
/// <item>Safety, per service: nothing is removed when it would empty the service, nor when more than half of it looks
/// removable at once (a wrong account, region or cluster looks like that); over the sweep, at most
/// <see cref="JanitorSettings.MaxPerSweep"/> removals.</item>
/// <item>Confirmation: after <see cref="JanitorSettings.ConfirmDelay"/>, each registration is read again (GetInstance:
/// the same attributes, else it was registered again and is left alone) and the platform asked again (a second answer
/// in a row, as crash cleanup's <c>CleanupRules.DefaultPlatformConfirmations</c>); only then DeregisterInstance. A stop
/// during the wait abandons the removals (none is half done); once confirmation began, the service's removals finish.</item>
/// </list>
/// </remarks>
internal sealed partial class JanitorEngine
{
    private const string GoneReason = "the platform reports it gone";

    private readonly ICloudMapClient _cloudMap;
    private readonly ICloudMapDiscoveryClient _listing;
    private readonly IPlatformClient _platform;
    private readonly JanitorSettings _settings;
    private readonly string _region;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="JanitorEngine"/> class.</summary>
    /// <param name="region">The region swept (ECS tasks that name none are asked here; EC2 ids that name none too, without taking absence as death).</param>
    public JanitorEngine(ICloudMapClient cloudMap, ICloudMapDiscoveryClient listing, IPlatformClient platform, JanitorSettings settings, string region, TimeProvider time, ILogger<JanitorEngine> logger)
    {
        _cloudMap = cloudMap ?? throw new ArgumentNullException(nameof(cloudMap));
        _listing = listing ?? throw new ArgumentNullException(nameof(listing));
        _platform = platform ?? throw new ArgumentNullException(nameof(platform));
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _region = region ?? throw new ArgumentNullException(nameof(region));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    private enum DecisionKind
    {
        Keep,
        LeaveAlone,
        Remove,
    }

    /// <summary>
    /// One sweep. Never throws for a failed call (counted in the report) nor for <paramref name="stopping"/> (the report
    /// says it was interrupted); throws <see cref="JanitorConfigurationException"/> when a named service or namespace
    /// does not exist.
    /// </summary>
    public async Task<SweepReport> SweepAsync(CancellationToken stopping)
    {
        var report = new SweepReport();
        try
        {
            var services = await ResolveServicesAsync(stopping).ConfigureAwait(false);
            report.Services = services.Count;
            var budget = _settings.MaxPerSweep;
            foreach (var service in services)
            {
                stopping.ThrowIfCancellationRequested();
                try
                {
                    budget -= await SweepServiceAsync(service, budget, report, stopping).ConfigureAwait(false);
                }
                catch (CloudMapException ex)
                {
                    report.Failures++;
                    Log.ServiceFailed(_logger, service.Name, service.Id, Describe(ex));
                }
            }
        }
        catch (CloudMapException ex)
        {
            report.Failures++;
            Log.ListingFailed(_logger, Describe(ex));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            report.Interrupted = true;
            Log.SweepInterrupted(_logger);
        }

        Log.SweepCompleted(_logger, _settings.DryRun ? " (dry run)" : string.Empty, report.Services, report.Instances, report.Removed, report.WouldRemove, report.Held, report.Kept, report.LeftAlone, report.Failures, report.ExitCode);
        return report;
    }

    /// <summary>The services named by <c>--service</c> and <c>--namespace</c>, each once.</summary>
    internal async Task<IReadOnlyList<ServiceRef>> ResolveServicesAsync(CancellationToken cancellationToken)
    {
        var services = new List<ServiceRef>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var named in _settings.Services.Where(JanitorCommandLine.IsServiceId))
        {
            CloudMapService service;
            try
            {
                service = await _cloudMap.GetServiceAsync(named, cancellationToken).ConfigureAwait(false);
            }
            catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.ServiceNotFound)
            {
                throw new JanitorConfigurationException($"Invalid --service '{named}': Cloud Map has no such service in {_region} (ServiceNotFound).");
            }

            if (seen.Add(service.Id))
            {
                services.Add(new ServiceRef(service.Id, service.Name, service.HealthCheckKind));
            }
        }

        var names = _settings.Services.Where(s => !JanitorCommandLine.IsServiceId(s)).ToHashSet(StringComparer.Ordinal);
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var space in _settings.Namespaces)
        {
            var namespaceId = await NamespaceIdAsync(space, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<CloudMapServiceSummary> summaries;
            try
            {
                summaries = await _cloudMap.ListServicesAsync(namespaceId, cancellationToken).ConfigureAwait(false);
            }
            catch (CloudMapException ex) when (ex.ErrorCode is CloudMapErrorCodes.NamespaceNotFound or "InvalidInput")
            {
                throw new JanitorConfigurationException($"Invalid --namespace '{space}': Cloud Map has no such namespace in {_region} ({ex.ErrorCode}).");
            }

            foreach (var summary in summaries.Where(s => names.Count == 0 || names.Contains(s.Name)).OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                found.Add(summary.Name);
                if (seen.Add(summary.Id))
                {
                    // The health-check kind matters only to the unhealthy-task rule: one GetService per service, only then.
                    var kind = _settings.DeregisterUnhealthyTasks ? (await _cloudMap.GetServiceAsync(summary.Id, cancellationToken).ConfigureAwait(false)).HealthCheckKind : (ServiceHealthCheckKind?)null;
                    services.Add(new ServiceRef(summary.Id, summary.Name, kind));
                }
            }
        }

        if (names.FirstOrDefault(n => !found.Contains(n)) is { } missing)
        {
            throw new JanitorConfigurationException($"Invalid --service '{missing}': no service of that name in namespace {string.Join(", ", _settings.Namespaces.Select(n => "'" + n + "'"))}.");
        }

        return services;
    }

    private async Task<string> NamespaceIdAsync(string space, CancellationToken cancellationToken)
    {
        if (space.StartsWith("ns-", StringComparison.Ordinal))
        {
            return space;
        }

        var all = await _cloudMap.ListNamespacesAsync(cancellationToken).ConfigureAwait(false);
        var matches = all.Where(n => string.Equals(n.Name, space, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0].Id,
            0 => throw new JanitorConfigurationException($"Invalid --namespace '{space}': Cloud Map has no namespace of that name in {_region}."),
            _ => throw new JanitorConfigurationException($"Invalid --namespace '{space}': {matches.Count} namespaces have that name ({string.Join(", ", matches.Select(m => m.Id))}); give the id."),
        };
    }

    /// <summary>Sweeps one service; returns how many removals it used of <paramref name="budget"/>.</summary>
    private async Task<int> SweepServiceAsync(ServiceRef service, int budget, SweepReport report, CancellationToken stopping)
    {
        var instances = await _listing.ListInstancesAsync(service.Id, stopping).ConfigureAwait(false);
        report.Instances += instances.Count;
        var judged = new List<(CloudMapInstance Instance, PlatformSubject Subject)>();
        foreach (var instance in instances.OrderBy(i => i.Id, StringComparer.Ordinal))
        {
            if (SubjectOf(instance, out var why) is { } subject)
            {
                judged.Add((instance, subject));
            }
            else
            {
                report.LeftAlone++;
                Log.LeftAlone(_logger, instance.Id, service.Name, why);
            }
        }

        if (judged.Count == 0)
        {
            return 0;
        }

        var first = await JudgeAsync(service, judged.Select(j => j.Subject).ToList(), report, stopping).ConfigureAwait(false);
        var candidates = new List<Candidate>();
        foreach (var (instance, subject) in judged)
        {
            var decision = Decide(service, subject, first);
            switch (decision.Kind)
            {
                case DecisionKind.Remove:
                    candidates.Add(new Candidate(instance, subject, decision));
                    break;
                case DecisionKind.Keep:
                    report.Kept++;
                    Log.Kept(_logger, instance.Id, service.Name, decision.Evidence);
                    break;
                default:
                    report.LeftAlone++;
                    Log.LeftAlone(_logger, instance.Id, service.Name, decision.Evidence);
                    break;
            }
        }

        if (candidates.Count == 0)
        {
            return 0;
        }

        if (WhyHeld(candidates.Count, instances.Count) is { } limit)
        {
            Hold(service, candidates, limit, report);
            return 0;
        }

        // The platform's "gone" first: under the cap, the strongest evidence goes before the unhealthy-task rule.
        candidates = [.. candidates.OrderBy(c => c.Decision.Reason == GoneReason ? 0 : 1)];
        var allowed = candidates.Take(Math.Max(0, budget)).ToList();
        Hold(service, candidates.Skip(allowed.Count), string.Create(CultureInfo.InvariantCulture, $"the sweep's cap of {_settings.MaxPerSweep} removals is reached (--max-per-sweep)"), report);
        if (allowed.Count == 0)
        {
            return 0;
        }

        if (_settings.DryRun)
        {
            foreach (var candidate in allowed)
            {
                report.WouldRemove++;
                Log.WouldRemove(_logger, candidate.Instance.Id, service.Name, service.Id, candidate.Decision.Reason, candidate.Decision.Evidence);
            }

            return allowed.Count;
        }

        // A stop while waiting abandons these removals: none has begun.
        if (_settings.ConfirmDelay > TimeSpan.Zero)
        {
            await Task.Delay(_settings.ConfirmDelay, _time, stopping).ConfigureAwait(false);
        }

        // From here the service's removals finish whatever stops: each is a read, a platform answer and one call.
        await ConfirmAndRemoveAsync(service, allowed, report).ConfigureAwait(false);
        return allowed.Count;
    }

    private async Task ConfirmAndRemoveAsync(ServiceRef service, List<Candidate> allowed, SweepReport report)
    {
        var unchanged = new List<Candidate>();
        foreach (var candidate in allowed)
        {
            var id = candidate.Instance.Id;
            try
            {
                var now = await _cloudMap.GetInstanceAsync(service.Id, id, CancellationToken.None).ConfigureAwait(false);
                if (SameAttributes(now.Attributes, candidate.Instance.Attributes))
                {
                    unchanged.Add(candidate);
                }
                else
                {
                    report.LeftAlone++;
                    Log.NotConfirmed(_logger, id, service.Name, "it was registered again since it was judged (its attributes changed)");
                }
            }
            catch (CloudMapException ex) when (ex.ErrorCode == CloudMapErrorCodes.InstanceNotFound)
            {
                report.LeftAlone++;
                Log.NotConfirmed(_logger, id, service.Name, "it is no longer registered");
            }
            catch (CloudMapException ex)
            {
                report.Failures++;
                Log.RemovalFailed(_logger, id, service.Name, "GetInstance: " + Describe(ex));
            }
        }

        if (unchanged.Count == 0)
        {
            return;
        }

        var second = await JudgeAsync(service, unchanged.Select(c => c.Subject).ToList(), report, CancellationToken.None).ConfigureAwait(false);
        foreach (var candidate in unchanged)
        {
            var id = candidate.Instance.Id;
            var again = Decide(service, candidate.Subject, second);
            if (again.Kind != DecisionKind.Remove)
            {
                report.LeftAlone++;
                Log.NotConfirmed(_logger, id, service.Name, "the second platform answer differs: " + again.Evidence);
                continue;
            }

            try
            {
                _ = await _cloudMap.DeregisterInstanceAsync(service.Id, id, CancellationToken.None).ConfigureAwait(false);
                report.Removed++;
                Log.Removed(_logger, id, service.Name, service.Id, again.Reason, candidate.Decision.Evidence, again.Evidence);
            }
            catch (CloudMapException ex) when (ex.ErrorCode is CloudMapErrorCodes.InstanceNotFound or CloudMapErrorCodes.DuplicateRequest)
            {
                report.LeftAlone++;
                Log.NotConfirmed(_logger, id, service.Name, ex.ErrorCode == CloudMapErrorCodes.InstanceNotFound ? "it is no longer registered" : "another operation on it is under way (DuplicateRequest)");
            }
            catch (CloudMapException ex)
            {
                report.Failures++;
                Log.RemovalFailed(_logger, id, service.Name, "DeregisterInstance: " + Describe(ex));
            }
        }
    }

    private async Task<PlatformJudgement> JudgeAsync(ServiceRef service, List<PlatformSubject> subjects, SweepReport report, CancellationToken cancellationToken)
    {
        var judgement = await PlatformEvidenceJudge.JudgeAsync(_platform, subjects, _region, cancellationToken).ConfigureAwait(false);
        if (judgement.Failure is { } failure)
        {
            report.Failures++;
            Log.PlatformUnavailable(_logger, service.Name, failure);
        }

        return judgement;
    }

    private void Hold(ServiceRef service, IEnumerable<Candidate> held, string limit, SweepReport report)
    {
        foreach (var candidate in held)
        {
            report.Held++;
            Log.HeldBack(_logger, candidate.Instance.Id, service.Name, candidate.Decision.Reason, candidate.Decision.Evidence, limit);
        }
    }

    /// <summary>Why <paramref name="removable"/> removals out of a service of <paramref name="instances"/> are all held back, or <see langword="null"/>.</summary>
    internal static string? WhyHeld(int removable, int instances) =>
        removable >= instances ? string.Create(CultureInfo.InvariantCulture, $"removing {removable} of {instances} instances would empty the service")
        : removable * 2 > instances ? string.Create(CultureInfo.InvariantCulture, $"{removable} of {instances} instances look removable at once, more than half (a wrong account, region or cluster looks like this)")
        : null;

    /// <summary>Who <paramref name="instance"/> is to its platform, or <see langword="null"/> and why it cannot be judged.</summary>
    internal PlatformSubject? SubjectOf(CloudMapInstance instance, out string why)
    {
        why = string.Empty;
        var id = instance.Id;
        var platform = PlatformIdentity.FromAttributes(instance.Attributes);
        var address = AddressOf(instance.Attributes);
        var namesTask = platform.EcsTaskArn is not null || platform.EcsClusterName is not null;
        if (!namesTask && PlatformEvidenceJudge.IsTaskId(id))
        {
            // Registered by ECS itself (service discovery, Service Connect): the id is the task's; EC2_INSTANCE_ID, if
            // any, is the container host, whose state says nothing about the task.
            if (_settings.Cluster is null)
            {
                why = "its id is an ECS task id, but it names no cluster (no ECS_CLUSTER_NAME attribute) and no --cluster is given";
                return null;
            }

            platform = platform with { EcsClusterName = _settings.Cluster };
            namesTask = true;
        }

        if (namesTask)
        {
            return new PlatformSubject(id, platform with { Region = platform.Region ?? _region }, address ?? IPAddress.None);
        }

        if (platform.Ec2InstanceId is null && PlatformIdentity.IsEc2InstanceId(id))
        {
            platform = platform with { Ec2InstanceId = id };
        }

        if (platform.Ec2InstanceId is { } ec2)
        {
            if (address is null)
            {
                why = $"it names EC2 instance '{ec2}' but registers no address (AWS_INSTANCE_IPV4 or AWS_INSTANCE_IPV6) to check the instance still holds";
                return null;
            }

            return new PlatformSubject(id, platform, address);
        }

        why = "it names no ECS task nor EC2 instance (no ECS_TASK_ARN, ECS_CLUSTER_NAME or EC2_INSTANCE_ID attribute, and its id is neither an ECS task id nor an EC2 instance id)";
        return null;
    }

    private Decision Decide(ServiceRef service, PlatformSubject subject, PlatformJudgement judgement)
    {
        var verdict = judgement.Verdicts.TryGetValue(subject.InstanceId, out var v) ? v : PlatformVerdict.Unknown("the platform was not asked");
        var task = judgement.Tasks.GetValueOrDefault(subject.InstanceId);
        var unhealthyRule = _settings.DeregisterUnhealthyTasks && service.HealthCheckKind == ServiceHealthCheckKind.None;
        switch (verdict.State)
        {
            case PlatformState.Dead:
                return new(DecisionKind.Remove, GoneReason, verdict.Detail);
            case PlatformState.Alive when task is { HealthStatus: "UNHEALTHY" }:
                return unhealthyRule
                    ? new(DecisionKind.Remove, "ECS reports the task UNHEALTHY and the service has no health check (--deregister-unhealthy-tasks)", verdict.Detail + " and UNHEALTHY")
                    : new(DecisionKind.Keep, string.Empty, verdict.Detail + (_settings.DeregisterUnhealthyTasks
                        ? " and UNHEALTHY, but the service has a health check, which decides whether it is routable"
                        : " and UNHEALTHY"));
            case PlatformState.Alive:
                return new(DecisionKind.Keep, string.Empty, verdict.Detail);
            case PlatformState.Unknown when unhealthyRule && task is { LastStatus: "DEACTIVATING" or "STOPPING" }:
                return new(DecisionKind.Remove, "ECS reports the task stopping and the service has no health check (--deregister-unhealthy-tasks)", verdict.Detail);
            default:
                return new(DecisionKind.LeaveAlone, string.Empty, verdict.Detail);
        }
    }

    private static IPAddress? AddressOf(IReadOnlyDictionary<string, string> attributes) =>
        attributes.TryGetValue(RegistrationAttributes.Ipv4Key, out var v4) && IPAddress.TryParse(v4, out var ipv4) ? ipv4
        : attributes.TryGetValue(RegistrationAttributes.Ipv6Key, out var v6) && IPAddress.TryParse(v6, out var ipv6) ? ipv6
        : null;

    private static bool SameAttributes(IReadOnlyDictionary<string, string> now, IReadOnlyDictionary<string, string> judged) =>
        now.Count == judged.Count && judged.All(a => now.TryGetValue(a.Key, out var value) && string.Equals(value, a.Value, StringComparison.Ordinal));

    private static string Describe(CloudMapException ex) =>
        ex.StatusCode is { } status ? string.Create(CultureInfo.InvariantCulture, $"{ex.ErrorCode} (HTTP {(int)status}): {ex.Message}") : ex.ErrorCode + ": " + ex.Message;

    /// <summary>A service to sweep; its health-check kind when it was read (only the unhealthy-task rule needs it).</summary>
    internal sealed record ServiceRef(string Id, string Name, ServiceHealthCheckKind? HealthCheckKind);

    private readonly record struct Decision(DecisionKind Kind, string Reason, string Evidence);

    private sealed record Candidate(CloudMapInstance Instance, PlatformSubject Subject, Decision Decision);
}
