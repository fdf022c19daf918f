// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Identity;

/// <summary>
/// A local sign that this host is an EC2 instance, read from files the kernel exposes, so that EC2 instance metadata
/// (169.254.169.254) is asked only where it can answer: off EC2 that address drops packets, and every probe costs a
/// connect timeout.
/// </summary>
/// <remarks>
/// The signs are the ones AWS documents in "Detect whether a host is an EC2 instance": on Nitro instances the DMI
/// system vendor is <c>Amazon EC2</c> and the board asset tag is the instance id (<c>i-…</c>); on Xen instances the
/// hypervisor UUID (and the DMI system UUID, readable by root only) starts with <c>ec2</c>. All are world-readable
/// sysfs files except <c>product_uuid</c>; a file that is missing or unreadable is simply no sign. Hosts without these
/// files (Windows, macOS, containers with a masked <c>/sys</c>) are not taken for EC2: set
/// <c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c> there to ask the metadata service anyway.
/// </remarks>
/// <param name="Path">The file that gave the sign.</param>
/// <param name="Value">What it contained (trimmed; never a secret: a vendor name, an instance id or a UUID).</param>
internal sealed record Ec2HostEvidence(string Path, string Value)
{
    /// <summary>The DMI system vendor; <c>Amazon EC2</c> on Nitro instances.</summary>
    public const string SysVendorPath = "/sys/class/dmi/id/sys_vendor";

    /// <summary>The DMI board asset tag; the instance id on Nitro instances.</summary>
    public const string BoardAssetTagPath = "/sys/class/dmi/id/board_asset_tag";

    /// <summary>The Xen hypervisor UUID; starts with <c>ec2</c> on Xen instances.</summary>
    public const string HypervisorUuidPath = "/sys/hypervisor/uuid";

    /// <summary>The DMI system UUID (root only); starts with <c>ec2</c> on most instances.</summary>
    public const string ProductUuidPath = "/sys/class/dmi/id/product_uuid";

    /// <summary>Every file looked at, in order, for messages.</summary>
    public static readonly IReadOnlyList<string> Paths = [SysVendorPath, BoardAssetTagPath, HypervisorUuidPath, ProductUuidPath];

    // Enough for any of these files (a UUID is 36 characters); a larger file is not what we look for.
    private const int MaxLength = 256;

    /// <summary>Looks for the first sign, or returns <see langword="null"/> when the host does not look like EC2.</summary>
    /// <param name="readFile">Reads a small file, or returns <see langword="null"/> when it is missing or unreadable.</param>
    public static Ec2HostEvidence? Find(Func<string, string?> readFile)
    {
        ArgumentNullException.ThrowIfNull(readFile);
        foreach (var path in Paths)
        {
            var value = readFile(path)?.Trim();
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            var isSign = path switch
            {
                SysVendorPath => string.Equals(value, "Amazon EC2", StringComparison.Ordinal),
                BoardAssetTagPath => value.StartsWith("i-", StringComparison.Ordinal),
                _ => value.StartsWith("ec2", StringComparison.OrdinalIgnoreCase),
            };
            if (isSign)
            {
                return new Ec2HostEvidence(path, value);
            }
        }

        return null;
    }

    /// <summary>The real file reader: the file's text, or <see langword="null"/> when it is missing, unreadable or too large.</summary>
    public static string? ReadFile(string path)
    {
        try
        {
            var info = new FileInfo(path);

            // sysfs reports a length of 4096 for every attribute file, so the length only guards against other files.
            if (!info.Exists || info.Length > 4096)
            {
                return null;
            }

            var text = File.ReadAllText(path);
            return text.Length > MaxLength ? null : text;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException or NotSupportedException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Path} = '{Value}'";
}
