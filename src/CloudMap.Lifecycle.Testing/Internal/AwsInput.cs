// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// Reads request members the way the service model constrains them (type, required, length, pattern, enum, range), with
/// the error an AWS JSON service answers for each: the edge where request JSON becomes typed input.
/// </summary>
internal static class AwsInput
{
    public static string? String(JsonObject input, string name, bool required = false, int max = int.MaxValue, Regex? pattern = null, IReadOnlyList<string>? allowed = null, int min = 0)
    {
        var node = input[name];
        if (node is null)
        {
            if (required)
            {
                throw AwsErrorException.Validation(name, null, "Member must not be null");
            }

            return null;
        }

        if (node.GetValueKind() != JsonValueKind.String)
        {
            throw Serialization(name, "a string");
        }

        var value = node.GetValue<string>();
        if (value.Length < min)
        {
            throw AwsErrorException.Validation(name, value, $"Member must have length greater than or equal to {min}");
        }

        if (value.Length > max)
        {
            throw AwsErrorException.Validation(name, value, $"Member must have length less than or equal to {max}");
        }

        if (pattern is not null && !pattern.IsMatch(value))
        {
            throw AwsErrorException.Validation(name, value, $"Member must satisfy regular expression pattern: {pattern}");
        }

        if (allowed is not null && !allowed.Contains(value, StringComparer.Ordinal))
        {
            throw AwsErrorException.Validation(name, value, $"Member must satisfy enum value set: [{string.Join(", ", allowed)}]");
        }

        return value;
    }

    public static long? Long(JsonObject input, string name, long min, long max, bool required = false)
    {
        var node = input[name];
        if (node is null)
        {
            if (required)
            {
                throw AwsErrorException.Validation(name, null, "Member must not be null");
            }

            return null;
        }

        if (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<long>(out var value))
        {
            throw Serialization(name, "an integer");
        }

        if (value < min)
        {
            throw AwsErrorException.Validation(name, value.ToString(CultureInfo.InvariantCulture), $"Member must have value greater than or equal to {min}");
        }

        if (value > max)
        {
            throw AwsErrorException.Validation(name, value.ToString(CultureInfo.InvariantCulture), $"Member must have value less than or equal to {max}");
        }

        return value;
    }

    public static JsonObject? Struct(JsonObject input, string name, bool required = false)
    {
        var node = input[name];
        if (node is null)
        {
            return required ? throw AwsErrorException.Validation(name, null, "Member must not be null") : null;
        }

        return node as JsonObject ?? throw Serialization(name, "an object");
    }

    public static JsonArray? List(JsonObject input, string name, bool required = false)
    {
        var node = input[name];
        if (node is null)
        {
            return required ? throw AwsErrorException.Validation(name, null, "Member must not be null") : null;
        }

        return node as JsonArray ?? throw Serialization(name, "a list");
    }

    public static Dictionary<string, string>? Map(JsonObject input, string name, bool required = false)
    {
        var obj = Struct(input, name, required);
        if (obj is null)
        {
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            if (value is null || value.GetValueKind() != JsonValueKind.String)
            {
                throw Serialization(name, "a map of strings");
            }

            map[key] = value.GetValue<string>();
        }

        return map;
    }

    public static List<string> StringList(JsonArray array, string name)
    {
        var list = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (item is null || item.GetValueKind() != JsonValueKind.String)
            {
                throw Serialization(name, "a list of strings");
            }

            list.Add(item.GetValue<string>());
        }

        return list;
    }

    private static AwsErrorException Serialization(string name, string expected) =>
        new(CloudMapRules.ErrorCodes.SerializationException, $"Member '{name}' must be {expected}.");
}
