// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace CloudMap.Lifecycle.Identity;

/// <summary>The last-resort identity: the host name and the host's own network interfaces.</summary>
internal static class HostIdentity
{
    /// <summary>Makes <paramref name="hostName"/> a valid Cloud Map instance id (see <see cref="InstanceIdRule.Sanitize"/>).</summary>
    public static string SanitizeInstanceId(string? hostName) => InstanceIdRule.Sanitize(hostName);

    /// <summary>The first IPv4 address of an operational, non-loopback interface, or <see langword="null"/>.</summary>
    public static IPAddress? FirstNonLoopbackIPv4()
    {
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
                {
                    continue;
                }

                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    if (unicast.Address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(unicast.Address))
                    {
                        return unicast.Address;
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
            // Some sandboxes deny interface enumeration; the caller reports that no address could be found.
        }

        return null;
    }
}
