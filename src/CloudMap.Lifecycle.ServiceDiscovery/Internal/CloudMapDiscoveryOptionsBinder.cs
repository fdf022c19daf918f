// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Internal;
using Microsoft.Extensions.Configuration;

namespace CloudMap.Lifecycle.ServiceDiscovery.Internal;

/// <summary>
/// Binds the provider's section the way the registration binds <c>CloudMap</c>: an unknown key or a value that does not
/// convert fails with the full key and the nearest valid one (the library's <see cref="ConfigurationKeyChecker"/>).
/// <c>Namespaces</c> is a list (<c>Namespaces:0</c>, …) or one comma-separated value.
/// </summary>
internal static class CloudMapDiscoveryOptionsBinder
{
    /// <exception cref="InvalidOperationException">A key is unknown or a value does not convert.</exception>
    public static void Bind(CloudMapServiceEndpointProviderOptions options, IConfigurationSection section)
    {
        const string NamespacesKey = nameof(CloudMapServiceEndpointProviderOptions.Namespaces);
        var problems = new List<string>();
        var namespaces = section.GetSection(NamespacesKey);
        var prefix = namespaces.Path + ConfigurationPath.KeyDelimiter;
        var rest = section.AsEnumerable()
            .Where(kv => kv.Value is not null
                && !string.Equals(kv.Key, namespaces.Path, StringComparison.OrdinalIgnoreCase)
                && !kv.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
        var source = new ConfigurationBuilder().AddInMemoryCollection(rest).Build().GetSection(section.Path);
        problems.AddRange(ConfigurationKeyChecker.Check(source, section.Path, typeof(CloudMapServiceEndpointProviderOptions)));
        foreach (var child in namespaces.GetChildren())
        {
            if (!int.TryParse(child.Key, out _) || child.GetChildren().Any())
            {
                problems.Add($"{child.Path} is not a known setting: {namespaces.Path} is a list of namespace names ({namespaces.Path}:0, {namespaces.Path}:1, …) or one comma-separated value.");
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", problems));
        }

        source.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        var listed = namespaces.Value is { Length: > 0 } single
            ? single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : namespaces.GetChildren().Select(c => c.Value).OfType<string>();
        foreach (var name in listed)
        {
            if (!options.Namespaces.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                options.Namespaces.Add(name);
            }
        }
    }
}
