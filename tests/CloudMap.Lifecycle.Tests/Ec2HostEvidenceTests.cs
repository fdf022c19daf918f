// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Identity;

namespace CloudMap.Lifecycle.Tests;

/// <summary>The local signs of an EC2 host (AWS: "Detect whether a host is an EC2 instance"), read through an injected reader.</summary>
public sealed class Ec2HostEvidenceTests
{
    [Theory]
    [InlineData(Ec2HostEvidence.SysVendorPath, "Amazon EC2\n", true)]
    [InlineData(Ec2HostEvidence.SysVendorPath, "QEMU", false)]
    [InlineData(Ec2HostEvidence.SysVendorPath, "Amazon EC2 Clone", false)]
    [InlineData(Ec2HostEvidence.BoardAssetTagPath, "i-0af01c0123456789a\n", true)]
    [InlineData(Ec2HostEvidence.BoardAssetTagPath, "Default string", false)]
    [InlineData(Ec2HostEvidence.HypervisorUuidPath, "ec2e1916-9099-7caf-fd21-012345abcdef", true)]
    [InlineData(Ec2HostEvidence.HypervisorUuidPath, "45e12aec-dcd1-b213-94ed-012345abcdef", false)]
    [InlineData(Ec2HostEvidence.ProductUuidPath, "EC2E1916-9099-7CAF-FD21-012345ABCDEF", true)]
    [InlineData(Ec2HostEvidence.ProductUuidPath, "", false)]
    public void Find_OneFile_SignOnlyForWhatEc2Writes(string path, string content, bool isSign)
    {
        var evidence = Ec2HostEvidence.Find(p => p == path ? content : null);

        Assert.Equal(isSign, evidence is not null);
        if (evidence is not null)
        {
            Assert.Equal(path, evidence.Path);
            Assert.Equal(content.Trim(), evidence.Value);
        }
    }

    [Fact]
    public void Find_NoFiles_NullAfterReadingEachPathOnce()
    {
        var read = new List<string>();

        var evidence = Ec2HostEvidence.Find(p =>
        {
            read.Add(p);
            return null;
        });

        Assert.Null(evidence);
        Assert.Equal(
            ["/sys/class/dmi/id/sys_vendor", "/sys/class/dmi/id/board_asset_tag", "/sys/hypervisor/uuid", "/sys/class/dmi/id/product_uuid"],
            read);
    }

    [Fact]
    public void ReadFile_MissingFile_Null()
        => Assert.Null(Ec2HostEvidence.ReadFile(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "sys_vendor")));

    [Fact]
    public void ReadFile_SmallFile_ItsTextAndLargeFile_Null()
    {
        var small = Path.GetTempFileName();
        var large = Path.GetTempFileName();
        try
        {
            File.WriteAllText(small, "Amazon EC2\n");
            File.WriteAllText(large, new string('x', 300));

            Assert.Equal("Amazon EC2\n", Ec2HostEvidence.ReadFile(small));
            Assert.Null(Ec2HostEvidence.ReadFile(large));
        }
        finally
        {
            File.Delete(small);
            File.Delete(large);
        }
    }
}
