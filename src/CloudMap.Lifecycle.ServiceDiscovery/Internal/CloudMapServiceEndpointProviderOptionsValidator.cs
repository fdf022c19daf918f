// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.ServiceDiscovery.Internal;

/// <summary>Validates the provider's options on start; every message names the key and the value.</summary>
internal sealed class CloudMapServiceEndpointProviderOptionsValidator(CloudMapDiscoveryConfigurationPath path) : IValidateOptions<CloudMapServiceEndpointProviderOptions>
{
    private const int MaxNamespaceLength = 1024;
    private const int MaxAttributeKeyLength = 255;
    private const int MaxAttributeValueLength = 1024;

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, CloudMapServiceEndpointProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var p = path.Path;
        var builder = new ValidateOptionsResultBuilder();
        if (string.IsNullOrWhiteSpace(options.DefaultNamespace) && options.Namespaces.Count == 0)
        {
            builder.AddError($"{p}:DefaultNamespace is not set and {p}:Namespaces is empty, so the Cloud Map provider would resolve no name; set {p}:DefaultNamespace (for example 'shop.local') or list the namespaces in {p}:Namespaces.");
        }

        if (options.DefaultNamespace is { } defaultNamespace)
        {
            CheckNamespace(builder, $"{p}:DefaultNamespace", defaultNamespace);
        }

        for (var i = 0; i < options.Namespaces.Count; i++)
        {
            CheckNamespace(builder, string.Create(CultureInfo.InvariantCulture, $"{p}:Namespaces:{i}"), options.Namespaces[i]);
        }

        foreach (var (key, value) in options.QueryParameters)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length > MaxAttributeKeyLength || key.Any(c => c is < '!' or > '~'))
            {
                builder.AddError($"{p}:QueryParameters has the key '{key}'; an attribute key is 1 to {MaxAttributeKeyLength} printable ASCII characters without spaces.");
            }
            else if (string.IsNullOrEmpty(value) || value.Length > MaxAttributeValueLength || value.Any(c => c is < ' ' or > '~'))
            {
                builder.AddError($"{p}:QueryParameters:{key} is '{value}'; an attribute value is 1 to {MaxAttributeValueLength} printable ASCII characters.");
            }
        }

        if (!Enum.IsDefined(options.HealthFilter))
        {
            builder.AddError($"{p}:HealthFilter is '{options.HealthFilter}'; the valid values are {string.Join(", ", Enum.GetNames<CloudMapDiscoveryHealthFilter>())}.");
        }

        var revisionOk = Range(builder, $"{p}:RevisionInterval", options.RevisionInterval, CloudMapServiceEndpointProviderOptions.MinRevisionInterval, CloudMapServiceEndpointProviderOptions.MaxRevisionInterval);
        var refreshOk = Range(builder, $"{p}:RefreshInterval", options.RefreshInterval, CloudMapServiceEndpointProviderOptions.MinRefreshInterval, CloudMapServiceEndpointProviderOptions.MaxRefreshInterval);
        if (revisionOk && refreshOk && options.RevisionInterval > options.RefreshInterval)
        {
            builder.AddError(Invariant($"{p}:RevisionInterval ({options.RevisionInterval}) is longer than {p}:RefreshInterval ({options.RefreshInterval}); the revision is the cheap check between full refreshes, so it must not be the rarer one."));
        }

        if (revisionOk)
        {
            Range(builder, $"{p}:MaxBackoff", options.MaxBackoff, options.RevisionInterval, CloudMapServiceEndpointProviderOptions.MaxRefreshInterval);
        }

        return builder.Build();
    }

    private static void CheckNamespace(ValidateOptionsResultBuilder builder, string key, string value)
    {
        var trimmed = value.TrimEnd('.');
        if (trimmed.Length == 0 || trimmed.Length > MaxNamespaceLength || trimmed.Contains("://", StringComparison.Ordinal)
            || trimmed.Any(c => char.IsWhiteSpace(c) || c is '/' or ':' or '_') || trimmed.StartsWith('.'))
        {
            builder.AddError($"{key} is '{value}'; it must be a Cloud Map namespace name (its HttpName), for example 'shop.local'.");
        }
    }

    private static bool Range(ValidateOptionsResultBuilder builder, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value >= min && value <= max)
        {
            return true;
        }

        builder.AddError(Invariant($"{key} is {value}; it must be between {min} and {max}."));
        return false;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
