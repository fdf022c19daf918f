// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Client;

/// <summary>Validates the retry settings of <see cref="CloudMapClientOptions"/>; messages name the property and the value.</summary>
internal sealed class CloudMapClientOptionsValidator : IValidateOptions<CloudMapClientOptions>
{
    private static readonly TimeSpan MinAttemptTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxAttemptTimeout = TimeSpan.FromDays(1);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, CloudMapClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        if (options.MaxAttempts is < 1 or > 20)
        {
            builder.AddError($"CloudMapClientOptions.MaxAttempts must be between 1 and 20; it is {options.MaxAttempts}.", nameof(options.MaxAttempts));
        }

        if (options.AttemptTimeout != Timeout.InfiniteTimeSpan && (options.AttemptTimeout < MinAttemptTimeout || options.AttemptTimeout > MaxAttemptTimeout))
        {
            builder.AddError($"CloudMapClientOptions.AttemptTimeout must be between 10 ms and 1 day, or Timeout.InfiniteTimeSpan; it is {options.AttemptTimeout}.", nameof(options.AttemptTimeout));
        }

        if (options.BaseDelay < TimeSpan.Zero)
        {
            builder.AddError($"CloudMapClientOptions.BaseDelay must not be negative; it is {options.BaseDelay}.", nameof(options.BaseDelay));
        }

        if (options.MaxDelay < options.BaseDelay)
        {
            builder.AddError($"CloudMapClientOptions.MaxDelay ({options.MaxDelay}) must not be less than BaseDelay ({options.BaseDelay}).", nameof(options.MaxDelay));
        }

        if (options.ServiceUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            builder.AddError($"CloudMapClientOptions.ServiceUrl must be an absolute http or https URL; it is '{url}'.", nameof(options.ServiceUrl));
        }

        return builder.Build();
    }
}
