// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// Fills the AWS settings left unset in code from what the app's AWS SDK clients read (<see cref="CloudMapAwsOptionsSource"/>:
/// the <c>AWSOptions</c> registered in DI, else the <c>AWS</c> configuration section). Runs as a post-configure step so
/// values set through <c>Configure</c> win whatever the registration order.
/// </summary>
internal sealed class CloudMapClientOptionsSetup : IPostConfigureOptions<CloudMapClientOptions>
{
    private readonly CloudMapAwsOptionsSource _source;

    /// <summary>Initializes a new instance of the <see cref="CloudMapClientOptionsSetup"/> class.</summary>
    public CloudMapClientOptionsSetup(CloudMapAwsOptionsSource source)
    {
        _source = source ?? throw new ArgumentNullException(nameof(source));
    }

    /// <inheritdoc />
    public void PostConfigure(string? name, CloudMapClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (_source.Options is not { } aws)
        {
            return;
        }

        // IConfiguration keys are case-insensitive, so "region", "REGION" and "Region" all bind (GetAWSOptions reads them so).
        options.Region ??= CloudMapAwsOptionsSource.Normalize(aws.Region?.SystemName);
        options.Profile ??= CloudMapAwsOptionsSource.Normalize(aws.Profile);
        options.AuthenticationRegion ??= CloudMapAwsOptionsSource.Normalize(aws.DefaultClientConfig.AuthenticationRegion);
        options.DisableHostPrefixInjection |= aws.DefaultClientConfig.DisableHostPrefixInjection == true;
        if (!options.IsRetryModeSet && _source.IsRegistered && CloudMapAwsOptionsSource.RetryModeOf(aws) is { } retryMode)
        {
            // Only from an AWSOptions registered in DI: there the app chose it for its SDK clients (issue 15).
            options.RetryMode = retryMode;
        }
        if (options.ServiceUrl is null && CloudMapAwsOptionsSource.Normalize(aws.DefaultClientConfig.ServiceURL) is { } serviceUrl)
        {
            options.ServiceUrl = CloudMapServiceUrl.TryParse(serviceUrl, out var uri)
                ? uri
                : throw new OptionsValidationException(
                    Options.DefaultName,
                    typeof(CloudMapClientOptions),
                    [$"{_source.Describe("DefaultClientConfig.ServiceURL", "ServiceURL")} has value '{serviceUrl}', which is not {CloudMapServiceUrl.Requirement}."]);
        }
    }
}
