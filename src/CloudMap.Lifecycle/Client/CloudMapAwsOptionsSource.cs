// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// The AWS settings an AWS .NET application already has, as the AWS SDK's own clients would read them
/// (AWSSDK.Extensions.NETCore.Setup): the <see cref="AWSOptions"/> registered in DI
/// (<c>services.AddDefaultAWSOptions(...)</c>), else the one <c>Configuration.GetAWSOptions()</c> reads from the
/// <c>AWS</c> section. One or the other, never a mix of both, so this library and the app's SDK clients talk to the
/// same endpoint and region with the same profile.
/// </summary>
/// <remarks>
/// Only read: no SDK client is created and nothing here asks the network. Read once, on first use (options
/// post-configuration or the credential lookup, both after the container is built).
/// </remarks>
internal sealed class CloudMapAwsOptionsSource
{
    private readonly Lazy<AWSOptions?> _options;

    /// <summary>Initializes a new instance of the <see cref="CloudMapAwsOptionsSource"/> class.</summary>
    /// <param name="registered">The <see cref="AWSOptions"/> registered in DI, if any; it wins over <paramref name="configuration"/>.</param>
    /// <param name="configuration">The app's configuration, read with <c>GetAWSOptions()</c> when nothing is registered.</param>
    public CloudMapAwsOptionsSource(AWSOptions? registered, IConfiguration? configuration)
    {
        IsRegistered = registered is not null;
        _options = new Lazy<AWSOptions?>(() => registered ?? Read(configuration), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Gets a value indicating whether the settings come from an <see cref="AWSOptions"/> registered in DI.</summary>
    public bool IsRegistered { get; }

    /// <summary>Gets the settings in effect, or <see langword="null"/> when neither DI nor configuration holds any.</summary>
    /// <exception cref="OptionsValidationException">A value of the <c>AWS</c> section cannot be read (the message names the key and the value).</exception>
    public AWSOptions? Options => _options.Value;

    /// <summary>Gets the profiles file named by the settings (<c>AWSOptions.ProfilesLocation</c> / <c>AWS:ProfilesLocation</c>), if any.</summary>
    public string? ProfilesLocation => Normalize(Options?.ProfilesLocation);

    /// <summary>
    /// How messages name a setting: <c>AWSOptions.DefaultClientConfig.ServiceURL</c> for a registered AWSOptions,
    /// configuration key <c>AWS:ServiceURL</c> otherwise.
    /// </summary>
    /// <param name="optionsPath">The property path under AWSOptions, e.g. <c>DefaultClientConfig.ServiceURL</c>.</param>
    /// <param name="configurationKey">The key under the AWS section, e.g. <c>ServiceURL</c>.</param>
    public string Describe(string optionsPath, string configurationKey) => IsRegistered
        ? $"AWSOptions.{optionsPath} (AWSOptions registered in DI)"
        : $"Configuration key '{CloudMapClientOptions.AwsConfigurationSectionName}:{configurationKey}'";

    /// <summary>
    /// The retry mode <paramref name="options"/> sets for the SDK's clients (<c>DefaultClientConfig.RetryMode</c>), as
    /// this library's: <c>Adaptive</c> as <see cref="CloudMapRetryMode.Adaptive"/>, <c>Standard</c> as
    /// <see cref="CloudMapRetryMode.Standard"/> (the closest: its retry quota and backoff); <see langword="null"/> when unset.
    /// </summary>
    public static CloudMapRetryMode? RetryModeOf(AWSOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RequestRetryMode? mode = options.DefaultClientConfig.RetryMode;
        return mode switch
        {
            null => null,
            RequestRetryMode.Adaptive => CloudMapRetryMode.Adaptive,
            _ => CloudMapRetryMode.Standard,
        };
    }

    /// <summary>Trims a setting; blank means unset.</summary>
    public static string? Normalize(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static AWSOptions? Read(IConfiguration? configuration)
    {
        var section = configuration?.GetSection(CloudMapClientOptions.AwsConfigurationSectionName);
        if (section is null || !section.GetChildren().Any())
        {
            return null;
        }

        // Checked before the SDK's reader, whose own message ("Invalid uri value for ServiceURL.") names neither the
        // key nor the value.
        if (Normalize(section["ServiceURL"]) is { } serviceUrl && !CloudMapServiceUrl.TryParse(serviceUrl, out _))
        {
            throw Invalid("ServiceURL", serviceUrl, $"which is not {CloudMapServiceUrl.Requirement}.");
        }

        try
        {
            return configuration!.GetAWSOptions(CloudMapClientOptions.AwsConfigurationSectionName);
        }
        catch (ConfigurationException ex)
        {
            throw Invalid(ex.PropertyName, ex.PropertyValue, $"which the AWS SDK cannot read: {ex.InnerException?.Message ?? ex.Message}");
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // The SDK says "Invalid integer value for Timeout.": find the key it means to name it with its value.
            var key = section.GetChildren().Select(static c => c.Key).FirstOrDefault(k => ex.Message.Contains($" for {k}.", StringComparison.OrdinalIgnoreCase));
            throw key is null
                ? new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(CloudMapClientOptions), [$"The '{CloudMapClientOptions.AwsConfigurationSectionName}' configuration section cannot be read by the AWS SDK: {ex.Message}"])
                : Invalid(key, section[key], $"which the AWS SDK cannot read: {ex.Message}");
        }
    }

    private static OptionsValidationException Invalid(string? key, string? value, string why) => new(
        Microsoft.Extensions.Options.Options.DefaultName,
        typeof(CloudMapClientOptions),
        [$"Configuration key '{CloudMapClientOptions.AwsConfigurationSectionName}:{key}' has value '{value}', {why}"]);
}
