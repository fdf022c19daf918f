// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json;
using System.Text.Json.Nodes;
using static CloudMap.Lifecycle.Testing.Internal.SeedReader;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// Applies a seed document:
/// <c>{"namespaces":[{"name","type":"HTTP|DNS_PRIVATE|DNS_PUBLIC","id"?,"properties"?:{"DnsProperties":{"SOA":{"TTL"}}},"services":[{"name","healthCheck":"custom|route53|none","id"?,
/// "dnsConfig"?:{"RoutingPolicy","DnsRecords":[{"Type","TTL"}]},"healthCheckConfig"?:{"Type","ResourcePath","FailureThreshold"},
/// "instances":[{"id","attributes":{...}}]}]}]}</c>; <c>dnsConfig</c> and <c>healthCheckConfig</c> have CreateService's shape,
/// <c>properties</c> (DNS namespaces only) CreatePrivateDnsNamespace's.
/// </summary>
/// <remarks>
/// Every value goes through the checks of the API call that would create it (the same readers, patterns and rules:
/// CreateHttpNamespace/CreatePrivateDnsNamespace/CreatePublicDnsNamespace for names, CreateService, RegisterInstance
/// for ids and attributes), so a seed cannot hold what Cloud Map would refuse. Unknown members are refused too (a typo
/// such as <c>healtCheck</c> would otherwise be ignored). Each error names the seed and the path of the bad value, for
/// example <c>namespaces[0].services[1].name</c>.
/// </remarks>
internal static class SeedLoader
{
    private static readonly string[] RootMembers = ["namespaces", .. Platform.PlatformSeed.RootMembers];
    private static readonly string[] NamespaceMembers = ["name", "type", "id", "properties", "services"];
    private static readonly string[] ServiceMembers = ["name", "healthCheck", "id", "dnsConfig", "healthCheckConfig", "instances"];
    private static readonly string[] InstanceMembers = ["id", "attributes"];

    public static void Apply(EmulatorState state, string json, string source, Platform.PlatformState? platform = null)
    {
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The seed {source} is not valid JSON: {e.Message}", e);
        }

        var root = parsed as JsonObject ?? throw new InvalidDataException($"The seed {source} must be a JSON object.");
        var seed = new SeedReader(source);
        seed.Members(root, string.Empty, RootMembers);
        if (platform is not null)
        {
            Platform.PlatformSeed.Apply(platform, root, source);
        }

        var namespaces = seed.Array(root, string.Empty, "namespaces");
        for (var n = 0; n < namespaces.Count; n++)
        {
            var nsPath = Index("namespaces", n);
            var ns = seed.Object(namespaces[n], nsPath);
            seed.Members(ns, nsPath, NamespaceMembers);
            var typeText = seed.Text(ns, nsPath, "type") ?? NamespaceTypes.Http;
            var type = typeText.ToUpperInvariant() switch
            {
                "HTTP" => NamespaceTypes.Http,
                "DNS_PRIVATE" or "PRIVATE" or "PRIVATE_DNS" => NamespaceTypes.DnsPrivate,
                "DNS_PUBLIC" or "PUBLIC" or "PUBLIC_DNS" => NamespaceTypes.DnsPublic,
                _ => throw seed.Error(Member(nsPath, "type"), $"Unknown namespace type '{typeText}' (use HTTP, DNS_PRIVATE or DNS_PUBLIC)."),
            };
            var name = seed.Required(ns, nsPath, "name");

            // The API's own reader of the create call for this type (a private DNS namespace also needs a Vpc there).
            if (type == NamespaceTypes.Http && ns["properties"] is not null)
            {
                throw seed.Error(Member(nsPath, "properties"), "An HTTP namespace has no DNS properties (properties is for DNS_PRIVATE and DNS_PUBLIC).");
            }

            var input = seed.Check(Member(nsPath, ns["properties"] is null ? "name" : "properties"), () => CreateNamespaceInput.Reader(type)(
                new JsonObject { ["Name"] = name, ["Vpc"] = "vpc-seed", ["Properties"] = ns["properties"]?.DeepClone() }));
            var nsId = seed.Check(nsPath, () => state.AddNamespace(name, type, seed.Text(ns, nsPath, "id"), input.SoaTtl));
            var services = seed.Array(ns, nsPath, "services");
            for (var s = 0; s < services.Count; s++)
            {
                var servicePath = Member(nsPath, Index("services", s));
                var service = seed.Object(services[s], servicePath);
                seed.Members(service, servicePath, ServiceMembers);
                var healthText = seed.Text(service, servicePath, "healthCheck") ?? "custom";
                var health = healthText.ToUpperInvariant() switch
                {
                    "CUSTOM" => EmulatedHealthCheck.Custom,
                    "ROUTE53" or "ROUTE_53" => EmulatedHealthCheck.Route53,
                    "NONE" => EmulatedHealthCheck.None,
                    _ => throw seed.Error(Member(servicePath, "healthCheck"), $"Unknown health check '{healthText}' (use custom, route53 or none)."),
                };
                var serviceName = seed.Required(service, servicePath, "name");
                seed.Check(Member(servicePath, "name"), () => AwsInput.String(new JsonObject { ["Name"] = serviceName }, "Name", required: true, pattern: CloudMapRules.ServiceNamePattern()));
                var dnsConfig = service["dnsConfig"] is null ? null
                    : seed.Check(Member(servicePath, "dnsConfig"), () => CloudMapRules.ReadDnsConfig(seed.Object(service["dnsConfig"], Member(servicePath, "dnsConfig"))));
                var route53 = service["healthCheckConfig"] is null ? null
                    : seed.Check(Member(servicePath, "healthCheckConfig"), () => CloudMapRules.ReadHealthCheckConfig(seed.Object(service["healthCheckConfig"], Member(servicePath, "healthCheckConfig"))));
                if (route53 is not null && service["healthCheck"] is null)
                {
                    health = EmulatedHealthCheck.Route53;
                }

                var serviceId = seed.Check(servicePath, () => state.AddService(nsId, serviceName, health, seed.Text(service, servicePath, "id"), dnsConfig, route53));
                var instances = seed.Array(service, servicePath, "instances");
                for (var i = 0; i < instances.Count; i++)
                {
                    var instancePath = Member(servicePath, Index("instances", i));
                    var instance = seed.Object(instances[i], instancePath);
                    seed.Members(instance, instancePath, InstanceMembers);
                    var instanceId = seed.Required(instance, instancePath, "id");
                    seed.Check(Member(instancePath, "id"), () => AwsInput.String(new JsonObject { ["InstanceId"] = instanceId }, "InstanceId", required: true, max: CloudMapRules.MaxInstanceIdLength, min: 1, pattern: CloudMapRules.InstanceIdPattern()));
                    var attributes = instance["attributes"] is null
                        ? []
                        : seed.Check(Member(instancePath, "attributes"), () => AwsInput.Map(new JsonObject { ["Attributes"] = instance["attributes"]!.DeepClone() }, "Attributes", required: true)!);
                    seed.Check(instancePath, () => state.PutInstance(serviceId, instanceId, attributes));
                }
            }
        }
    }
}
