// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Sockets;

namespace CloudMap.Lifecycle.Scenarios.Infrastructure;

/// <summary>
/// Hands out loopback ports that were free a moment ago and were never handed out before in this run, so a restarted
/// instance never lands on a port a stale discovery entry still points at.
/// </summary>
internal static class FreePorts
{
    private static readonly HashSet<int> Handed = [];

    public static int Next()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Handed)
            {
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException("No free loopback port found in 100 attempts.");
    }
}
