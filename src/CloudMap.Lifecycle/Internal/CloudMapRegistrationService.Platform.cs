// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Identity;
using CloudMap.Lifecycle.Internal.Cleanup;
using CloudMap.Lifecycle.Platform;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// Platform identity and evidence (issue 14): the attributes this registration carries about its ECS task or EC2
/// instance, and the ECS/EC2 reads crash cleanup makes about the watched peers whose probe did not prove life.
/// </summary>
internal sealed partial class CloudMapRegistrationService
{
    private IPlatformClient? _platformClient;
    private bool _platformClientSet;
    private PlatformIdentity _platformIdentity = PlatformIdentity.None;
    private bool _platformFailing;

    /// <summary>
    /// Gets or sets the ECS/EC2 client of platform evidence; by default the Cloud Map transport (which is one), none for
    /// a control-plane-only client (a test fake): then no platform evidence is asked.
    /// </summary>
    internal IPlatformClient? PlatformClient
    {
        get => _platformClientSet ? _platformClient : _client as IPlatformClient;
        set
        {
            _platformClient = value;
            _platformClientSet = true;
        }
    }

    /// <summary>Gets the platform identity this registration carries (empty off ECS/EC2 or with <c>Platform:Attributes=false</c>).</summary>
    internal PlatformIdentity PlatformIdentity => _platformIdentity;

    /// <summary>Keeps what the platform says this instance is, for the registration's attributes (called by the resolve step).</summary>
    private void KeepPlatformIdentity(InstanceIdentity identity)
    {
        _platformIdentity = Options.Platform.Attributes ? identity.Platform : PlatformIdentity.None;
        if (!_platformIdentity.IsEmpty && _logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information))
        {
#pragma warning disable CA1873 // Guarded by IsEnabled just above; the analyzer does not see the guard.
            Log.PlatformIdentityFound(_logger, _displayName, identity.Source, string.Join(", ", _platformIdentity.ToAttributes().Select(a => a.Key + "=" + a.Value)));
#pragma warning restore CA1873
        }
    }

    /// <summary>The RegisterInstance attributes, with the platform identity (called by the register step).</summary>
    private Dictionary<string, string> BuildAttributes(RegistrationTarget target, CloudMapHealthStatus initialStatus, ProofOfLifeAdvert? proof)
    {
        var platform = Options.Platform.Attributes ? _platformIdentity.ToAttributes() : [];
        var attributes = RegistrationAttributes.Build(target.Address, target.Port, _ownerToken, target.Service.HealthCheckKind, initialStatus, Options.Attributes, proof, platform, out var dropped);
        if (dropped.Count > 0)
        {
            Log.PlatformAttributesDropped(_logger, _displayName, string.Join(", ", dropped));
        }

        return attributes;
    }

    /// <summary>
    /// Asks the platform about the watched peers that name a task or an instance and whose last probe did not prove life
    /// (a healthy fleet makes no call), and records the verdicts (called by the sweep, after the probes, before the plan).
    /// Never throws but for cancellation; returns the number of platform calls made.
    /// </summary>
    internal async Task<int> RecordPlatformEvidenceAsync(IReadOnlyList<PeerEvidence> watched, CancellationToken cancellationToken)
    {
        if (!Options.Platform.Evidence || PlatformClient is not { } client)
        {
            return 0;
        }

        var subjects = watched
            .Where(e => e.Platform is { IsEmpty: false } && e.LastOutcome is not PeerProbeOutcome.Alive)
            .Select(e => new PlatformSubject(e.InstanceId, e.Platform!, e.Target.Address))
            .ToList();
        if (subjects.Count == 0)
        {
            return 0;
        }

        var judgement = await PlatformEvidenceJudge.JudgeAsync(client, subjects, _platformIdentity.Region, cancellationToken).ConfigureAwait(false);
        PlatformEvidenceJudge.Record(watched, judgement, _time.GetUtcNow());
        foreach (var (instanceId, verdict) in judgement.Verdicts)
        {
            Log.PlatformVerdict(_logger, _displayName, instanceId, verdict.State, verdict.Detail);
        }

        if (judgement.Failure is { } failure)
        {
            if (!_platformFailing)
            {
                Log.PlatformEvidenceUnavailable(_logger, _displayName, failure);
            }

            _platformFailing = true;
        }
        else if (judgement.Calls > 0 && _platformFailing)
        {
            _platformFailing = false;
            Log.PlatformEvidenceRecovered(_logger, _displayName);
        }

        return judgement.Calls;
    }
}
