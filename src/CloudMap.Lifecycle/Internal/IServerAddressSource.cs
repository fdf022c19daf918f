// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal;

/// <summary>The addresses the application's server listens on (a seam so tests need no real server).</summary>
internal interface IServerAddressSource
{
    /// <summary>Gets a value indicating whether the application has a server (<c>IServer</c>) at all.</summary>
    bool HasServer { get; }

    /// <summary>Gets the bound addresses, such as <c>http://127.0.0.1:5123</c>; empty when unknown.</summary>
    IReadOnlyCollection<string> GetAddresses();
}
