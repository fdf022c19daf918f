// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// Fills the AWS settings left unset in code from the <c>AWS</c> configuration section. Runs as a
/// post-configure step so values set through <c>Configure</c> win whatever the registration order.
/// </summary>
internal sealed class CloudMapClientOptionsSetup : IPostConfigureOptions<CloudMapClientOptions>
{
    private readonly IConfiguration? _configuration;

    /// <summary>Initializes a new instance of the <see cref="CloudMapClientOptionsSetup"/> class.</summary>
    public CloudMapClientOptionsSetup(IConfiguration? configuration = null)
    {
        _configuration = configuration;
    }

    /// <inheritdoc />
    public void PostConfigure(string? name, CloudMapClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (_configuration is null)
        {
            return;
        }

        // IConfiguration keys are case-insensitive, so "region", "REGION" and "Region" all bind.
        var section = _configuration.GetSection(CloudMapClientOptions.AwsConfigurationSectionName);
        options.Region ??= NullIfEmpty(section["Region"]);
        options.Profile ??= NullIfEmpty(section["Profile"]);
        if (options.ServiceUrl is null && NullIfEmpty(section["ServiceURL"]) is { } serviceUrl)
        {
            options.ServiceUrl = CloudMapServiceUrl.TryParse(serviceUrl, out var uri)
                ? uri
                : throw new OptionsValidationException(
                    Options.DefaultName,
                    typeof(CloudMapClientOptions),
                    [$"Configuration key '{CloudMapClientOptions.AwsConfigurationSectionName}:ServiceURL' has value '{serviceUrl}', which is not {CloudMapServiceUrl.Requirement}."]);
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
