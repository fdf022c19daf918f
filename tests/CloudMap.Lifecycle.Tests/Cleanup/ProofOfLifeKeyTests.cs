// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.TestInfrastructure;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.Internal.Cleanup;

namespace CloudMap.Lifecycle.Tests.Cleanup;

/// <summary>The v1 proof: the per-process key, the signed message, the challenge format and the advert.</summary>
public sealed class ProofOfLifeKeyTests
{
    private const string Service = "srv-abcdefgh12345678";
    private const string Instance = "i-0abc/def:1@x";
    private const string Owner = "0123456789abcdef0123456789abcdef";

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Verify_SignatureOfTheSameIdentityAndNonce_IsValid()
    {
        using var key = new ProofOfLifeKey();
        using var verifier = ProofOfLifeKey.ImportPublicKey(key.PublicKey)!;
        var nonce = ProofOfLifeKey.NewNonce();

        var answer = key.Sign(Service, Instance, Owner, nonce);

        Assert.Equal(ProofOfLifeKey.SignatureLength, answer.Length);
        Assert.True(ProofOfLifeKey.Verify(verifier, answer, Service, Instance, Owner, nonce));
    }

    [Theory]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    [InlineData("service")]
    [InlineData("instance")]
    [InlineData("owner")]
    [InlineData("nonce")]
    public void Verify_AnyPartOfTheMessageDiffers_IsInvalid(string differing)
    {
        using var key = new ProofOfLifeKey();
        using var verifier = ProofOfLifeKey.ImportPublicKey(key.PublicKey)!;
        var nonce = ProofOfLifeKey.NewNonce();
        var answer = key.Sign(Service, Instance, Owner, nonce);

        var valid = ProofOfLifeKey.Verify(
            verifier,
            answer,
            differing == "service" ? "srv-other" : Service,
            differing == "instance" ? "i-other" : Instance,
            differing == "owner" ? "ffffffffffffffffffffffffffffffff" : Owner,
            differing == "nonce" ? ProofOfLifeKey.NewNonce() : nonce);

        Assert.False(valid);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G7)]
    public void Verify_SignedByAnotherProcessStart_IsInvalid()
    {
        using var registered = new ProofOfLifeKey();
        using var recycled = new ProofOfLifeKey();
        using var verifier = ProofOfLifeKey.ImportPublicKey(registered.PublicKey)!;
        var nonce = ProofOfLifeKey.NewNonce();

        var answer = recycled.Sign(Service, Instance, Owner, nonce);

        Assert.NotEqual(registered.PublicKey, recycled.PublicKey);
        Assert.False(ProofOfLifeKey.Verify(verifier, answer, Service, Instance, Owner, nonce));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ok")]
    [InlineData("not base64url !!!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Verify_NotASignature_IsInvalidAndDoesNotThrow(string answer)
    {
        using var key = new ProofOfLifeKey();
        using var verifier = ProofOfLifeKey.ImportPublicKey(key.PublicKey)!;

        Assert.False(ProofOfLifeKey.Verify(verifier, answer, Service, Instance, Owner, ProofOfLifeKey.NewNonce()));
    }

    [Fact]
    public void Verify_EchoOfTheNonceOrTheQuery_IsInvalid()
    {
        using var key = new ProofOfLifeKey();
        using var verifier = ProofOfLifeKey.ImportPublicKey(key.PublicKey)!;
        var nonce = ProofOfLifeKey.NewNonce();

        Assert.False(ProofOfLifeKey.Verify(verifier, nonce, Service, Instance, Owner, nonce));
        Assert.False(ProofOfLifeKey.Verify(verifier, nonce + nonce, Service, Instance, Owner, nonce));
        Assert.False(ProofOfLifeKey.Verify(verifier, $"service={Service}&instance={Instance}&nonce={nonce}", Service, Instance, Owner, nonce));
    }

    [Fact]
    public void Message_IsTheV1LayoutInUtf8()
    {
        var message = ProofOfLifeKey.Message("srv-1", "i-1", "owner", "nonce");

        Assert.Equal("cloudmap-lifecycle-proof-v1\nsrv-1\ni-1\nowner\nnonce", Encoding.UTF8.GetString(message));
    }

    [Fact]
    public void Verify_SignatureMadeIndependently_IsValid()
    {
        // The wire format is the BCL's IEEE P1363 SHA-256 signature over the documented message, base64url: any
        // implementation that follows the description interoperates.
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var verifier = ProofOfLifeKey.ImportPublicKey(Convert.ToBase64String(ecdsa.ExportSubjectPublicKeyInfo()))!;
        var nonce = ProofOfLifeKey.NewNonce();
        var signature = ecdsa.SignData(
            Encoding.UTF8.GetBytes($"cloudmap-lifecycle-proof-v1\n{Service}\n{Instance}\n{Owner}\n{nonce}"),
            HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        Assert.True(ProofOfLifeKey.Verify(verifier, Base64Url.EncodeToString(signature), Service, Instance, Owner, nonce));
    }

    [Fact]
    public void NewNonce_Is32RandomBytesInBase64Url()
    {
        var first = ProofOfLifeKey.NewNonce();
        var second = ProofOfLifeKey.NewNonce();

        Assert.Equal(43, first.Length);
        Assert.Equal(32, Base64Url.DecodeFromChars(first).Length);
        Assert.True(ProofOfLifeKey.IsNonce(first));
        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void IsNonce_NotAChallenge_False(string nonce) => Assert.False(ProofOfLifeKey.IsNonce(nonce));

    [Fact]
    public void ImportPublicKey_NotAP256PublicKey_Null()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var rsa = RSA.Create(2048);

        Assert.Null(ProofOfLifeKey.ImportPublicKey("not base64"));
        Assert.Null(ProofOfLifeKey.ImportPublicKey(Convert.ToBase64String([1, 2, 3, 4])));
        Assert.Null(ProofOfLifeKey.ImportPublicKey(Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo())));
        Assert.Null(ProofOfLifeKey.ImportPublicKey(Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())));
    }

    [Fact]
    public void Advert_FormatsAndReadsBack_AndFitsTheReservedAttributeLength()
    {
        using var key = new ProofOfLifeKey();
        var advert = new ProofOfLifeAdvert(ProofOfLifeAdvert.CurrentVersion, "https", key.PublicKey);

        var read = ProofOfLifeAdvert.Read(new Dictionary<string, string> { [ProofOfLifeAdvert.AttributeKey] = advert.Format() });

        Assert.Equal(advert, read);
        Assert.StartsWith("v1 https MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE", advert.Format(), StringComparison.Ordinal);

        // Every attribute the library adds, at its longest, within what CloudMapRegistrationOptions reserves.
        var attributes = RegistrationAttributes.Build(
            System.Net.IPAddress.Parse("fe80:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295"),
            65535,
            RegistrationAttributes.NewOwnerToken(),
            Lifecycle.Client.ServiceHealthCheckKind.Custom,
            CloudMapHealthStatus.Unhealthy,
            [],
            advert);
        var length = attributes.Sum(a => a.Key.Length + a.Value.Length);
        Assert.InRange(length, 1, CloudMapRegistrationOptions.CloudMapMaxAttributesLength - CloudMapRegistrationOptions.MaxAttributesLength);
    }
}
