// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.ServiceDiscovery.Internal;

/// <summary>The configuration path the options come from, so validation messages name the keys the user wrote.</summary>
internal sealed record CloudMapDiscoveryConfigurationPath(string Path);
