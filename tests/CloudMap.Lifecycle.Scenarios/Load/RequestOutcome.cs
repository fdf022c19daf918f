// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Load;

/// <summary>How one request of the load generator ended.</summary>
internal enum RequestOutcome
{
    Success,
    ConnectionRefused,
    ConnectionReset,
    ServerError,
    Timeout,
    NoInstanceDiscovered,
    OtherError,
}
