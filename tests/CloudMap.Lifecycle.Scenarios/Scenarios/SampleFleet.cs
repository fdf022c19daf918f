// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>
/// The sample processes of a rolling-restart run (scenarios 2 and 9): start the first ones and wait until each is ready
/// and known to Cloud Map, start a replacement the same way, retire the oldest with a real SIGTERM; every process is
/// disposed with the fleet. A start that does not come up fails the mode with the sample's output in the log.
/// </summary>
internal sealed class SampleFleet : IAsyncDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);
    private readonly List<SampleInstance> _all = [];
    private readonly ScenarioContext _context;
    private readonly ScenarioResult _result;
    private readonly RegistrationMode _mode;
    private readonly Uri _endpoint;
    private readonly SampleSettings _settings;
    private readonly Func<CancellationToken, Task<HashSet<string>>> _knownIds;
    private readonly string _known;

    /// <param name="context">The run's context (for the log).</param>
    /// <param name="result">The scenario's result (a start that fails fails the mode).</param>
    /// <param name="mode">Library or baseline.</param>
    /// <param name="endpoint">The emulator's endpoint the samples use.</param>
    /// <param name="settings">The samples' settings.</param>
    /// <param name="knownIds">The instance ids Cloud Map knows now (registered, or discoverable).</param>
    /// <param name="known">What <paramref name="knownIds"/> means, for messages: "registered", "discoverable".</param>
    public SampleFleet(ScenarioContext context, ScenarioResult result, RegistrationMode mode, Uri endpoint, SampleSettings settings, Func<CancellationToken, Task<HashSet<string>>> knownIds, string known)
    {
        _context = context;
        _result = result;
        _mode = mode;
        _endpoint = endpoint;
        _settings = settings;
        _knownIds = knownIds;
        _known = known;
    }

    public static TimeSpan StartTimeout { get; } = TimeSpan.FromSeconds(45);

    /// <summary>Gets the instances serving now, oldest first.</summary>
    public List<SampleInstance> Live { get; } = [];

    /// <summary>Gets every instance started so far.</summary>
    public IReadOnlyList<SampleInstance> All => _all;

    /// <summary>Starts <paramref name="count"/> samples and waits until each is ready and known.</summary>
    /// <returns><see langword="false"/> when one did not come up (the mode has failed).</returns>
    public async Task<bool> StartAsync(int count, CancellationToken cancellationToken)
    {
        var started = Enumerable.Range(0, count).Select(_ => StartNext()).ToList();
        Live.AddRange(started);
        foreach (var sample in started)
        {
            if (!await WaitUpAsync(sample, "never became ready and " + _known, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Starts a replacement and waits until it is ready and known; it is not live until <see cref="Retire"/>.</summary>
    /// <returns>The replacement, or <see langword="null"/> when it did not come up (the mode has failed).</returns>
    public async Task<SampleInstance?> StartReplacementAsync(CancellationToken cancellationToken)
    {
        var replacement = StartNext();
        return await WaitUpAsync(replacement, "replacement never became ready and " + _known, cancellationToken).ConfigureAwait(false) ? replacement : null;
    }

    /// <summary>Makes <paramref name="replacement"/> live and sends a real SIGTERM to the oldest live instance.</summary>
    /// <returns>The retired instance and the instant it got SIGTERM.</returns>
    public (SampleInstance Old, long Terminated) Retire(SampleInstance replacement)
    {
        Live.Add(replacement);
        var old = Live[0];
        Live.RemoveAt(0);
        old.Process.Terminate();
        return (old, Clock.Now);
    }

    /// <summary>Waits until <paramref name="sample"/> is no longer known (30 s at most).</summary>
    /// <returns>The instant it left, or <see langword="null"/>.</returns>
    public async Task<long?> WaitGoneAsync(SampleInstance sample, CancellationToken cancellationToken) =>
        await Clock.WaitUntilAsync(
            async ct => !(await _knownIds(ct).ConfigureAwait(false)).Contains(sample.InstanceId),
            TimeSpan.FromSeconds(30),
            Poll,
            cancellationToken).ConfigureAwait(false);

    /// <summary>Waits (30 s at most) for a retired instance to exit, noting when it did not.</summary>
    public async Task WaitExitAsync(SampleInstance old)
    {
        if (!await old.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false))
        {
            _result.AddNote(Format.Invariant($"{_mode}: {old.InstanceId} did not exit within 30 s of SIGTERM."));
        }
    }

    /// <summary>SIGTERM to every live instance, waits for the exits, then 1.5 s more: what is still registered then is a zombie.</summary>
    public async Task StopAllAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(Live.Select(s => s.Process.StopAsync(TimeSpan.FromSeconds(30)))).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sample in _all)
        {
            await sample.DisposeAsync().ConfigureAwait(false);
        }
    }

    private SampleInstance StartNext()
    {
        var sample = SampleInstance.Start(_mode, Format.Invariant($"sample-{_all.Count + 1}"), _endpoint, _settings);
        _all.Add(sample);
        return sample;
    }

    private async Task<bool> WaitUpAsync(SampleInstance sample, string what, CancellationToken cancellationToken)
    {
        var up = await Clock.WaitUntilAsync(
            async ct => await sample.IsReadyAsync(ct).ConfigureAwait(false) && (await _knownIds(ct).ConfigureAwait(false)).Contains(sample.InstanceId),
            StartTimeout,
            Poll,
            cancellationToken).ConfigureAwait(false) is not null;
        if (!up)
        {
            _result.Fail(_mode, Format.Invariant($"{sample.InstanceId} {what} within {StartTimeout.TotalSeconds} s (exit code {sample.Process.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"})"));
            _context.Log($"  {_mode} {sample.InstanceId} {what}; output:\n{sample.Process.Output}");
        }

        return up;
    }
}
