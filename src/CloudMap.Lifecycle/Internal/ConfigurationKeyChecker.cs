// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace CloudMap.Lifecycle.Internal;

/// <summary>
/// Checks a configuration section against an options type before it is bound, so that a typo or a bad value gives a
/// message a user can act on: the full key (<c>CloudMap:Readines</c>) and the nearest valid one ("did you mean
/// <c>CloudMap:Readiness</c>?"), or the value and what the setting accepts (the valid values of an enum). The
/// binder's own errors (<c>ErrorOnUnknownConfiguration</c>) name neither the full key nor the valid values.
/// </summary>
/// <remarks>
/// The settings are the options type's public properties the binder binds (delegates are set in code only);
/// dictionaries (<c>Attributes</c>) take any key; nested options types are checked recursively.
/// </remarks>
internal static class ConfigurationKeyChecker
{
    /// <summary>Returns one message per unknown key or value that cannot be converted, in configuration order.</summary>
    public static IReadOnlyList<string> Check(IConfiguration section, string path, Type optionsType)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(optionsType);
        var problems = new List<string>();
        CheckNode(section, path, optionsType, problems);
        return problems;
    }

    /// <summary>The Levenshtein distance between two keys, ignoring case.</summary>
    internal static int Distance(string a, string b)
    {
        a = a.ToUpperInvariant();
        b = b.ToUpperInvariant();
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>The valid key nearest to <paramref name="key"/>, if one is near enough to be a likely typo.</summary>
    internal static string? Nearest(string key, IEnumerable<string> valid)
    {
        var names = valid.ToList();

        // A truncated key ("Namespace" for "NamespaceName") is a likelier mistake than any edit-distance neighbour.
        if (key.Length >= 3 && names.FirstOrDefault(v => v.StartsWith(key, StringComparison.OrdinalIgnoreCase)) is { } extended)
        {
            return extended;
        }

        var best = names
            .Select(v => (Name: v, Distance: Distance(key, v)))
            .OrderBy(c => c.Distance)
            .FirstOrDefault();
        var tolerance = Math.Max(2, key.Length / 3);
        return best.Name is not null && best.Distance <= tolerance ? best.Name : null;
    }

    private static void CheckNode(IConfiguration node, string path, Type type, List<string> problems)
    {
        var settings = Settings(type);
        foreach (var child in node.GetChildren())
        {
            var childPath = path + ConfigurationPath.KeyDelimiter + child.Key;
            var property = settings.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                problems.Add(UnknownKey(childPath, path, child.Key, settings.Select(p => p.Name)));
                continue;
            }

            var propertyType = property.PropertyType;
            if (IsDictionary(propertyType))
            {
                continue;
            }

            if (IsNested(propertyType))
            {
                CheckNode(child, childPath, propertyType, problems);
                continue;
            }

            foreach (var grandChild in child.GetChildren())
            {
                problems.Add($"{childPath}{ConfigurationPath.KeyDelimiter}{grandChild.Key} is not a known setting: {childPath} takes a single value.");
            }

            if (child.Value is { } value && Convert(value, propertyType) is { } problem)
            {
                problems.Add($"{childPath} is '{value}'; {problem}");
            }
        }
    }

    private static string UnknownKey(string childPath, string parentPath, string key, IEnumerable<string> valid)
    {
        var names = valid.ToList();
        return Nearest(key, names) is { } nearest
            ? $"{childPath} is not a known setting ('{key}' does not exist under {parentPath}); did you mean {parentPath}{ConfigurationPath.KeyDelimiter}{nearest}?"
            : $"{childPath} is not a known setting ('{key}' does not exist under {parentPath}); the settings under {parentPath} are {string.Join(", ", names)}.";
    }

    /// <summary>Returns why <paramref name="value"/> cannot be bound to <paramref name="type"/>, or <see langword="null"/>.</summary>
    private static string? Convert(string value, Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null && value.Length == 0)
        {
            return null;
        }

        var target = underlying ?? type;
        if (target == typeof(string))
        {
            return null;
        }

        if (target.IsEnum)
        {
            // Names only, in any case; a number is accepted only when it names a value (the binder would take any).
            return Enum.TryParse(target, value, ignoreCase: true, out var parsed) && Enum.IsDefined(target, parsed!)
                ? null
                : $"the valid values are {string.Join(", ", Enum.GetNames(target))}.";
        }

        try
        {
            _ = TypeDescriptor.GetConverter(target).ConvertFromInvariantString(value);
            return null;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException or OverflowException
            || ex.InnerException is FormatException or OverflowException)
        {
            return target == typeof(TimeSpan) ? "it must be a duration such as 00:00:10 ([d.]hh:mm:ss[.fff])."
                : target == typeof(bool) ? "it must be true or false."
                : target == typeof(int) ? string.Create(CultureInfo.InvariantCulture, $"it must be a whole number between {int.MinValue} and {int.MaxValue}.")
                : $"it is not a valid {target.Name}.";
        }
    }

    private static PropertyInfo[] Settings(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true }
                && !typeof(Delegate).IsAssignableFrom(p.PropertyType)
                && (p.SetMethod is { IsPublic: true } || IsNested(p.PropertyType) || IsDictionary(p.PropertyType)))
            .ToArray();

    private static bool IsDictionary(Type type) => typeof(IDictionary).IsAssignableFrom(type)
        || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>))
        || type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));

    private static bool IsNested(Type type) =>
        type.IsClass && type != typeof(string) && !IsDictionary(type) && !typeof(IEnumerable).IsAssignableFrom(type);
}
