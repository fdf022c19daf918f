// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudMap.Lifecycle.Internal.Cleanup;

/// <summary>
/// The answering side of proof of life: holds this process start's key and the identities (service, instance, owner
/// token) its registrations advertise, and answers probes for them. One per application (a singleton).
/// </summary>
/// <remarks>
/// An identity is advertised only when a probe can actually reach the answer: the startup filter put the middleware
/// into the application's pipeline (<see cref="MarkPipelineBuilt"/>), and the server reports real listening addresses
/// (Kestrel; an in-memory TestServer and a generic host without a web server report none). Otherwise peers would find
/// a live instance "foreign" or "refused"; without an advert they never judge it.
/// </remarks>
internal sealed class ProofOfLifeResponder : IDisposable
{
    private readonly ProofOfLifeKey _key = new();
    private readonly ConcurrentDictionary<(string ServiceId, string InstanceId), string> _identities = new();
    private readonly IServerAddressSource _serverAddresses;
    private readonly ILogger _logger;
    private volatile bool _pipelineBuilt;

    public ProofOfLifeResponder(IServerAddressSource serverAddresses, ILogger<ProofOfLifeResponder>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(serverAddresses);
        _serverAddresses = serverAddresses;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Gets the public key this process start advertises (base64 SubjectPublicKeyInfo).</summary>
    public string PublicKey => _key.PublicKey;

    /// <summary>Gets a value indicating whether the startup filter built the answering middleware into the pipeline.</summary>
    public bool PipelineBuilt => _pipelineBuilt;

    /// <summary>Called by <see cref="ProofOfLifeStartupFilter"/> when the application's pipeline is built with the middleware in it.</summary>
    public void MarkPipelineBuilt() => _pipelineBuilt = true;

    /// <summary>
    /// Starts answering for an identity and returns the advert its registration carries; <see langword="null"/> (and
    /// nothing recorded) when probes could not reach the answer, so the registration must not advertise it.
    /// </summary>
    /// <param name="serviceId">The service registered in.</param>
    /// <param name="instanceId">The instance id registered.</param>
    /// <param name="ownerToken">The registration's owner token (<c>CLOUDMAP_LIFECYCLE_OWNER</c>).</param>
    /// <param name="scheme">
    /// <c>http</c> or <c>https</c>: the scheme of the server binding the registered port belongs to; <see langword="null"/>
    /// when the registered port is not one this server listens on (then nothing is advertised).
    /// </param>
    public ProofOfLifeAdvert? Advertise(string serviceId, string instanceId, string ownerToken, string? scheme)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentException.ThrowIfNullOrEmpty(ownerToken);

        string? reason = null;
        if (!_pipelineBuilt)
        {
            reason = "the application has no web pipeline the answer could be served from (a generic host without a web server)";
        }
        else if (_serverAddresses.GetAddresses().Count == 0)
        {
            reason = "the server reports no listening address (an in-memory server such as TestServer)";
        }
        else if (scheme is not ("http" or "https"))
        {
            reason = "the registered address and port are not an http or https binding of this server";
        }

        if (reason is not null)
        {
            _identities.TryRemove((serviceId, instanceId), out _);
            ProofOfLifeLog.NotAdvertised(_logger, instanceId, serviceId, reason);
            return null;
        }

        _identities[(serviceId, instanceId)] = ownerToken;
        ProofOfLifeLog.Advertised(_logger, instanceId, serviceId, scheme!);
        return new ProofOfLifeAdvert(ProofOfLifeAdvert.CurrentVersion, scheme!, _key.PublicKey);
    }

    /// <summary>Stops answering for an identity (its registration is gone or no longer ours).</summary>
    public void Withdraw(string serviceId, string instanceId) => _identities.TryRemove((serviceId, instanceId), out _);

    /// <summary>
    /// The answer to a probe: the base64url signature for an identity this process advertises, else <see langword="null"/>
    /// (the middleware answers 404). The arguments are already validated by the middleware.
    /// </summary>
    public string? Answer(string serviceId, string instanceId, string nonce) =>
        _identities.TryGetValue((serviceId, instanceId), out var ownerToken) ? _key.Sign(serviceId, instanceId, ownerToken, nonce) : null;

    public void Dispose() => _key.Dispose();
}
