// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace CloudMap.Lifecycle.Internal.Cleanup;

/// <summary>
/// The proof-of-life key of this process start (protocol v1): an ECDSA P-256 key made once, whose public half the
/// registrations advertise, plus the v1 message, its signature and the challenge (nonce) format shared by both sides.
/// </summary>
/// <remarks>
/// The signed message is <c>cloudmap-lifecycle-proof-v1\n&lt;serviceId&gt;\n&lt;instanceId&gt;\n&lt;ownerToken&gt;\n&lt;nonce&gt;</c>
/// (UTF-8), signed with SHA-256 in the IEEE P1363 format (64 bytes for P-256), sent as base64url. The verifier builds
/// the message from the registration it judges, so nothing in the request is the expected answer.
/// </remarks>
internal sealed class ProofOfLifeKey : IDisposable
{
    /// <summary>Random bytes in a challenge.</summary>
    public const int NonceBytes = 32;

    /// <summary>Characters of a challenge in base64url without padding (32 bytes).</summary>
    public static readonly int NonceLength = Base64Url.GetEncodedLength(NonceBytes);

    /// <summary>Bytes of a P-256 signature in the IEEE P1363 format.</summary>
    public const int SignatureBytes = 64;

    /// <summary>Characters of a signature in base64url without padding.</summary>
    public static readonly int SignatureLength = Base64Url.GetEncodedLength(SignatureBytes);

    private const string MessagePrefix = "cloudmap-lifecycle-proof-v1";

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    // The BCL does not promise that one key object signs on several threads at once; a signature takes microseconds.
    private readonly Lock _signing = new();

    public ProofOfLifeKey()
    {
        PublicKey = Convert.ToBase64String(_key.ExportSubjectPublicKeyInfo());
    }

    /// <summary>Gets the public key as advertised: the base64 SubjectPublicKeyInfo.</summary>
    public string PublicKey { get; }

    /// <summary>A fresh challenge: 32 random bytes in base64url.</summary>
    public static string NewNonce() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(NonceBytes));

    /// <summary>Whether <paramref name="nonce"/> has the shape of a challenge (43 base64url characters, 32 bytes).</summary>
    public static bool IsNonce(ReadOnlySpan<char> nonce) =>
        nonce.Length == NonceLength && Base64Url.IsValid(nonce, out var decoded) && decoded == NonceBytes;

    /// <summary>Signs the v1 message; the answer to a probe, in base64url.</summary>
    public string Sign(string serviceId, string instanceId, string ownerToken, string nonce)
    {
        var message = Message(serviceId, instanceId, ownerToken, nonce);
        Span<byte> signature = stackalloc byte[SignatureBytes];
        bool signed;
        int written;
        lock (_signing)
        {
            signed = _key.TrySignData(message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out written);
        }

        if (!signed || written != SignatureBytes)
        {
            throw new CryptographicException("The proof-of-life signature has an unexpected length.");
        }

        return Base64Url.EncodeToString(signature);
    }

    /// <summary>
    /// Whether <paramref name="answer"/> is a valid v1 signature, made with the private half of <paramref name="publicKey"/>,
    /// over the message built from the identity being judged and the challenge sent.
    /// </summary>
    public static bool Verify(ECDsa publicKey, ReadOnlySpan<char> answer, string serviceId, string instanceId, string ownerToken, string nonce)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        answer = answer.Trim();
        if (answer.Length != SignatureLength || !Base64Url.IsValid(answer))
        {
            return false;
        }

        Span<byte> signature = stackalloc byte[SignatureBytes];
        if (!Base64Url.TryDecodeFromChars(answer, signature, out var written) || written != SignatureBytes)
        {
            return false;
        }

        return publicKey.VerifyData(Message(serviceId, instanceId, ownerToken, nonce), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>Imports an advertised public key (base64 SubjectPublicKeyInfo of a P-256 key); <see langword="null"/> when it is not one.</summary>
    public static ECDsa? ImportPublicKey(string advertised)
    {
        ArgumentNullException.ThrowIfNull(advertised);
        var bytes = new byte[(advertised.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(advertised, bytes, out var length))
        {
            return null;
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(bytes.AsSpan(0, length), out var read);
            if (read != length || key.KeySize != 256 || key.ExportParameters(includePrivateParameters: false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                key.Dispose();
                return null;
            }

            return key;
        }
        catch (CryptographicException)
        {
            key.Dispose();
            return null;
        }
    }

    /// <summary>The v1 message, UTF-8.</summary>
    internal static byte[] Message(string serviceId, string instanceId, string ownerToken, string nonce) =>
        Encoding.UTF8.GetBytes(string.Join('\n', MessagePrefix, serviceId, instanceId, ownerToken, nonce));

    public void Dispose() => _key.Dispose();
}
