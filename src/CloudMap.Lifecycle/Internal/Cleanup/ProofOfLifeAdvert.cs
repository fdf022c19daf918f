// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Internal.Cleanup;

/// <summary>
/// What a registration advertises about answering proof-of-life probes, in its attribute
/// <c>CLOUDMAP_LIFECYCLE_PROOF</c>: <c>v1 &lt;scheme&gt; &lt;public key&gt;</c>, where the key is the base64
/// SubjectPublicKeyInfo of an ECDSA P-256 key made for this process start. A registration without it (an older
/// version, a host without a web server, an app that opted out) is never judged by probes.
/// </summary>
internal sealed record ProofOfLifeAdvert(int Version, string Scheme, string PublicKey)
{
    /// <summary>The attribute key.</summary>
    public const string AttributeKey = "CLOUDMAP_LIFECYCLE_PROOF";

    /// <summary>The only protocol version so far.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Reads the advert from a registration's attributes; <see langword="null"/> when absent or not understood.</summary>
    public static ProofOfLifeAdvert? Read(IReadOnlyDictionary<string, string> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (!attributes.TryGetValue(AttributeKey, out var value))
        {
            return null;
        }

        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts is not ["v1", var scheme, var key] || (scheme is not ("http" or "https")) || key.Length is 0 or > 512)
        {
            return null;
        }

        return new ProofOfLifeAdvert(CurrentVersion, scheme, key);
    }

    /// <summary>The attribute value.</summary>
    public string Format() => $"v{Version} {Scheme} {PublicKey}";
}
