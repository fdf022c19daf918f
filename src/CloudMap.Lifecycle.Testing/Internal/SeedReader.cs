// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// One seed document being read (by <see cref="SeedLoader"/> and <see cref="Platform.PlatformSeed"/>): every error names
/// the seed and the path of the bad value; a value the code API refuses is reported at its path.
/// </summary>
internal sealed class SeedReader(string source)
{
    /// <summary>The path of an element of array <paramref name="name"/>: <c>name[index]</c>.</summary>
    public static string Index(string name, int index) => name + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    /// <summary>The path of member <paramref name="name"/> under <paramref name="path"/> (the root is the empty path).</summary>
    public static string Member(string path, string name) => path.Length == 0 ? name : path + "." + name;

    public InvalidDataException Error(string path, string message, Exception? inner = null)
        => new($"The seed {source} is invalid at {(path.Length == 0 ? "its root" : path)}: {message}", inner);

    public T Check<T>(string path, Func<T> check)
    {
        try
        {
            return check();
        }
        catch (Exception e) when (e is AwsErrorException or ArgumentException or InvalidOperationException)
        {
            var message = e is ArgumentException { ParamName: { } parameter } && e.Message.EndsWith($" (Parameter '{parameter}')", StringComparison.Ordinal)
                ? e.Message[..^$" (Parameter '{parameter}')".Length]
                : e.Message;
            throw Error(path, message, e);
        }
    }

    public void Check(string path, Action check) => Check(path, () =>
    {
        check();
        return 0;
    });

    public void Members(JsonObject obj, string path, string[] known)
    {
        foreach (var (name, _) in obj)
        {
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                throw Error(Member(path, name), $"Unknown member '{name}' (known here: {string.Join(", ", known)}).");
            }
        }
    }

    public JsonObject Object(JsonNode? node, string path)
        => node as JsonObject ?? throw Error(path, "Must be a JSON object.");

    public JsonArray Array(JsonObject obj, string path, string name) => obj[name] switch
    {
        null => [],
        JsonArray array => array,
        _ => throw Error(Member(path, name), "Must be a JSON array."),
    };

    public string? Text(JsonObject obj, string path, string name) => obj[name] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => throw Error(Member(path, name), "Must be a string."),
    };

    public string Required(JsonObject obj, string path, string name)
        => Text(obj, path, name) ?? throw Error(Member(path, name), "Missing; it is required.");
}
