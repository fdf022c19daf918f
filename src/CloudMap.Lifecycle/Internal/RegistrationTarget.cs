// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Internal;

/// <summary>Everything resolved at start that a registration needs: the service and who/where this instance is.</summary>
internal sealed record RegistrationTarget(CloudMapService Service, string InstanceId, IPAddress Address, int Port);
