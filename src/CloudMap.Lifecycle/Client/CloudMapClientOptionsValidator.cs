// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// Validates the values of <see cref="CloudMapClientOptions"/> against the limits declared next to its properties;
/// messages name the property and the value. Whether the endpoint can be resolved is <see cref="CloudMapEndpointValidator"/>'s job.
/// </summary>
internal sealed class CloudMapClientOptionsValidator : IValidateOptions<CloudMapClientOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, CloudMapClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        if (options.MaxAttempts is < CloudMapClientOptions.MinimumMaxAttempts or > CloudMapClientOptions.MaximumMaxAttempts)
        {
            builder.AddError($"CloudMapClientOptions.MaxAttempts must be between {CloudMapClientOptions.MinimumMaxAttempts} and {CloudMapClientOptions.MaximumMaxAttempts}; it is {options.MaxAttempts}.", nameof(options.MaxAttempts));
        }

        if (options.AttemptTimeout != Timeout.InfiniteTimeSpan
            && (options.AttemptTimeout < CloudMapClientOptions.MinimumAttemptTimeout || options.AttemptTimeout > CloudMapClientOptions.MaximumAttemptTimeout))
        {
            builder.AddError($"CloudMapClientOptions.AttemptTimeout must be between {CloudMapClientOptions.MinimumAttemptTimeout} and {CloudMapClientOptions.MaximumAttemptTimeout}, or Timeout.InfiniteTimeSpan; it is {options.AttemptTimeout}.", nameof(options.AttemptTimeout));
        }

        if (options.BaseDelay < TimeSpan.Zero)
        {
            builder.AddError($"CloudMapClientOptions.BaseDelay must not be negative; it is {options.BaseDelay}.", nameof(options.BaseDelay));
        }

        if (options.MaxDelay < options.BaseDelay)
        {
            builder.AddError($"CloudMapClientOptions.MaxDelay ({options.MaxDelay}) must not be less than BaseDelay ({options.BaseDelay}).", nameof(options.MaxDelay));
        }

        if (!Enum.IsDefined(options.RetryMode))
        {
            builder.AddError($"CloudMapClientOptions.RetryMode must be Standard or Adaptive; it is {(int)options.RetryMode}.", nameof(options.RetryMode));
        }

        if (options.ServiceUrl is { } url && !CloudMapServiceUrl.IsValid(url))
        {
            builder.AddError($"CloudMapClientOptions.ServiceUrl must be {CloudMapServiceUrl.Requirement}; it is '{url}'.", nameof(options.ServiceUrl));
        }

        return builder.Build();
    }
}
