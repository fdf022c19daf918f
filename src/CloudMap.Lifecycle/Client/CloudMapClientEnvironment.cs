// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// What the client takes from its surroundings: credentials, environment variables, the AWS profile files and
/// a random source for jitter. One seam, so tests replace all of it without touching the process.
/// </summary>
internal sealed class CloudMapClientEnvironment : IDisposable
{
    private readonly SemaphoreSlim _credentialsLock = new(1, 1);
    private readonly AWSCredentials? _explicitCredentials;
    private DefaultAWSCredentialsIdentityResolver? _defaultResolver;
    private AWSCredentials? _resolved;

    /// <summary>Initializes a new instance of the <see cref="CloudMapClientEnvironment"/> class.</summary>
    /// <param name="credentials">Credentials registered in DI, if any; otherwise the profile or the default chain is used.</param>
    public CloudMapClientEnvironment(AWSCredentials? credentials = null)
    {
        _explicitCredentials = credentials;
    }

    /// <summary>Gets or sets the environment-variable reader.</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Gets or sets the reader of a profile's region from the shared AWS files.</summary>
    public Func<string, string?> GetProfileRegion { get; init; } = static profile => CloudMapRegionResolver.ReadProfileRegion(profile);

    /// <summary>Gets or sets the source of uniform random numbers in [0, 1) used for backoff jitter.</summary>
    public Func<double> NextRandom { get; init; } = Random.Shared.NextDouble;

    /// <summary>
    /// Returns the credentials to sign with, resolving them on first use: the ones given in DI, else the
    /// explicitly named profile, else AWSSDK.Core's default chain. The returned object refreshes itself
    /// (the signer calls GetCredentialsAsync for every request), so it is kept for the client's lifetime.
    /// </summary>
    /// <exception cref="CloudMapException">No credentials could be resolved (code CredentialsUnavailable).</exception>
    public async ValueTask<AWSCredentials> GetCredentialsAsync(string? explicitProfile, CancellationToken cancellationToken)
    {
        if (_explicitCredentials is not null)
        {
            return _explicitCredentials;
        }

        if (Volatile.Read(ref _resolved) is { } cached)
        {
            return cached;
        }

        await _credentialsLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_resolved is not null)
            {
                return _resolved;
            }

            AWSCredentials? credentials = null;
            if (!string.IsNullOrWhiteSpace(explicitProfile)
                && new CredentialProfileStoreChain().TryGetAWSCredentials(explicitProfile, out var profileCredentials))
            {
                credentials = profileCredentials;
            }

            if (credentials is null)
            {
                _defaultResolver ??= new DefaultAWSCredentialsIdentityResolver();
                credentials = await _defaultResolver.ResolveIdentityAsync(null!, cancellationToken).ConfigureAwait(false);
            }

            Volatile.Write(ref _resolved, credentials);
            return credentials;
        }
        catch (AmazonClientException ex)
        {
            throw new CloudMapException(
                CloudMapErrorCodes.CredentialsUnavailable,
                "No AWS credentials could be resolved for Cloud Map (environment variables, web identity, profile, container and instance credentials were tried). " + ex.Message,
                statusCode: null,
                requestId: null,
                ex);
        }
        finally
        {
            _credentialsLock.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _defaultResolver?.Dispose();
        _credentialsLock.Dispose();
    }
}
