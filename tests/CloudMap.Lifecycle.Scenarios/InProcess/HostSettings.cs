// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.InProcess;

/// <summary>Who an in-process host is and where it registers.</summary>
internal sealed record HostSettings(string InstanceId, int Port, string? ServiceId, string NamespaceName, string ServiceName);
