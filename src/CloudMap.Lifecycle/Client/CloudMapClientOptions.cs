// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle;

/// <summary>
/// How the library reaches AWS Cloud Map: region, profile, endpoint and retry behaviour.
/// </summary>
/// <remarks>
/// Values set in code always win. Unset <see cref="Region"/>, <see cref="Profile"/> and <see cref="ServiceUrl"/> (and a
/// <see cref="DisableHostPrefixInjection"/> left <see langword="false"/>) are filled from what the AWS SDK for .NET's own
/// clients read: the <c>AWSOptions</c> registered with <c>services.AddDefaultAWSOptions(...)</c>
/// (AWSSDK.Extensions.NETCore.Setup), or, when none is registered, the <c>AWS</c> configuration section read as
/// <c>Configuration.GetAWSOptions()</c> reads it (keys <c>Region</c>, <c>Profile</c>, <c>ProfilesLocation</c>,
/// <c>ServiceURL</c>, <c>AuthenticationRegion</c>, <c>DisableHostPrefixInjection</c>). A registered <c>AWSOptions</c>
/// replaces the section; the two are not mixed. The options are only read: the client keeps its own signing and retries.
/// </remarks>
public sealed class CloudMapClientOptions
{
    private CloudMapRetryMode _retryMode = CloudMapRetryMode.Adaptive;

    /// <summary>The configuration section AWS settings are read from: <c>AWS</c>.</summary>
    public const string AwsConfigurationSectionName = "AWS";

    /// <summary>The default for <see cref="MaxAttempts"/>: 4.</summary>
    public const int DefaultMaxAttempts = 4;

    /// <summary>The default for <see cref="AttemptTimeout"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultAttemptTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The default for <see cref="BaseDelay"/>: 200 milliseconds.</summary>
    public static readonly TimeSpan DefaultBaseDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>The default for <see cref="MaxDelay"/>: 5 seconds.</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the AWS region, such as <c>eu-west-1</c>.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: the region comes from the registered <c>AWSOptions.Region</c> (else
    /// configuration <c>AWS:Region</c>), then the environment variables <c>AWS_REGION</c> and <c>AWS_DEFAULT_REGION</c>,
    /// then the AWS profile. EC2 instance metadata is never asked.
    /// </value>
    public string? Region { get; set; }

    /// <summary>Gets or sets the name of the AWS shared-config profile to read credentials and region from.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: the registered <c>AWSOptions.Profile</c> (else <c>AWS:Profile</c>), then
    /// <c>AWS_PROFILE</c>, then <c>default</c>. The profile files are read from <c>AWSOptions.ProfilesLocation</c> (else
    /// <c>AWS:ProfilesLocation</c>) when set, else the SDK's default locations.
    /// </value>
    public string? Profile { get; set; }

    /// <summary>
    /// Gets or sets a custom endpoint, such as the CloudMap.Lifecycle emulator at <c>http://127.0.0.1:5000</c>.
    /// Requests are still signed for <see cref="Region"/>.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: the registered <c>AWSOptions.DefaultClientConfig.ServiceURL</c> (else
    /// <c>AWS:ServiceURL</c>), else <c>https://servicediscovery.&lt;region&gt;.amazonaws.com</c>. When set, an absolute
    /// <c>http</c> or <c>https</c> URL.
    /// </value>
    public Uri? ServiceUrl { get; set; }

    /// <summary>
    /// Gets or sets the region requests are signed for when it differs from <see cref="Region"/> (the AWS SDK's
    /// <c>AuthenticationRegion</c>). Filled only from <c>AWSOptions.DefaultClientConfig.AuthenticationRegion</c> or
    /// <c>AWS:AuthenticationRegion</c>. With a <see cref="ServiceUrl"/> it also stands in for a missing region.
    /// </summary>
    internal string? AuthenticationRegion { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the <c>data-</c> host prefix of DiscoverInstances and
    /// DiscoverInstancesRevision is left off. Set it when <see cref="ServiceUrl"/> points at a single host
    /// (an emulator) that serves both planes.
    /// </summary>
    /// <value>
    /// The default value is <see langword="false"/>, as in the AWS SDKs; <see langword="true"/> also when the registered
    /// <c>AWSOptions.DefaultClientConfig.DisableHostPrefixInjection</c> (else <c>AWS:DisableHostPrefixInjection</c>) is.
    /// </value>
    public bool DisableHostPrefixInjection { get; set; }

    /// <summary>The smallest <see cref="MaxAttempts"/>: 1 (no retries).</summary>
    public const int MinimumMaxAttempts = 1;

    /// <summary>The largest <see cref="MaxAttempts"/>: 20.</summary>
    public const int MaximumMaxAttempts = 20;

    /// <summary>The shortest <see cref="AttemptTimeout"/> other than <see cref="Timeout.InfiniteTimeSpan"/>: 10 milliseconds.</summary>
    public static readonly TimeSpan MinimumAttemptTimeout = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest <see cref="AttemptTimeout"/> other than <see cref="Timeout.InfiniteTimeSpan"/>: 1 day.</summary>
    public static readonly TimeSpan MaximumAttemptTimeout = TimeSpan.FromDays(1);

    /// <summary>Gets or sets how many times a call is attempted in all, the first attempt included.</summary>
    /// <value>
    /// The default value is <see cref="DefaultMaxAttempts"/> (4). 1 turns retries off. Between
    /// <see cref="MinimumMaxAttempts"/> (1) and <see cref="MaximumMaxAttempts"/> (20).
    /// </value>
    public int MaxAttempts { get; set; } = DefaultMaxAttempts;

    /// <summary>Gets or sets how long one attempt (sending and reading the answer) may take before it is abandoned and retried.</summary>
    /// <value>
    /// The default value is <see cref="DefaultAttemptTimeout"/> (5 s: half of the default deregistration budget, so a retry after one hung answer still fits). Between <see cref="MinimumAttemptTimeout"/> (10 ms)
    /// and <see cref="MaximumAttemptTimeout"/> (1 day), or <see cref="Timeout.InfiniteTimeSpan"/>, which turns the limit off.
    /// </value>
    public TimeSpan AttemptTimeout { get; set; } = DefaultAttemptTimeout;

    /// <summary>Gets or sets the base of the exponential backoff between attempts (full jitter: a random delay up to <c>BaseDelay × 2^retry</c>).</summary>
    /// <value>
    /// The default value is <see cref="DefaultBaseDelay"/> (200 ms). Not negative. After a throttling answer the
    /// backoff starts from 1 s even when this is smaller.
    /// </value>
    public TimeSpan BaseDelay { get; set; } = DefaultBaseDelay;

    /// <summary>Gets or sets how calls are retried and paced: the AWS SDKs' retry modes.</summary>
    /// <value>
    /// The default value is <see cref="CloudMapRetryMode.Adaptive"/>: retries limited by the retry quota, and a rate
    /// limiter per endpoint and process that learns the account's rate from throttling (nothing is held back until the
    /// first throttling answer; a deregistration at stop by at most a quarter of what is left of its budget).
    /// <see cref="CloudMapRetryMode.Standard"/> turns the limiter off and keeps the quota. When this is not set (in code
    /// or configuration) and an <c>AWSOptions</c> is registered in DI whose <c>DefaultClientConfig.RetryMode</c> is set,
    /// that mode is used.
    /// </value>
    public CloudMapRetryMode RetryMode
    {
        get => _retryMode;
        set
        {
            _retryMode = value;
            IsRetryModeSet = true;
        }
    }

    /// <summary>Gets a value indicating whether <see cref="RetryMode"/> was set (in code or by configuration binding).</summary>
    internal bool IsRetryModeSet { get; private set; }

    /// <summary>
    /// Gets or sets a name that gives these clients a pace of their own (their own retry quota and rate limiter) instead
    /// of the one every client of the process shares for the endpoint. For scenarios that run many simulated
    /// processes in one; <see langword="null"/> (the default) in an app.
    /// </summary>
    internal string? PacingScope { get; set; }

    /// <summary>Gets or sets the upper bound of the backoff delay between attempts.</summary>
    /// <value>The default value is <see cref="DefaultMaxDelay"/> (5 s). Not less than <see cref="BaseDelay"/>.</value>
    public TimeSpan MaxDelay { get; set; } = DefaultMaxDelay;
}
