// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CloudMap.Lifecycle.Client;

/// <summary>TEMPORARY: stands in for the real client registration until the client branch merges (the lead deletes this file).</summary>
internal static class CloudMapClientServiceCollectionExtensions
{
    internal static IServiceCollection TryAddCloudMapClient(this IServiceCollection services)
    {
        services.TryAddSingleton<ICloudMapClient>(_ => throw new InvalidOperationException("client not yet wired"));
        return services;
    }
}
