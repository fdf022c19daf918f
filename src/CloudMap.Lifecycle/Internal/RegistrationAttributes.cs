// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Sockets;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Internal.Cleanup;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// The one place that decides which attributes a registration carries and how ownership is recognised. A later
/// crash-cleanup step (G7: a lease/heartbeat attribute, a reaper) extends this type rather than the service.
/// </summary>
internal static class RegistrationAttributes
{
    public const string Ipv4Key = "AWS_INSTANCE_IPV4";
    public const string Ipv6Key = "AWS_INSTANCE_IPV6";
    public const string PortKey = "AWS_INSTANCE_PORT";
    public const string InitHealthStatusKey = "AWS_INIT_HEALTH_STATUS";

    /// <summary>Identifies the process start that made a registration; compared before deregistering (G4).</summary>
    public const string OwnerKey = "CLOUDMAP_LIFECYCLE_OWNER";

    /// <summary>
    /// Builds the RegisterInstance attributes; with <paramref name="proofOfLife"/>, the registration advertises that peers
    /// can verify it (<c>CLOUDMAP_LIFECYCLE_PROOF</c>, crash cleanup).
    /// </summary>
    /// <remarks>
    /// <c>AWS_INIT_HEALTH_STATUS</c> is sent only to services with a custom health check (Cloud Map rejects it
    /// otherwise). The library registers only after readiness passed, so the truthful initial status is the
    /// current one: HEALTHY on the first registration; on a re-registration it is whatever the running health
    /// says at that moment. Sending it explicitly (rather than relying on Cloud Map's HEALTHY default) keeps the
    /// pushed status known, so no redundant UpdateInstanceCustomHealthStatus follows.
    /// </remarks>
    public static Dictionary<string, string> Build(
        IPAddress address,
        int port,
        string ownerToken,
        ServiceHealthCheckKind healthCheckKind,
        CloudMapHealthStatus initialStatus,
        IEnumerable<KeyValuePair<string, string>> customAttributes,
        ProofOfLifeAdvert? proofOfLife = null)
        => Build(address, port, ownerToken, healthCheckKind, initialStatus, customAttributes, proofOfLife, platform: null, out _);

    /// <summary>
    /// Builds the RegisterInstance attributes with the platform identity (<paramref name="platform"/>: <c>ECS_TASK_ARN</c>,
    /// <c>ECS_CLUSTER_NAME</c>, <c>EC2_INSTANCE_ID</c>, <c>AVAILABILITY_ZONE</c>, <c>REGION</c>), which replaces custom
    /// attributes of the same names. A platform attribute that does not fit Cloud Map's quotas (30 attributes besides the
    /// reserved <c>AWS_*</c> ones, 5000 characters in all) is left out and named in <paramref name="dropped"/>.
    /// </summary>
    public static Dictionary<string, string> Build(
        IPAddress address,
        int port,
        string ownerToken,
        ServiceHealthCheckKind healthCheckKind,
        CloudMapHealthStatus initialStatus,
        IEnumerable<KeyValuePair<string, string>> customAttributes,
        ProofOfLifeAdvert? proofOfLife,
        IReadOnlyList<KeyValuePair<string, string>>? platform,
        out IReadOnlyList<string> dropped)
    {
        ArgumentNullException.ThrowIfNull(address);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in customAttributes)
        {
            attributes[key] = value;
        }

        if (platform is { Count: > 0 })
        {
            // The platform's values are the truth about this process: they replace custom ones (the fit is checked below).
            foreach (var (key, _) in platform)
            {
                attributes.Remove(key);
            }
        }

        attributes[address.AddressFamily == AddressFamily.InterNetworkV6 ? Ipv6Key : Ipv4Key] = address.ToString();
        attributes[PortKey] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (healthCheckKind == ServiceHealthCheckKind.Custom)
        {
            attributes[InitHealthStatusKey] = initialStatus == CloudMapHealthStatus.Healthy ? "HEALTHY" : "UNHEALTHY";
        }

        attributes[OwnerKey] = ownerToken;
        if (proofOfLife is not null)
        {
            attributes[ProofOfLifeAdvert.AttributeKey] = proofOfLife.Format();
        }
        else
        {
            // Only the library may claim that peers can verify this registration.
            attributes.Remove(ProofOfLifeAdvert.AttributeKey);
        }

        var left = new List<string>();
        if (platform is { Count: > 0 })
        {
            var length = attributes.Sum(a => a.Key.Length + a.Value.Length);
            var count = attributes.Keys.Count(k => !k.StartsWith("AWS_", StringComparison.Ordinal));
            foreach (var (key, value) in platform)
            {
                if (count + 1 > CloudMapRegistrationOptions.MaxAttributeCount || length + key.Length + value.Length > CloudMapRegistrationOptions.CloudMapMaxAttributesLength)
                {
                    left.Add(key);
                    continue;
                }

                attributes[key] = value;
                count++;
                length += key.Length + value.Length;
            }
        }

        dropped = left;
        return attributes;
    }

    /// <summary>Whether a registration read back from Cloud Map was made by this process start.</summary>
    public static bool IsOwnedBy(CloudMapInstance instance, string ownerToken) =>
        instance.Attributes.TryGetValue(OwnerKey, out var owner) && string.Equals(owner, ownerToken, StringComparison.Ordinal);

    /// <summary>The owner token of a registration read back from Cloud Map, if any.</summary>
    public static string? OwnerOf(CloudMapInstance instance) =>
        instance.Attributes.TryGetValue(OwnerKey, out var owner) ? owner : null;

    /// <summary>A fresh owner token: unique per process start and registration name.</summary>
    public static string NewOwnerToken() => Guid.NewGuid().ToString("N");
}
