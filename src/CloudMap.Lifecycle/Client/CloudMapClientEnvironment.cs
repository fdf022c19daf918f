// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using CloudMap.Lifecycle.Identity;
using Microsoft.Extensions.Logging;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// What the client takes from its surroundings: credentials, environment variables, the AWS profile files, the
/// platform files that tell an EC2 host, and a random source for jitter. One seam, so tests replace all of it without
/// touching the process.
/// </summary>
internal sealed class CloudMapClientEnvironment : IDisposable
{
    /// <summary>How long after the first failed look at the credential sources the next look happens.</summary>
    public static readonly TimeSpan CredentialsFirstRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between two looks at the credential sources.</summary>
    public static readonly TimeSpan CredentialsMaxRetryDelay = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _credentialsLock = new(1, 1);
    private readonly AWSCredentials? _explicitCredentials;
    private AWSCredentials? _resolved;
    private int _failedLooks;
    private DateTimeOffset _nextLookAt;
    private string? _lastLooked;

    /// <summary>Initializes a new instance of the <see cref="CloudMapClientEnvironment"/> class.</summary>
    /// <param name="credentials">
    /// Credentials given by the app, if any (an <see cref="AWSCredentials"/> registered in DI, else
    /// <c>AWSOptions.Credentials</c>); otherwise the profile or the default chain is used.
    /// </param>
    public CloudMapClientEnvironment(AWSCredentials? credentials = null)
    {
        _explicitCredentials = credentials;

        // Not static: the profile files may be named by ProfilesLocation, which an init accessor sets after this.
        GetProfileRegion = profile => CloudMapRegionResolver.ReadProfileRegion(profile, ProfilesLocation);
        GetProfileCredentials = profile => ReadProfileCredentials(profile, ProfilesLocation);
    }

    /// <summary>
    /// Gets the shared credentials file to read profiles from (<c>AWSOptions.ProfilesLocation</c> or
    /// <c>AWS:ProfilesLocation</c>), or <see langword="null"/> for the AWS SDK's default locations.
    /// </summary>
    public string? ProfilesLocation { get; init; }

    /// <summary>
    /// Gets the role to assume with the credentials the chain finds (<c>AWSOptions.SessionRoleArn</c>), or
    /// <see langword="null"/>. Credentials given to the constructor are used as given.
    /// </summary>
    public CloudMapAssumeRole? AssumeRole { get; init; }

    /// <summary>Gets or sets the environment-variable reader.</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Gets or sets the reader of a profile's region from the shared AWS files.</summary>
    public Func<string, string?> GetProfileRegion { get; init; }

    /// <summary>Gets or sets the source of uniform random numbers in [0, 1) used for backoff jitter.</summary>
    public Func<double> NextRandom { get; init; } = Random.Shared.NextDouble;

    /// <summary>Gets the reader of a profile's credentials from the shared AWS files (<see langword="null"/>: no such profile).</summary>
    public Func<string, AWSCredentials?> GetProfileCredentials { get; init; }

    /// <summary>Gets the reader of the small platform files that tell an EC2 host (see <see cref="Ec2HostEvidence"/>).</summary>
    public Func<string, string?> ReadPlatformFile { get; init; } = Ec2HostEvidence.ReadFile;

    /// <summary>
    /// Gets the EC2 instance-profile step, called only where the chain allows it (see <see cref="CloudMapCredentialChain"/>):
    /// by default AWSSDK.Core's <see cref="InstanceProfileAWSCredentials"/> over IMDSv2 (token first; AWSSDK.Core 4 has no
    /// IMDSv1 fallback), at the endpoint the SDK reads (<c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c>, else 169.254.169.254).
    /// </summary>
    public Func<CancellationToken, ValueTask<AWSCredentials>> FetchInstanceProfileCredentials { get; init; } = FetchInstanceProfileAsync;

    /// <summary>
    /// The wait after <paramref name="failedLooks"/> failed looks in a row before the next one: 5 s, doubling
    /// (10 s, 20 s, 40 s, 80 s, 160 s), then every 5 minutes.
    /// </summary>
    public static TimeSpan CredentialsRetryDelay(int failedLooks)
    {
        var doublings = Math.Clamp(failedLooks - 1, 0, 20);
        return TimeSpan.FromTicks(Math.Min(CredentialsMaxRetryDelay.Ticks, CredentialsFirstRetryDelay.Ticks << doublings));
    }

    /// <summary>
    /// Returns the credentials to sign with, resolving them on first use: the ones given in DI, else the
    /// explicitly named profile, else the default chain (<see cref="CloudMapCredentialChain"/>). The returned object
    /// refreshes itself (the signer calls GetCredentialsAsync for every request), so it is kept for the client's lifetime.
    /// </summary>
    /// <remarks>
    /// When no source has credentials, the failure is logged once per look (one line at Warning naming every source and
    /// why it had none; the sources' exceptions at Debug) and the sources are not asked again before
    /// <see cref="CredentialsRetryDelay"/> has passed: calls in between fail at once with the same message. Credentials
    /// never appear in a log or a message.
    /// </remarks>
    /// <exception cref="CloudMapException">No credentials could be resolved (code CredentialsUnavailable).</exception>
    public async ValueTask<AWSCredentials> GetCredentialsAsync(string? explicitProfile, TimeProvider timeProvider, ILogger logger, CancellationToken cancellationToken)
    {
        if (_explicitCredentials is not null)
        {
            return _explicitCredentials;
        }

        if (Volatile.Read(ref _resolved) is { } cached)
        {
            return cached;
        }

        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        await _credentialsLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_resolved is not null)
            {
                return _resolved;
            }

            var now = timeProvider.GetUtcNow();
            if (_failedLooks > 0 && now < _nextLookAt)
            {
                throw Unavailable(_lastLooked!, _nextLookAt - now);
            }

            var result = await CloudMapCredentialChain.CreateDefault(explicitProfile, this).ResolveAsync(cancellationToken).ConfigureAwait(false);
            if (result.Credentials is { } found)
            {
                var credentials = AssumeRole?.Wrap(found) ?? found;
                var detail = AssumeRole is null ? result.Looked[^1].Outcome : $"{result.Looked[^1].Outcome}, assuming role '{AssumeRole.RoleArn}'";
                CloudMapClientLog.CredentialsResolved(logger, result.SourceName!, detail, _failedLooks);
                _failedLooks = 0;
                _lastLooked = null;
                Volatile.Write(ref _resolved, credentials);
                return credentials;
            }

            _failedLooks++;
            var delay = CredentialsRetryDelay(_failedLooks);
            _nextLookAt = now + delay;
            _lastLooked = result.Describe();
            CloudMapClientLog.CredentialsUnavailable(logger, _failedLooks, _lastLooked, delay);
            if (result.Errors.Count > 0 && logger.IsEnabled(LogLevel.Debug))
            {
#pragma warning disable CA1873 // Guarded by IsEnabled just above; the analyzer does not see the guard.
                CloudMapClientLog.CredentialSourceErrors(logger, _failedLooks, new AggregateException(result.Errors));
#pragma warning restore CA1873
            }

            throw Unavailable(_lastLooked, delay);
        }
        finally
        {
            _credentialsLock.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _credentialsLock.Dispose();

    private static CloudMapException Unavailable(string looked, TimeSpan nextLookIn) => new(
        CloudMapErrorCodes.CredentialsUnavailable,
        string.Create(CultureInfo.InvariantCulture, $"No AWS credentials for Cloud Map; looked at: {looked}. Looking again in {nextLookIn:c}."),
        statusCode: null,
        requestId: null);

    private static AWSCredentials? ReadProfileCredentials(string profile, string? profilesLocation)
    {
        var chain = profilesLocation is null ? new CredentialProfileStoreChain() : new CredentialProfileStoreChain(profilesLocation);
        return chain.TryGetAWSCredentials(profile, out var credentials) ? credentials : null;
    }

    private static async ValueTask<AWSCredentials> FetchInstanceProfileAsync(CancellationToken cancellationToken)
    {
        var roles = await InstanceProfileAWSCredentials.GetAvailableRolesAsync(null).WaitAsync(cancellationToken).ConfigureAwait(false);
        var role = roles.FirstOrDefault() ?? throw new InvalidOperationException("the instance has no IAM role (instance profile).");
        var credentials = new InstanceProfileAWSCredentials(role);

        // Fetch once now, as the SDK's chain does: a role that cannot give credentials is not a source.
        _ = await credentials.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return credentials;
    }
}
