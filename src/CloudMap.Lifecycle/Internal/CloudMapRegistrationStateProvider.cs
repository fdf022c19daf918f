// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;

namespace CloudMap.Lifecycle.Internal;

/// <summary>Holds one <see cref="CloudMapRegistrationState"/> per registration name (a singleton).</summary>
internal sealed class CloudMapRegistrationStateProvider : ICloudMapRegistrationStateProvider
{
    private readonly ConcurrentDictionary<string, CloudMapRegistrationState> _states;

    public CloudMapRegistrationStateProvider(IEnumerable<CloudMapRegistrationMarker> markers)
    {
        ArgumentNullException.ThrowIfNull(markers);
        _states = new(StringComparer.Ordinal);
        foreach (var marker in markers)
        {
            _states.TryAdd(marker.Name, new CloudMapRegistrationState(marker.Name));
        }
    }

    public IReadOnlyCollection<string> Names => _states.Keys.Order(StringComparer.Ordinal).ToArray();

    public IEnumerable<CloudMapRegistrationState> States => _states.Values;

    ICloudMapRegistrationState ICloudMapRegistrationStateProvider.GetState(string name) => Get(name);

    public CloudMapRegistrationState Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _states.TryGetValue(name, out var state)
            ? state
            : throw new KeyNotFoundException($"No Cloud Map registration named '{name}' was added; call AddCloudMapRegistration(\"{name}\", ...).");
    }
}
