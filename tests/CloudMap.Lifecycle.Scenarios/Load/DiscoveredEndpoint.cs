// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Load;

/// <summary>A discovered instance's address.</summary>
internal sealed record DiscoveredEndpoint(string InstanceId, string Host, int Port)
{
    public Uri Uri => new($"http://{Host}:{Port}/");
}
