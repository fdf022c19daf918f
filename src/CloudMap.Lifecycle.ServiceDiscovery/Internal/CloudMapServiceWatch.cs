// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace CloudMap.Lifecycle.ServiceDiscovery.Internal;

/// <summary>
/// Keeps one Cloud Map service's instance list for every provider that resolves it: DiscoverInstances once, then every
/// <see cref="CloudMapServiceEndpointProviderOptions.RevisionInterval"/> a DiscoverInstancesRevision (DiscoverInstances
/// again when it moved, and once more at the next tick when that answer's list had not changed: a revision can count an
/// instance not listed yet), and a
/// full DiscoverInstances every <see cref="CloudMapServiceEndpointProviderOptions.RefreshInterval"/>
/// (the revision ignores health changes). A change cancels the current change token.
/// </summary>
/// <remarks>
/// Fail static: an error, a throttle or an empty answer after a non-empty list never replaces the list; the list's age
/// (time since an answer last confirmed it) grows instead and is logged and measured. Failed polls back off exponentially
/// with equal jitter, from at least 1 s after throttling, up to <see cref="CloudMapServiceEndpointProviderOptions.MaxBackoff"/>.
/// </remarks>
internal sealed partial class CloudMapServiceWatch : IAsyncDisposable
{
    /// <summary>DiscoverInstances answers 100 instances unless asked for more; a service holds at most 1,000.</summary>
    internal const int MaxResults = 1000;

    private static readonly TimeSpan ThrottledBackoffBase = TimeSpan.FromSeconds(1);

    private readonly ICloudMapDiscoveryClient _client;
    private readonly CloudMapServiceEndpointProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string? _healthStatus;
    private readonly IReadOnlyDictionary<string, string>? _queryParameters;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource _changed = new();
    private CloudMapDiscoverySnapshot? _snapshot;
    private Exception? _lastError;
    private long? _revision;
    private long _lastFullAt;
    private long _confirmedAt;
    private int _failures;
    private bool _holdingEmpty;
    private bool _recheck;
    private Task _loop = Task.CompletedTask;

    public CloudMapServiceWatch(CloudMapServiceKey key, ICloudMapDiscoveryClient client, CloudMapServiceEndpointProviderOptions options, TimeProvider time, ILogger logger)
    {
        Key = key;
        _client = client;
        _options = options;
        _time = time;
        _logger = logger;
        _healthStatus = options.HealthFilter switch
        {
            CloudMapDiscoveryHealthFilter.Healthy => "HEALTHY",
            CloudMapDiscoveryHealthFilter.All => "ALL",
            _ => "HEALTHY_OR_ELSE_ALL",
        };
        _queryParameters = options.QueryParameters.Count > 0 ? new Dictionary<string, string>(options.QueryParameters, StringComparer.Ordinal) : null;
    }

    /// <summary>Gets the service watched.</summary>
    public CloudMapServiceKey Key { get; }

    /// <summary>Gets or sets the number of providers using this watch (changed only under the registry's lock).</summary>
    internal int Leases { get; set; }

    /// <summary>Gets the time since an answer last confirmed the list, or <see langword="null"/> before the first list.</summary>
    public TimeSpan? LastKnownGoodAge
    {
        get
        {
            lock (_lock)
            {
                return _snapshot is null ? null : _time.GetElapsedTime(_confirmedAt);
            }
        }
    }

    /// <summary>Gets the number of instances in the list used, or <see langword="null"/> before the first list.</summary>
    public int? InstanceCount
    {
        get
        {
            lock (_lock)
            {
                return _snapshot?.Instances.Count;
            }
        }
    }

    /// <summary>Starts polling (the first DiscoverInstances at once, off the caller's thread).</summary>
    public void Start()
    {
        Log.WatchStarted(_logger, Key.ServiceName, Key.NamespaceName, _options.RevisionInterval.TotalSeconds, _options.RefreshInterval.TotalSeconds, _healthStatus!);
        _loop = RunAsync(_stop.Token);
    }

    /// <summary>
    /// Returns the current list and a change token that fires when it changes; waits for the first answer. Without any
    /// list yet (the first answers failed) throws at once, so requests never queue up behind a failing service.
    /// </summary>
    /// <exception cref="InvalidOperationException">No list could be discovered yet; the inner exception is the last error.</exception>
    public async ValueTask<(CloudMapDiscoverySnapshot Snapshot, IChangeToken ChangeToken)> GetAsync(CancellationToken cancellationToken)
    {
        await _firstAttempt.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            if (_snapshot is { } snapshot)
            {
                return (snapshot, new CancellationChangeToken(_changed.Token));
            }

            var error = _lastError;
            throw new InvalidOperationException(
                $"Cloud Map service '{Key.ServiceName}' in namespace '{Key.NamespaceName}' could not be discovered yet: {Describe(error)}",
                error);
        }
    }

    /// <summary>Stops polling without waiting for a call in flight (synchronous disposal of the container).</summary>
    public void Cancel() => _stop.Cancel();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        lock (_lock)
        {
            _changed.Dispose();
        }

        Log.WatchStopped(_logger, Key.ServiceName, Key.NamespaceName);
    }

    /// <summary>One poll: a full DiscoverInstances when due (or the revision moved), else a revision read. Returns the wait before the next.</summary>
    internal async Task<TimeSpan> PollAsync(CancellationToken cancellationToken)
    {
        var recheck = false;
        try
        {
            bool full;
            bool first;
            long? before;
            lock (_lock)
            {
                recheck = _recheck;
                _recheck = false;
                first = _snapshot is null;
                before = _revision;
                full = recheck || first || _holdingEmpty || _time.GetElapsedTime(_lastFullAt) >= _options.RefreshInterval;
            }

            if (!full)
            {
                var revision = await _client.DiscoverInstancesRevisionAsync(Key.NamespaceName, Key.ServiceName, cancellationToken).ConfigureAwait(false);
                if (Confirm(revision))
                {
                    return _options.RevisionInterval;
                }
            }

            var result = await _client.DiscoverInstancesAsync(
                new CloudMapDiscoveryQuery(Key.NamespaceName, Key.ServiceName, _healthStatus, MaxResults, _queryParameters),
                cancellationToken).ConfigureAwait(false);
            var listChanged = Apply(result);

            // The revision may count a registration whose instance is not listed yet (it is listed when its operation
            // completes; the data plane is eventually consistent): an answer whose revision moved but whose list did not
            // is read once more at the next tick instead of being taken as current until the next full refresh.
            if (!first && !listChanged && result.InstancesRevision is { } answered && answered != before)
            {
                lock (_lock)
                {
                    _recheck = true;
                }
            }

            return _options.RevisionInterval;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            if (recheck)
            {
                lock (_lock)
                {
                    _recheck = true;
                }
            }

            return Failed(ex);
        }
        finally
        {
            _firstAttempt.TrySetResult();
        }
    }

    private static string Describe(Exception? error) => error switch
    {
        null => "no answer yet.",
        CloudMapException cm => $"{cm.ErrorCode}: {cm.Message}",
        _ => error.Message,
    };

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        // Off the caller's thread (the registry's lock is held while a watch starts).
        await Task.Yield();
        try
        {
            var delay = await PollAsync(cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                delay = await PollAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>An unchanged revision confirms the list (true); a changed one asks for the instances (false).</summary>
    private bool Confirm(long revision)
    {
        bool recovered;
        int failures;
        lock (_lock)
        {
            if (_revision != revision)
            {
                return false;
            }

            _confirmedAt = _time.GetTimestamp();
            failures = _failures;
            recovered = failures > 0;
            _failures = 0;
        }

        if (recovered)
        {
            Log.DiscoveryRecovered(_logger, Key.ServiceName, Key.NamespaceName, failures);
        }

        return true;
    }

    /// <summary>Takes the answer; true when the list in use changed (the change token fired).</summary>
    private bool Apply(CloudMapDiscoveryResult result)
    {
        var now = _time.GetTimestamp();
        CancellationTokenSource? fired = null;
        int failures;
        int count;
        int previous;
        double age;
        var heldEmpty = false;
        var changed = false;
        lock (_lock)
        {
            failures = _failures;
            _failures = 0;
            _revision = result.InstancesRevision ?? _revision;
            _lastFullAt = now;
            previous = _snapshot?.Instances.Count ?? 0;
            age = _snapshot is null ? 0 : _time.GetElapsedTime(_confirmedAt, now).TotalSeconds;
            count = result.Instances.Count;
            if (count == 0 && previous > 0)
            {
                // Fail static: an empty answer where there were instances is as likely an outage (or every instance
                // filtered out by a transient state) as a real scale-in to zero; an empty list helps no caller.
                heldEmpty = !_holdingEmpty;
                _holdingEmpty = true;
            }
            else
            {
                _holdingEmpty = false;
                _confirmedAt = now;
                if (_snapshot is null || !_snapshot.SameAs(result.Instances))
                {
                    changed = _snapshot is not null;
                    _snapshot = new CloudMapDiscoverySnapshot(result.Instances, result.InstancesRevision);
                    fired = _changed;
                    _changed = new CancellationTokenSource();
                }
            }
        }

        if (failures > 0)
        {
            Log.DiscoveryRecovered(_logger, Key.ServiceName, Key.NamespaceName, failures);
        }

        if (heldEmpty)
        {
            Log.EmptyAnswerIgnored(_logger, Key.ServiceName, Key.NamespaceName, previous, age);
        }
        else if (fired is not null)
        {
            Log.InstancesChanged(_logger, Key.ServiceName, Key.NamespaceName, count, result.InstancesRevision ?? -1, changed ? previous : 0);
        }

        // Outside the lock: the callbacks refresh the watchers, which read the new list through GetAsync.
        if (fired is not null)
        {
            fired.Cancel();
            fired.Dispose();
        }

        return fired is not null;
    }

    private TimeSpan Failed(Exception error)
    {
        var throttled = CloudMapRetryClassifier.IsThrottling(error);
        int failures;
        int? count;
        double age;
        lock (_lock)
        {
            _lastError = error;
            failures = ++_failures;
            count = _snapshot?.Instances.Count;
            age = _snapshot is null ? 0 : _time.GetElapsedTime(_confirmedAt).TotalSeconds;
        }

        var delay = Backoff(failures, throttled);
        var code = error is CloudMapException cm ? cm.ErrorCode : error.GetType().Name;
        if (count is { } kept)
        {
            Log.DiscoveryFailed(_logger, Key.ServiceName, Key.NamespaceName, code, kept, age, delay.TotalSeconds);
        }
        else
        {
            Log.FirstDiscoveryFailed(_logger, error, Key.ServiceName, Key.NamespaceName, Describe(error), delay.TotalSeconds);
        }

        return delay;
    }

    /// <summary>The wait after failure number <paramref name="failures"/> (1-based): between half of and the whole capped bound.</summary>
    internal TimeSpan Backoff(int failures, bool throttled)
    {
        var start = throttled && _options.RevisionInterval < ThrottledBackoffBase ? ThrottledBackoffBase : _options.RevisionInterval;
        var upper = BackoffUpperBound(start, failures, _options.MaxBackoff);
#pragma warning disable CA5394 // Jitter spreads the polls of many clients; it needs no cryptographic randomness.
        return TimeSpan.FromTicks((upper.Ticks / 2) + (long)(Random.Shared.NextDouble() * (upper.Ticks / 2)));
#pragma warning restore CA5394
    }

    /// <summary>The upper bound of the wait after failure <paramref name="failures"/>: <c>start × 2^failures</c>, capped.</summary>
    internal static TimeSpan BackoffUpperBound(TimeSpan start, int failures, TimeSpan max)
    {
        var shift = Math.Clamp(failures, 0, 30);
        return start.Ticks > (max.Ticks >> shift) ? max : TimeSpan.FromTicks(start.Ticks << shift);
    }
}
