// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// How the emulator writes JSON. Response shapes are records declared beside their handlers; they are serialized with
/// System.Text.Json's reflection resolver on purpose: a source-generated context would need every new shape registered
/// in a third place, and adding an operation must touch only its table entry and its handler.
/// </summary>
internal static class EmulatorJson
{
    /// <summary>AWS JSON 1.1 answers: compact, member names as declared (PascalCase), absent members omitted.</summary>
    public static readonly JsonSerializerOptions Wire = Freeze(new JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });

    /// <summary>Admin API documents: indented, camelCase, nulls written (the dashboard reads them).</summary>
    public static readonly JsonSerializerOptions Admin = Freeze(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    });

    public static byte[] AdminBytes(object document) => JsonSerializer.SerializeToUtf8Bytes(document, document.GetType(), Admin);

    private static JsonSerializerOptions Freeze(JsonSerializerOptions options)
    {
        options.TypeInfoResolver = new DefaultJsonTypeInfoResolver();
        options.MakeReadOnly();
        return options;
    }
}
