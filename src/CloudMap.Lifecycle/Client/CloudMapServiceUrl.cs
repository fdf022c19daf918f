// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Client;

/// <summary>
/// The one rule for <see cref="CloudMapClientOptions.ServiceUrl"/>: an absolute <c>http</c> or <c>https</c> URL. Used by
/// the <c>AWS:ServiceURL</c> configuration reader, the options validator and the endpoint builder.
/// </summary>
internal static class CloudMapServiceUrl
{
    /// <summary>What the rule requires, for messages: "an absolute http or https URL".</summary>
    public const string Requirement = "an absolute http or https URL";

    /// <summary>Gets a value indicating whether <paramref name="url"/> satisfies the rule.</summary>
    public static bool IsValid(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);
    }

    /// <summary>Parses configuration text into a URL that satisfies the rule.</summary>
    public static bool TryParse(string text, out Uri url)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out var parsed) && IsValid(parsed))
        {
            url = parsed;
            return true;
        }

        url = null!;
        return false;
    }
}
