// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// Applies a seed document:
/// <c>{"namespaces":[{"name","type":"HTTP|DNS_PRIVATE|DNS_PUBLIC","id"?,"services":[{"name","healthCheck":"custom|route53|none","id"?,
/// "instances":[{"id","attributes":{...}}]}]}]}</c>.
/// </summary>
internal static class SeedLoader
{
    public static void Apply(EmulatorState state, string json, string source)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new InvalidDataException($"The seed {source} must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The seed {source} is not valid JSON: {e.Message}", e);
        }

        try
        {
            foreach (var nsNode in Array(root, "namespaces"))
            {
                var ns = (JsonObject)nsNode!;
                var typeText = Text(ns, "type") ?? NamespaceTypes.Http;
                var type = typeText.ToUpperInvariant() switch
                {
                    "HTTP" => NamespaceTypes.Http,
                    "DNS_PRIVATE" or "PRIVATE" or "PRIVATE_DNS" => NamespaceTypes.DnsPrivate,
                    "DNS_PUBLIC" or "PUBLIC" or "PUBLIC_DNS" => NamespaceTypes.DnsPublic,
                    _ => throw new InvalidDataException($"Unknown namespace type '{typeText}' (use HTTP, DNS_PRIVATE or DNS_PUBLIC)."),
                };
                var nsId = state.AddNamespace(Required(ns, "name"), type, Text(ns, "id"));
                foreach (var serviceNode in Array(ns, "services"))
                {
                    var service = (JsonObject)serviceNode!;
                    var healthText = Text(service, "healthCheck") ?? "custom";
                    var health = healthText.ToUpperInvariant() switch
                    {
                        "CUSTOM" => EmulatedHealthCheck.Custom,
                        "ROUTE53" or "ROUTE_53" => EmulatedHealthCheck.Route53,
                        "NONE" => EmulatedHealthCheck.None,
                        _ => throw new InvalidDataException($"Unknown health check '{healthText}' (use custom, route53 or none)."),
                    };
                    var serviceId = state.AddService(nsId, Required(service, "name"), health, Text(service, "id"));
                    foreach (var instanceNode in Array(service, "instances"))
                    {
                        var instance = (JsonObject)instanceNode!;
                        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                        if (instance["attributes"] is JsonObject attrs)
                        {
                            foreach (var (key, value) in attrs)
                            {
                                attributes[key] = value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value?.ToJsonString() ?? string.Empty;
                            }
                        }

                        state.PutInstance(serviceId, Required(instance, "id"), attributes);
                    }
                }
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or InvalidOperationException or InvalidDataException)
        {
            throw new InvalidDataException($"The seed {source} is invalid: {e.Message}", e);
        }
    }

    private static JsonArray Array(JsonObject obj, string name) => obj[name] as JsonArray ?? [];

    private static string? Text(JsonObject obj, string name) => obj[name]?.GetValue<string>();

    private static string Required(JsonObject obj, string name) => Text(obj, name) ?? throw new InvalidDataException($"'{name}' is required.");
}
