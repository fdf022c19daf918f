// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Sample.Baseline;

/// <summary>Where the baseline's own Cloud Map client sends its calls, and how it retries them.</summary>
/// <remarks>
/// The retry defaults are those of the library's client (and close to the AWS SDKs' standard mode), on purpose:
/// the benchmarks compare registration lifecycles, so both modes retry transient failures the same way.
/// </remarks>
public sealed class BaselineClientOptions
{
    /// <summary>Gets or sets the endpoint, such as the emulator's <c>http://127.0.0.1:4566</c>.</summary>
    /// <value>The default value is <see langword="null"/>: <c>https://servicediscovery.&lt;region&gt;.amazonaws.com</c>.</value>
    public Uri? ServiceUrl { get; set; }

    /// <summary>Gets or sets the AWS region the requests are signed for.</summary>
    /// <value>The default value is <see langword="null"/>: <c>AWS_REGION</c>, then <c>AWS_DEFAULT_REGION</c>.</value>
    public string? Region { get; set; }

    /// <summary>Gets or sets how many times a call is attempted in all.</summary>
    /// <value>The default value is 4.</value>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Gets or sets how long one attempt may take; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</summary>
    /// <value>The default value is 10 s.</value>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the base of the exponential backoff (full jitter).</summary>
    /// <value>The default value is 200 ms.</value>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets or sets the largest backoff delay.</summary>
    /// <value>The default value is 5 s.</value>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Reads <c>AWS:ServiceURL</c> and <c>AWS:Region</c>, the keys the AWS SDK for .NET reads.</summary>
    /// <param name="configuration">The app's configuration.</param>
    /// <returns>The options.</returns>
    public static BaselineClientOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new BaselineClientOptions
        {
            ServiceUrl = configuration["AWS:ServiceURL"] is { Length: > 0 } url ? new Uri(url) : null,
            Region = configuration["AWS:Region"] is { Length: > 0 } region ? region : null,
        };
    }
}
