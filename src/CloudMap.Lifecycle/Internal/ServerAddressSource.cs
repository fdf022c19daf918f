// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CloudMap.Lifecycle.Internal;

/// <summary>Reads <see cref="IServerAddressesFeature"/> of the optional <see cref="IServer"/> lazily (after the server started).</summary>
internal sealed class ServerAddressSource(IServiceProvider services) : IServerAddressSource
{
    public bool HasServer => services.GetService<IServer>() is not null;

    public IReadOnlyCollection<string> GetAddresses() =>
        services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
}
