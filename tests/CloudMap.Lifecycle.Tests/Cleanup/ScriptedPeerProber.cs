// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using CloudMap.Lifecycle.Internal.Cleanup;

namespace CloudMap.Lifecycle.Tests.Cleanup;

/// <summary>
/// A scripted <see cref="IPeerProber"/>: each peer answers what the test says (by instance id; <see cref="Default"/>
/// otherwise), every probe is recorded, and a hook runs inside a probe (to change Cloud Map between the judgement and
/// the removal). <see cref="Hang"/> makes probes never end and ignore cancellation.
/// </summary>
internal sealed class ScriptedPeerProber : IPeerProber
{
    private readonly ConcurrentDictionary<string, PeerProbeOutcome> _outcomes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<PeerTarget> _probes = new();

    public PeerProbeOutcome Default { get; set; } = PeerProbeOutcome.Alive;

    /// <summary>Gets or sets a value indicating whether probes never complete (and ignore cancellation).</summary>
    public bool Hang { get; set; }

    /// <summary>Completes when the first probe starts.</summary>
    public TaskCompletionSource FirstProbe { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets or sets what runs inside every probe, before it answers.</summary>
    public Action<PeerTarget>? OnProbe { get; set; }

    public IReadOnlyList<PeerTarget> Probes => _probes.ToArray();

    /// <summary>Runs <paramref name="action"/> once, inside the next probe of <paramref name="instanceId"/>, before it answers (through <see cref="OnProbe"/>).</summary>
    public void OnFirstProbeOf(string instanceId, Action action) => OnProbe = peer =>
    {
        if (peer.InstanceId == instanceId)
        {
            OnProbe = null;
            action();
        }
    };

    public int ProbesOf(string instanceId) => _probes.Count(p => p.InstanceId == instanceId);

    public void Set(string instanceId, PeerProbeOutcome outcome) => _outcomes[instanceId] = outcome;

    public Task<PeerProbeResult> ProbeAsync(PeerTarget peer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _probes.Enqueue(peer);
        FirstProbe.TrySetResult();
        OnProbe?.Invoke(peer);
        if (Hang)
        {
            return new TaskCompletionSource<PeerProbeResult>().Task; // never ends, whatever the token says
        }

        var outcome = _outcomes.TryGetValue(peer.InstanceId, out var scripted) ? scripted : Default;
        return Task.FromResult(new PeerProbeResult(outcome, outcome switch
        {
            PeerProbeOutcome.Alive => "signed",
            PeerProbeOutcome.Refused => "connection refused",
            PeerProbeOutcome.Foreign => "HTTP 200 without a valid proof (an echo)",
            _ => "timed out",
        }));
    }
}
