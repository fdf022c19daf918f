// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle;

/// <summary>Gives the state of every Cloud Map registration of the application by name.</summary>
public interface ICloudMapRegistrationStateProvider
{
    /// <summary>Gets the names of the registrations added to the application.</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>Gets the state of the registration named <paramref name="name"/>.</summary>
    /// <param name="name">The registration name; <see cref="Microsoft.Extensions.Options.Options.DefaultName"/> (empty) for the default registration.</param>
    /// <returns>The registration's state.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="KeyNotFoundException">No registration named <paramref name="name"/> was added.</exception>
    ICloudMapRegistrationState GetState(string name);
}
