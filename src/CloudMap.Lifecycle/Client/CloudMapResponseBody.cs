// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Buffers;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// Reads an answer's body with a size cap, so a hostile or broken endpoint (a proxy streaming a file, an answer that
/// never ends) cannot make the process buffer it all: the declared <c>Content-Length</c> is checked first, and the read
/// stops one chunk past the cap whatever the header said (absent, chunked, lying, or a decompressed body).
/// </summary>
/// <remarks>
/// The caps are sized from Cloud Map's largest legitimate answers. Control plane: a ListInstances page holds at most
/// 100 instances of at most 5,000 attribute characters each (keys + values), plus ids, the CreatorRequestId and the
/// JSON punctuation of up to 37 attributes: about 0.55 MB, 1.1 MB if every attribute character needed a JSON escape;
/// everything else is smaller (GetInstancesHealthStatus: 100 short entries). Data plane: DiscoverInstances returns up
/// to 1,000 instances, each with the same attributes plus NamespaceName (≤ 1,024) and ServiceName (≤ 127): about
/// 6.5 MB, 13 MB with every character escaped. Error answers carry a code and a message: 64 KiB is generous.
/// </remarks>
internal static class CloudMapResponseBody
{
    /// <summary>The cap of a successful control-plane answer: 2 MiB.</summary>
    public const int MaxControlPlaneBytes = 2 * 1024 * 1024;

    /// <summary>The cap of a successful data-plane answer (DiscoverInstances, DiscoverInstancesRevision): 16 MiB.</summary>
    public const int MaxDataPlaneBytes = 16 * 1024 * 1024;

    /// <summary>The cap of an error answer (any status that is not 2xx): 64 KiB.</summary>
    public const int MaxErrorBytes = 64 * 1024;

    private const int ChunkBytes = 16 * 1024;

    /// <summary>Gets the cap for an answer.</summary>
    public static int LimitFor(bool success, bool dataPlane)
        => !success ? MaxErrorBytes : dataPlane ? MaxDataPlaneBytes : MaxControlPlaneBytes;

    /// <summary>
    /// Reads the whole body if it has at most <paramref name="maxBytes"/> bytes; otherwise returns <see langword="null"/>
    /// after reading at most <paramref name="maxBytes"/> + one chunk (nothing at all when <c>Content-Length</c> already says so).
    /// </summary>
    public static async Task<byte[]?> ReadAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var declared = content.Headers.ContentLength;
        if (declared > maxBytes)
        {
            return null;
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            // Trust Content-Length only to size the first buffer, never to stop reading.
            using var buffer = new MemoryStream(declared is { } length ? (int)length : ChunkBytes);
            var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
            try
            {
                int read;
                while ((read = await stream.ReadAsync(chunk.AsMemory(0, ChunkBytes), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (buffer.Length + read > maxBytes)
                    {
                        return null;
                    }

                    buffer.Write(chunk, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            return buffer.ToArray();
        }
    }
}
