// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace CloudMap.Lifecycle.Internal.Cleanup;

/// <summary>
/// Probes a peer over HTTP(S) at the address and port it registered, with a fresh challenge, and classifies what came
/// back (see <see cref="PeerProbeOutcome"/>): only a valid signature is proof of life, only a refused connection or an
/// answer without the proof is evidence of death, and everything that tells nothing (a timeout, an unreachable network,
/// a connection closed or reset before any answer, TLS trouble) is <see cref="PeerProbeOutcome.Unknown"/>.
/// </summary>
/// <remarks>
/// <para>
/// One handler for all probes: no proxy (an <c>HTTP_PROXY</c> would answer for the peer), no redirects, no cookies, and
/// no pooled connections (each probe opens its own, so a process that died since the last probe shows as refused
/// rather than as the error of a stale pooled connection). Answers are read up to <see cref="MaxAnswerBytes"/>.
/// </para>
/// <para>
/// HTTPS accepts any certificate: the signature is the proof, not the certificate (peers usually have self-signed or
/// internal ones, and a certificate says nothing about which process answers), and the request carries nothing secret.
/// </para>
/// <para>
/// A cleartext endpoint that speaks only HTTP/2 (prior knowledge) cannot answer an HTTP/1.1 request: when an
/// <c>http</c> probe gets an answer that is not HTTP/1.x or a connection closed before any answer, it is asked once
/// more over HTTP/2 with a new challenge, within the same timeout, so such a live instance is not taken for a foreign
/// server.
/// </para>
/// </remarks>
internal sealed class HttpPeerProber : IPeerProber, IDisposable
{
    /// <summary>The most bytes of an answer read; a longer one is not a proof (a signature is 86 characters).</summary>
    public const int MaxAnswerBytes = 1024;

    /// <summary>The most verifying keys kept; past it the cache starts again (keys of long-gone peers go with it).</summary>
    internal const int MaxCachedKeys = 1024;

    private readonly HttpMessageInvoker _http;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, VerifyingKey?> _keys = new(StringComparer.Ordinal);

    public HttpPeerProber(TimeProvider timeProvider)
        : this(timeProvider, CreateHandler())
    {
    }

    internal HttpPeerProber(TimeProvider timeProvider, HttpMessageHandler handler)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(handler);
        _time = timeProvider;
        _http = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    /// <summary>Gets how many advertised keys are cached (imported once per advert); for tests.</summary>
    internal int CachedKeyCount => _keys.Count;

    public async Task<PeerProbeResult> ProbeAsync(PeerTarget peer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peer);
        cancellationToken.ThrowIfCancellationRequested();
        if (KeyOf(peer.Advert) is not { } key)
        {
            // Nothing can be verified against it, so nothing the probe finds is evidence either way.
            return new PeerProbeResult(PeerProbeOutcome.Unknown, "the advertised key is not a P-256 public key");
        }

        using var timeoutSource = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutSource.Token, cancellationToken);
        var first = await AttemptAsync(peer, key, HttpVersion.Version11, timeoutSource, linked.Token, cancellationToken).ConfigureAwait(false);
        if (first.Retry && peer.Advert.Scheme == "http" && !linked.IsCancellationRequested)
        {
            var second = await AttemptAsync(peer, key, HttpVersion.Version20, timeoutSource, linked.Token, cancellationToken).ConfigureAwait(false);
            if (second.Result.Outcome == PeerProbeOutcome.Alive)
            {
                return second.Result;
            }
        }

        return first.Result;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Builds the probe's URI: <c>&lt;scheme&gt;://&lt;address&gt;:&lt;port&gt;/.well-known/cloudmap-lifecycle/proof?...</c>, IPv6 in brackets.</summary>
    internal static Uri ProbeUri(PeerTarget peer, string nonce)
    {
        var host = peer.Address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + peer.Address + "]" : peer.Address.ToString();
        return new Uri(string.Create(
            CultureInfo.InvariantCulture,
            $"{peer.Advert.Scheme}://{host}:{peer.Port}{ProofOfLifeMiddleware.Path}?service={Uri.EscapeDataString(peer.ServiceId)}&instance={Uri.EscapeDataString(peer.InstanceId)}&nonce={nonce}"));
    }

    /// <summary>Classifies a failed attempt. <c>Retry</c>: an <c>http</c> probe that deserves one more try over HTTP/2.</summary>
    internal static (PeerProbeResult Result, bool Retry) Classify(Exception error)
    {
        var requestError = error switch
        {
            HttpRequestException request => request.HttpRequestError,
            HttpIOException io => io.HttpRequestError,
            _ => (HttpRequestError?)null,
        };

        var socketError = Find<SocketException>(error)?.SocketErrorCode;
        return requestError switch
        {
            HttpRequestError.ConnectionError when socketError == SocketError.ConnectionRefused =>
                (new(PeerProbeOutcome.Refused, "connection refused"), false),
            HttpRequestError.ConnectionError =>
                (new(PeerProbeOutcome.Unknown, "could not connect" + (socketError is { } code ? " (" + code + ")" : string.Empty)), false),
            HttpRequestError.InvalidResponse =>
                (new(PeerProbeOutcome.Foreign, "the answer is not HTTP"), true),
            HttpRequestError.HttpProtocolError =>
                (new(PeerProbeOutcome.Foreign, "the answer broke the HTTP protocol"), true),
            HttpRequestError.ConfigurationLimitExceeded =>
                (new(PeerProbeOutcome.Foreign, "the answer's headers are too large"), false),
            HttpRequestError.ResponseEnded =>
                (new(PeerProbeOutcome.Unknown, "the connection closed before an answer"), true),
            HttpRequestError.SecureConnectionError =>
                (new(PeerProbeOutcome.Unknown, "the TLS handshake failed"), false),
            HttpRequestError.NameResolutionError =>
                (new(PeerProbeOutcome.Unknown, "the name did not resolve"), false),
            _ when socketError is { } code =>
                (new(PeerProbeOutcome.Unknown, "the connection failed (" + code + ")"), false),
            _ => (new(PeerProbeOutcome.Unknown, "the probe failed (" + error.GetType().Name + ")"), false),
        };
    }

    private static SocketsHttpHandler CreateHandler() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,

        // A fresh connection per probe: a pooled one would outlive the peer and fail as a reset, not as refused.
        PooledConnectionLifetime = TimeSpan.Zero,

        // The probe's own timeout (on the TimeProvider) decides; this only bounds a connect if that never fires.
        ConnectTimeout = CloudMapCleanupOptions.MaxProbeInterval,
        MaxResponseHeadersLength = 8,
        MaxResponseDrainSize = 0,
        ActivityHeadersPropagator = null,
        SslOptions =
        {
            // The signature proves the peer, not the certificate, and the probe carries nothing secret (see remarks).
#pragma warning disable CA5359 // Do not disable certificate validation: identity comes from the ECDSA proof, not from TLS.
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
#pragma warning restore CA5359
        },
    };

    private static T? Find<T>(Exception? error)
        where T : Exception
    {
        for (; error is not null; error = error.InnerException)
        {
            if (error is T found)
            {
                return found;
            }
        }

        return null;
    }

    private async Task<(PeerProbeResult Result, bool Retry)> AttemptAsync(
        PeerTarget peer,
        VerifyingKey key,
        Version version,
        CancellationTokenSource timeoutSource,
        CancellationToken token,
        CancellationToken callerToken)
    {
        var nonce = ProofOfLifeKey.NewNonce();
        using var request = new HttpRequestMessage(HttpMethod.Get, ProbeUri(peer, nonce))
        {
            Version = version,

            // HTTPS negotiates HTTP/2 or 1.1 by ALPN; cleartext HTTP/2 must be asked for exactly (prior knowledge).
            VersionPolicy = version == HttpVersion.Version11 ? HttpVersionPolicy.RequestVersionOrHigher : HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
        if (version == HttpVersion.Version11)
        {
            request.Headers.ConnectionClose = true;
        }

        try
        {
            using var response = await _http.SendAsync(request, token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (new(PeerProbeOutcome.Foreign, string.Create(CultureInfo.InvariantCulture, $"answered HTTP {(int)response.StatusCode} without the proof")), false);
            }

            var answer = await ReadCappedAsync(response.Content, token).ConfigureAwait(false);
            if (answer is null)
            {
                return (new(PeerProbeOutcome.Foreign, "answered with more than " + MaxAnswerBytes + " bytes"), false);
            }

            return key.Verify(answer, peer.ServiceId, peer.InstanceId, peer.OwnerToken, nonce)
                ? (new(PeerProbeOutcome.Alive, "proved it is the registered process"), false)
                : (new(PeerProbeOutcome.Foreign, "answered HTTP 200 without a valid proof"), false);
        }
        catch (OperationCanceledException) when (callerToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested)
        {
            return (new(PeerProbeOutcome.Unknown, "no answer within the probe timeout"), false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or SocketException or OperationCanceledException)
        {
            return Classify(ex);
        }
    }

    /// <summary>Reads at most <see cref="MaxAnswerBytes"/>; <see langword="null"/> when the answer is longer.</summary>
    private static async Task<string?> ReadCappedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxAnswerBytes + 1];
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var total = 0;
            while (total < buffer.Length)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return total > MaxAnswerBytes ? null : Encoding.ASCII.GetString(buffer, 0, total);
        }
    }

    private VerifyingKey? KeyOf(ProofOfLifeAdvert advert)
    {
        if (_keys.TryGetValue(advert.PublicKey, out var cached))
        {
            return cached;
        }

        if (_keys.Count >= MaxCachedKeys)
        {
            // Not disposed: a probe may still hold one; the finalizer releases it.
            _keys.Clear();
        }

        return _keys.GetOrAdd(advert.PublicKey, static k => ProofOfLifeKey.ImportPublicKey(k) is { } imported ? new VerifyingKey(imported) : null);
    }

    /// <summary>An imported advertised key; verifications on it are serialised (the BCL does not promise concurrent use).</summary>
    private sealed class VerifyingKey(ECDsa key)
    {
        private readonly Lock _lock = new();

        public bool Verify(string answer, string serviceId, string instanceId, string ownerToken, string nonce)
        {
            lock (_lock)
            {
                return ProofOfLifeKey.Verify(key, answer, serviceId, instanceId, ownerToken, nonce);
            }
        }
    }
}
