// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Runtime;
using CloudMap.Lifecycle.Identity;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// The credential sources asked when no credentials are registered in DI, in AWSSDK.Core 4.0's default order
/// (<c>DefaultAWSCredentialsIdentityResolver</c>): environment variables, web identity, the shared profile, ECS/EKS
/// container credentials, EC2 instance profile. Each source says what it found or why not, so a failure names every
/// place that was looked at.
/// </summary>
/// <remarks>
/// Built here rather than taken from the SDK for one reason: the SDK's last step asks 169.254.169.254 on every host
/// (three tries with 5 s timeouts, then a background timer every 2 minutes for the life of the process). Here the EC2
/// step asks IMDSv2 only where it can answer: an endpoint is configured (<c>AWS_EC2_METADATA_SERVICE_ENDPOINT</c>) or
/// the host shows a sign of EC2 (<see cref="Ec2HostEvidence"/>); <c>AWS_EC2_METADATA_DISABLED=true</c> skips it as in
/// the SDK. A named profile that does not exist ends the chain, as in the SDK (it must not fall through to a role).
/// </remarks>
internal sealed class CloudMapCredentialChain
{
    /// <summary>Initializes a new instance of the <see cref="CloudMapCredentialChain"/> class.</summary>
    public CloudMapCredentialChain(IReadOnlyList<Source> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        Sources = sources;
    }

    /// <summary>Gets the sources, in the order they are asked.</summary>
    public IReadOnlyList<Source> Sources { get; }

    /// <summary>
    /// The default chain: <paramref name="explicitProfile"/> alone when it is set (as <c>AWS:Profile</c> means), else the
    /// SDK's order, read through <paramref name="environment"/>'s seams.
    /// </summary>
    public static CloudMapCredentialChain CreateDefault(string? explicitProfile, CloudMapClientEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var env = environment.GetEnvironmentVariable;
        if (!string.IsNullOrWhiteSpace(explicitProfile))
        {
            return new CloudMapCredentialChain([ProfileSource(explicitProfile.Trim(), "AWS:Profile (or AWSOptions.Profile, CloudMapClientOptions.Profile)", environment)]);
        }

        var profileFromEnvironment = Normalize(env("AWS_PROFILE"));
        return new CloudMapCredentialChain(
        [
            EnvironmentSource(env),
            WebIdentitySource(env),
            ProfileSource(profileFromEnvironment ?? CloudMapRegionResolver.DefaultProfileName, profileFromEnvironment is null ? null : "AWS_PROFILE", environment),
            ContainerSource(env),
            InstanceProfileSource(environment),
        ]);
    }

    /// <summary>Asks each source in turn until one has credentials or one ends the chain.</summary>
    public async Task<Result> ResolveAsync(CancellationToken cancellationToken)
    {
        var looked = new List<(string Source, string Outcome)>(Sources.Count);
        var errors = new List<Exception>();
        foreach (var source in Sources)
        {
            Lookup lookup;
            try
            {
                lookup = await source.LookAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                lookup = Lookup.Failed(ex.Message, ex);
            }

            looked.Add((source.Name, lookup.Outcome));
            if (lookup.Error is { } error)
            {
                errors.Add(error);
            }

            if (lookup.Credentials is { } credentials)
            {
                return new Result(credentials, source.Name, looked, errors);
            }

            if (lookup.EndsChain)
            {
                break;
            }
        }

        return new Result(null, null, looked, errors);
    }

    private static Source EnvironmentSource(Func<string, string?> env) => new("environment variables", _ =>
    {
        var accessKey = Normalize(env("AWS_ACCESS_KEY_ID"));
        var secretKey = Normalize(env("AWS_SECRET_ACCESS_KEY")) ?? Normalize(env("AWS_SECRET_KEY"));
        if (accessKey is null)
        {
            return ValueTask.FromResult(Lookup.NotThere("AWS_ACCESS_KEY_ID is not set"));
        }

        if (secretKey is null)
        {
            return ValueTask.FromResult(Lookup.NotThere("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"));
        }

        var sessionToken = Normalize(env("AWS_SESSION_TOKEN"));
        AWSCredentials credentials = sessionToken is null
            ? new BasicAWSCredentials(accessKey, secretKey)
            : new SessionAWSCredentials(accessKey, secretKey, sessionToken);
        return ValueTask.FromResult(Lookup.Found(credentials, sessionToken is null ? "AWS_ACCESS_KEY_ID" : "AWS_ACCESS_KEY_ID with AWS_SESSION_TOKEN"));
    });

    private static Source WebIdentitySource(Func<string, string?> env) => new("web identity", _ =>
    {
        var tokenFile = Normalize(env("AWS_WEB_IDENTITY_TOKEN_FILE"));
        var roleArn = Normalize(env("AWS_ROLE_ARN"));
        if (tokenFile is null || roleArn is null)
        {
            return ValueTask.FromResult(Lookup.NotThere(tokenFile is null ? "AWS_WEB_IDENTITY_TOKEN_FILE is not set" : "AWS_ROLE_ARN is not set"));
        }

        // Lazy, as in the SDK: the token is exchanged with STS when the first request is signed.
        var credentials = new AssumeRoleWithWebIdentityCredentials(tokenFile, roleArn, Normalize(env("AWS_ROLE_SESSION_NAME")));
        return ValueTask.FromResult(Lookup.Found(credentials, $"role '{roleArn}'"));
    });

    private static Source ProfileSource(string profile, string? namedBy, CloudMapClientEnvironment environment)
        => new($"profile '{profile}'", _ =>
        {
            var files = environment.ProfilesLocation is { } location ? $"'{location}' (ProfilesLocation)" : "the shared AWS credentials or config file";
            if (environment.GetProfileCredentials(profile) is { } credentials)
            {
                return ValueTask.FromResult(Lookup.Found(credentials, environment.ProfilesLocation is null ? "the shared AWS files" : files));
            }

            // A profile someone named must exist; only the implicit "default" may be absent (the SDK's rule too).
            return ValueTask.FromResult(namedBy is null
                ? Lookup.NotThere($"not in {files}")
                : Lookup.NotThere($"named by {namedBy} but not in {files}; nothing else was asked") with { EndsChain = true });
        });

    private static Source ContainerSource(Func<string, string?> env) => new("ECS container credentials", _ =>
    {
        var relative = Normalize(env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"));
        var full = Normalize(env("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
        if (relative is null && full is null)
        {
            return ValueTask.FromResult(Lookup.NotThere("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set"));
        }

        // Lazy, as in the SDK: the container endpoint is asked when the first request is signed.
        return ValueTask.FromResult(Lookup.Found(new GenericContainerCredentials(), relative is not null ? "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" : "AWS_CONTAINER_CREDENTIALS_FULL_URI"));
    });

    private static Source InstanceProfileSource(CloudMapClientEnvironment environment) => new("EC2 instance profile", async cancellationToken =>
    {
        var env = environment.GetEnvironmentVariable;
        if (InstanceIdentityResolverOptions.IsEc2MetadataDisabled(env))
        {
            return Lookup.NotThere("not asked: AWS_EC2_METADATA_DISABLED is true");
        }

        var configured = InstanceIdentityResolverOptions.ConfiguredImdsBaseUri(env);
        var evidence = configured is null ? Ec2HostEvidence.Find(environment.ReadPlatformFile) : null;
        if (configured is null && evidence is null)
        {
            return Lookup.NotThere("not asked: no sign of an EC2 host (DMI sys_vendor, board_asset_tag, hypervisor uuid) and AWS_EC2_METADATA_SERVICE_ENDPOINT is not set");
        }

        var where = configured is not null ? $"IMDSv2 at '{configured}'" : $"IMDSv2, the host looking like EC2 by {evidence}";
        try
        {
            var credentials = await environment.FetchInstanceProfileCredentials(cancellationToken).ConfigureAwait(false);
            return Lookup.Found(credentials, where);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            return Lookup.Failed($"{where}: {ex.Message}", ex);
        }
    });

    private static string? Normalize(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>One place credentials may come from.</summary>
    /// <param name="Name">How messages name it, e.g. <c>environment variables</c>.</param>
    /// <param name="LookAsync">Looks; returns what it found, never throws for "not there".</param>
    internal sealed record Source(string Name, Func<CancellationToken, ValueTask<Lookup>> LookAsync);

    /// <summary>What one source said. <see cref="Outcome"/> never contains a secret: names of variables, files, profiles, roles.</summary>
    internal readonly record struct Lookup(AWSCredentials? Credentials, string Outcome, Exception? Error, bool EndsChain)
    {
        public static Lookup Found(AWSCredentials credentials, string from) => new(credentials, "found in " + from, null, false);

        public static Lookup NotThere(string why) => new(null, why, null, false);

        public static Lookup Failed(string why, Exception error) => new(null, why, error, false);
    }

    /// <summary>The chain's answer: credentials and where from, or nothing and every place looked at.</summary>
    internal sealed record Result(AWSCredentials? Credentials, string? SourceName, IReadOnlyList<(string Source, string Outcome)> Looked, IReadOnlyList<Exception> Errors)
    {
        /// <summary>Every place looked at with its outcome, on one line.</summary>
        public string Describe() => string.Join("; ", Looked.Select(static l => $"{l.Source} ({l.Outcome})"));
    }
}
