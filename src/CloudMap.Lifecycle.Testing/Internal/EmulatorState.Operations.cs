// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>The AWS API operations, with the service model's validation and the real error codes.</summary>
internal sealed partial class EmulatorState
{
    /// <summary>The operations the emulator implements.</summary>
    public static readonly IReadOnlySet<string> Operations = new HashSet<string>(StringComparer.Ordinal)
    {
        "RegisterInstance", "DeregisterInstance", "UpdateInstanceCustomHealthStatus", "GetOperation", "ListOperations",
        "GetInstance", "ListInstances", "GetInstancesHealthStatus", "DiscoverInstances", "DiscoverInstancesRevision",
        "CreateHttpNamespace", "CreatePrivateDnsNamespace", "CreatePublicDnsNamespace", "DeleteNamespace", "GetNamespace",
        "ListNamespaces", "CreateService", "DeleteService", "GetService", "ListServices",
    };

    /// <summary>The operations that answer with an operation id (the ones an injected operation failure applies to).</summary>
    public static readonly IReadOnlySet<string> AsyncOperations = new HashSet<string>(StringComparer.Ordinal)
    {
        "RegisterInstance", "DeregisterInstance", "CreateHttpNamespace", "CreatePrivateDnsNamespace", "CreatePublicDnsNamespace", "DeleteNamespace",
    };

    private static readonly string[] HealthFilterValues = ["HEALTHY", "UNHEALTHY", "ALL", "HEALTHY_OR_ELSE_ALL"];
    private static readonly string[] CustomStatusValues = [HealthStatuses.Healthy, HealthStatuses.Unhealthy];

    public JsonObject Execute(string operation, JsonObject input, string? failCode)
    {
        return operation switch
        {
            "RegisterInstance" => RegisterInstance(input, failCode),
            "DeregisterInstance" => DeregisterInstance(input, failCode),
            "UpdateInstanceCustomHealthStatus" => UpdateInstanceCustomHealthStatus(input),
            "GetOperation" => GetOperation(input),
            "ListOperations" => ListOperations(input),
            "GetInstance" => GetInstance(input),
            "ListInstances" => ListInstances(input),
            "GetInstancesHealthStatus" => GetInstancesHealthStatus(input),
            "DiscoverInstances" => DiscoverInstances(input),
            "DiscoverInstancesRevision" => DiscoverInstancesRevision(input),
            "CreateHttpNamespace" => CreateNamespace(input, NamespaceTypes.Http, failCode),
            "CreatePrivateDnsNamespace" => CreateNamespace(input, NamespaceTypes.DnsPrivate, failCode),
            "CreatePublicDnsNamespace" => CreateNamespace(input, NamespaceTypes.DnsPublic, failCode),
            "DeleteNamespace" => DeleteNamespace(input, failCode),
            "GetNamespace" => GetNamespace(input),
            "ListNamespaces" => ListNamespaces(input),
            "CreateService" => CreateService(input),
            "DeleteService" => DeleteService(input),
            "GetService" => GetService(input),
            "ListServices" => ListServices(input),
            _ => throw new AwsErrorException("UnknownOperationException", $"The emulator does not implement '{operation}'."),
        };
    }

    // ---- Instances ----

    private JsonObject RegisterInstance(JsonObject input, string? failCode)
    {
        var serviceId = AwsInput.String(input, "ServiceId", required: true, max: 255)!;
        var instanceId = AwsInput.String(input, "InstanceId", required: true, max: 64, min: 1, pattern: AwsInput.InstanceIdPattern())!;
        var creatorRequestId = AwsInput.String(input, "CreatorRequestId", max: 64);
        var attributes = AwsInput.Map(input, "Attributes", required: true)!;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var service = ServiceById(serviceId);
            ValidateAttributes(service, _namespaces[service.NamespaceId], attributes);
            if (_instanceOperations.TryGetValue((service.Id, instanceId), out var inFlight) && !inFlight.IsComplete(now))
            {
                // A retry of the same request (same token) is idempotent; anything else must wait for the first one.
                if (inFlight.Type == "REGISTER_INSTANCE" && creatorRequestId is not null && inFlight.CreatorRequestId == creatorRequestId)
                {
                    return new JsonObject { ["OperationId"] = inFlight.Id };
                }

                throw Duplicate(inFlight, $"Another operation ({inFlight.Type}) on instance '{instanceId}' is in progress.");
            }

            if (!service.Instances.ContainsKey(instanceId) && service.Instances.Count >= MaxInstancesPerService)
            {
                throw new AwsErrorException("ResourceLimitExceeded", $"The service '{service.Id}' already has the maximum of {MaxInstancesPerService} instances.");
            }

            var op = NewOperation("REGISTER_INSTANCE", service, instanceId, creatorRequestId, failCode, now);
            if (failCode is null)
            {
                Upsert(service, instanceId, attributes, creatorRequestId, now, op.CompletesAt + _propagation);
            }

            return new JsonObject { ["OperationId"] = op.Id };
        }
    }

    private JsonObject DeregisterInstance(JsonObject input, string? failCode)
    {
        var serviceId = AwsInput.String(input, "ServiceId", required: true, max: 255)!;
        var instanceId = AwsInput.String(input, "InstanceId", required: true, max: 64)!;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var service = ServiceById(serviceId);
            if (_instanceOperations.TryGetValue((service.Id, instanceId), out var inFlight) && !inFlight.IsComplete(now))
            {
                throw Duplicate(inFlight, $"Another operation ({inFlight.Type}) on instance '{instanceId}' is in progress.");
            }

            _ = VisibleInstance(service, instanceId, now);
            var op = NewOperation("DEREGISTER_INSTANCE", service, instanceId, null, failCode, now);
            if (failCode is null)
            {
                service.Instances.Remove(instanceId);
                service.Revision++;
            }

            return new JsonObject { ["OperationId"] = op.Id };
        }
    }

    private JsonObject UpdateInstanceCustomHealthStatus(JsonObject input)
    {
        var serviceId = AwsInput.String(input, "ServiceId", required: true, max: 255)!;
        var instanceId = AwsInput.String(input, "InstanceId", required: true, max: 64)!;
        var status = AwsInput.String(input, "Status", required: true, allowed: CustomStatusValues)!;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var service = ServiceById(serviceId);
            var instance = VisibleInstance(service, instanceId, now);
            if (service.HealthCheck != EmulatedHealthCheck.Custom)
            {
                throw new AwsErrorException("CustomHealthNotFound", $"The service '{service.Id}' does not have a custom health check configured.");
            }

            var current = EffectiveHealth(service, instance, now);
            if (status == current)
            {
                // Flipping back inside the window cancels the change.
                instance.PendingHealth = null;
            }
            else if (instance.PendingHealth != status)
            {
                // The first request starts the clock; repeating the same value does not restart or speed it up.
                instance.PendingHealth = status;
                instance.PendingSince = now;
            }

            return [];
        }
    }

    private JsonObject GetInstance(JsonObject input)
    {
        var serviceId = AwsInput.String(input, "ServiceId", required: true, max: 255)!;
        var instanceId = AwsInput.String(input, "InstanceId", required: true, max: 64)!;
        lock (_lock)
        {
            var service = ServiceById(serviceId);
            var instance = VisibleInstance(service, instanceId, _time.GetUtcNow());
            var obj = new JsonObject { ["Id"] = instance.Id };
            if (instance.CreatorRequestId is not null)
            {
                obj["CreatorRequestId"] = instance.CreatorRequestId;
            }

            obj["Attributes"] = AttributesJson(instance.Attributes);
            obj["CreatedByAccount"] = AccountId;
            return new JsonObject { ["ResourceOwner"] = AccountId, ["Instance"] = obj };
        }
    }

    private JsonObject ListInstances(JsonObject input)
    {
        var serviceId = AwsInput.String(input, "ServiceId", required: true, max: 255)!;
        var (start, size) = Paging(input, 100);
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var service = ServiceById(serviceId);
            var all = service.Instances.Values.Where(i => now >= i.VisibleAt).OrderBy(i => i.Id, StringComparer.Ordinal).ToList();
            var list = new JsonArray();
            foreach (var instance in all.Skip(start).Take(size))
            {
                list.Add(new JsonObject { ["Id"] = instance.Id, ["Attributes"] = AttributesJson(instance.Attributes), ["CreatedByAccount"] = AccountId });
            }

            return WithToken(new JsonObject { ["ResourceOwner"] = AccountId, ["Instances"] = list }, start + size, all.Count);
        }
    }

    private JsonObject GetInstancesHealthStatus(JsonObject input)
    {
        var serviceId = AwsInput.String(input, "ServiceId", required: true, max: 255)!;
        var ids = AwsInput.List(input, "Instances") is { } array ? AwsInput.StringList(array, "Instances") : null;
        if (ids is { Count: 0 })
        {
            throw AwsErrorException.Validation("Instances", "[]", "Member must have length greater than or equal to 1");
        }

        var (start, size) = Paging(input, 100);
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var service = ServiceById(serviceId);
            var status = new JsonObject();
            if (ids is not null)
            {
                foreach (var id in ids)
                {
                    status[id] = EffectiveHealth(service, VisibleInstance(service, id, now), now);
                }

                return new JsonObject { ["Status"] = status };
            }

            var all = service.Instances.Values.Where(i => now >= i.VisibleAt).OrderBy(i => i.Id, StringComparer.Ordinal).ToList();
            foreach (var instance in all.Skip(start).Take(size))
            {
                status[instance.Id] = EffectiveHealth(service, instance, now);
            }

            return WithToken(new JsonObject { ["Status"] = status }, start + size, all.Count);
        }
    }

    private JsonObject DiscoverInstances(JsonObject input)
    {
        var namespaceName = AwsInput.String(input, "NamespaceName", required: true, max: 1024, pattern: AwsInput.NamespaceNamePattern())!;
        var serviceName = AwsInput.String(input, "ServiceName", required: true, pattern: AwsInput.ServiceNamePattern())!;
        var maxResults = (int)(AwsInput.Long(input, "MaxResults", 1, 1000) ?? 100);
        var query = AwsInput.Map(input, "QueryParameters");
        var optional = AwsInput.Map(input, "OptionalParameters");
        var filter = AwsInput.String(input, "HealthStatus", allowed: HealthFilterValues);
        _ = AwsInput.String(input, "OwnerAccount", max: 12, min: 12);
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var (ns, service) = Discover(namespaceName, serviceName);
            var candidates = service.Instances.Values.Where(i => now >= i.VisibleAt && Matches(i, query)).ToList();
            if (optional is { Count: > 0 })
            {
                var preferred = candidates.Where(i => Matches(i, optional)).ToList();
                if (preferred.Count > 0)
                {
                    candidates = preferred;
                }
            }

            var withHealth = candidates.Select(i => (Instance: i, Health: EffectiveHealth(service, i, now))).ToList();
            if (service.HealthCheck != EmulatedHealthCheck.None)
            {
                var healthy = withHealth.Where(x => x.Health == HealthStatuses.Healthy).ToList();
                withHealth = (filter ?? "HEALTHY") switch
                {
                    "HEALTHY" => healthy,
                    "UNHEALTHY" => [.. withHealth.Where(x => x.Health == HealthStatuses.Unhealthy)],
                    "HEALTHY_OR_ELSE_ALL" => healthy.Count > 0 ? healthy : withHealth,
                    _ => withHealth,
                };
            }

            _random.Shuffle(withHealth);
            var list = new JsonArray();
            foreach (var (instance, health) in withHealth.Take(maxResults))
            {
                list.Add(new JsonObject
                {
                    ["InstanceId"] = instance.Id,
                    ["NamespaceName"] = ns.HttpName,
                    ["ServiceName"] = service.Name,
                    ["HealthStatus"] = health,
                    ["Attributes"] = AttributesJson(instance.Attributes),
                });
            }

            return new JsonObject { ["Instances"] = list, ["InstancesRevision"] = service.Revision };
        }
    }

    private JsonObject DiscoverInstancesRevision(JsonObject input)
    {
        var namespaceName = AwsInput.String(input, "NamespaceName", required: true, max: 1024, pattern: AwsInput.NamespaceNamePattern())!;
        var serviceName = AwsInput.String(input, "ServiceName", required: true, pattern: AwsInput.ServiceNamePattern())!;
        lock (_lock)
        {
            return new JsonObject { ["InstancesRevision"] = Discover(namespaceName, serviceName).Service.Revision };
        }
    }

    // ---- Operations ----

    private JsonObject GetOperation(JsonObject input)
    {
        var id = AwsInput.String(input, "OperationId", required: true, max: 255)!;
        _ = AwsInput.String(input, "OwnerAccount", max: 12, min: 12);
        lock (_lock)
        {
            var op = _operations.GetValueOrDefault(id) ?? throw new AwsErrorException("OperationNotFound", $"No operation found with ID '{id}'.");
            var now = _time.GetUtcNow();
            var status = op.Status(now);
            var obj = new JsonObject
            {
                ["Id"] = op.Id,
                ["OwnerAccount"] = AccountId,
                ["Type"] = op.Type,
                ["Status"] = status,
            };
            if (status == "FAIL")
            {
                obj["ErrorMessage"] = op.FailMessage;
                obj["ErrorCode"] = op.FailCode;
            }

            obj["CreateDate"] = Epoch(op.CreateDate);
            obj["UpdateDate"] = Epoch(op.UpdateDate(now));
            obj["Targets"] = AttributesJson(op.Targets);
            return new JsonObject { ["Operation"] = obj };
        }
    }

    private JsonObject ListOperations(JsonObject input)
    {
        var (start, size) = Paging(input, 100);
        var filters = Filters(input, ["NAMESPACE_ID", "SERVICE_ID", "STATUS", "TYPE", "UPDATE_DATE"]);
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var page = _operationOrder.Skip(start).Take(size).Where(op => filters.All(f => f.Name switch
            {
                "NAMESPACE_ID" => f.Values.Contains(op.Targets.GetValueOrDefault("NAMESPACE") ?? string.Empty),
                "SERVICE_ID" => f.Values.Contains(op.Targets.GetValueOrDefault("SERVICE") ?? string.Empty),
                "STATUS" => f.Values.Contains(op.Status(now)),
                "TYPE" => f.Values.Contains(op.Type),
                _ => true, // UPDATE_DATE (BETWEEN) is not emulated: the filter is accepted and ignored.
            }));
            var list = new JsonArray();
            foreach (var op in page)
            {
                list.Add(new JsonObject { ["Id"] = op.Id, ["Status"] = op.Status(now) });
            }

            return WithToken(new JsonObject { ["Operations"] = list }, start + size, _operationOrder.Count);
        }
    }

    // ---- Namespaces ----

    private JsonObject CreateNamespace(JsonObject input, string type, string? failCode)
    {
        var name = type switch
        {
            NamespaceTypes.Http => AwsInput.String(input, "Name", required: true, max: 1024, pattern: AwsInput.HttpNamespaceNamePattern())!,
            NamespaceTypes.DnsPublic => AwsInput.String(input, "Name", required: true, max: 253, pattern: AwsInput.PublicNamespaceNamePattern())!,
            _ => AwsInput.String(input, "Name", required: true, max: 253, pattern: AwsInput.HttpNamespaceNamePattern())!,
        };
        var creatorRequestId = AwsInput.String(input, "CreatorRequestId", max: 64);
        var description = AwsInput.String(input, "Description", max: 1024);
        var vpc = type == NamespaceTypes.DnsPrivate ? AwsInput.String(input, "Vpc", required: true, max: 64) : null;
        if (AwsInput.List(input, "Tags") is { Count: > 200 })
        {
            throw new AwsErrorException("TooManyTagsException", "A resource can have at most 200 tags.");
        }

        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var existing = _namespaces.Values.FirstOrDefault(n => string.Equals(n.Name, name, StringComparison.OrdinalIgnoreCase));
            if (existing is not null)
            {
                var extra = new Dictionary<string, string>(StringComparer.Ordinal) { ["NamespaceId"] = existing.Id };
                if (existing.CreatorRequestId is not null)
                {
                    extra["CreatorRequestId"] = existing.CreatorRequestId;
                }

                throw new AwsErrorException("NamespaceAlreadyExists", $"Namespace '{name}' already exists.", 400, extra);
            }

            string id;
            if (failCode is null)
            {
                id = AddNamespaceLocked(name, type, null, description, creatorRequestId, vpc, now);
            }
            else
            {
                id = NewId("ns-", 16, _namespaces.ContainsKey);
            }

            var op = NewOperationCore("CREATE_NAMESPACE", new(StringComparer.Ordinal) { ["NAMESPACE"] = id }, creatorRequestId, failCode, now, null, null);
            return new JsonObject { ["OperationId"] = op.Id };
        }
    }

    private JsonObject DeleteNamespace(JsonObject input, string? failCode)
    {
        var id = AwsInput.String(input, "Id", required: true, max: 255)!;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var ns = NamespaceById(id);
            if (_services.Values.Any(s => s.NamespaceId == ns.Id))
            {
                throw new AwsErrorException("ResourceInUse", $"Namespace '{ns.Id}' still contains services.");
            }

            var op = NewOperationCore("DELETE_NAMESPACE", new(StringComparer.Ordinal) { ["NAMESPACE"] = ns.Id }, null, failCode, now, null, null);
            if (failCode is null)
            {
                _namespaces.Remove(ns.Id);
            }

            return new JsonObject { ["OperationId"] = op.Id };
        }
    }

    private JsonObject GetNamespace(JsonObject input)
    {
        var id = AwsInput.String(input, "Id", required: true, max: 255)!;
        lock (_lock)
        {
            var ns = NamespaceById(id);
            var obj = NamespaceJson(ns, summary: false);
            return new JsonObject { ["Namespace"] = obj };
        }
    }

    private JsonObject ListNamespaces(JsonObject input)
    {
        var (start, size) = Paging(input, 100);
        var filters = Filters(input, ["TYPE", "NAME", "HTTP_NAME", "RESOURCE_OWNER"]);
        lock (_lock)
        {
            var all = _namespaces.Values.OrderBy(n => n.CreateDate).ThenBy(n => n.Id, StringComparer.Ordinal).ToList();

            // As in Cloud Map, filters apply to the page after paging: a page can be empty and still carry a NextToken.
            var page = all.Skip(start).Take(size).Where(ns => filters.All(f => f.Name switch
            {
                "TYPE" => f.Values.Contains(ns.Type),
                "NAME" => f.Matches(ns.Name),
                "HTTP_NAME" => f.Matches(ns.HttpName),
                _ => f.Values.Contains(AccountId),
            }));
            var list = new JsonArray();
            foreach (var ns in page)
            {
                list.Add(NamespaceJson(ns, summary: true));
            }

            return WithToken(new JsonObject { ["Namespaces"] = list }, start + size, all.Count);
        }
    }

    private JsonObject NamespaceJson(NamespaceRecord ns, bool summary)
    {
        var properties = new JsonObject();
        if (ns.Type != NamespaceTypes.Http)
        {
            properties["DnsProperties"] = new JsonObject { ["HostedZoneId"] = ns.HostedZoneId, ["SOA"] = new JsonObject { ["TTL"] = ns.SoaTtl } };
        }

        properties["HttpProperties"] = new JsonObject { ["HttpName"] = ns.HttpName };
        var obj = new JsonObject
        {
            ["Id"] = ns.Id,
            ["Arn"] = ns.Arn,
            ["ResourceOwner"] = AccountId,
            ["Name"] = ns.Name,
            ["Type"] = ns.Type,
        };
        if (ns.Description is not null)
        {
            obj["Description"] = ns.Description;
        }

        obj["ServiceCount"] = _services.Values.Count(s => s.NamespaceId == ns.Id);
        obj["Properties"] = properties;
        obj["CreateDate"] = Epoch(ns.CreateDate);
        if (!summary && ns.CreatorRequestId is not null)
        {
            obj["CreatorRequestId"] = ns.CreatorRequestId;
        }

        return obj;
    }

    // ---- Services ----

    private JsonObject CreateService(JsonObject input)
    {
        var name = AwsInput.String(input, "Name", required: true, pattern: AwsInput.ServiceNamePattern())!;
        var namespaceId = AwsInput.String(input, "NamespaceId", max: 255);
        var creatorRequestId = AwsInput.String(input, "CreatorRequestId", max: 64);
        var description = AwsInput.String(input, "Description", max: 1024);
        var dnsConfig = AwsInput.Struct(input, "DnsConfig");
        var healthCheckConfig = AwsInput.Struct(input, "HealthCheckConfig");
        var customConfig = AwsInput.Struct(input, "HealthCheckCustomConfig");
        var typeOption = AwsInput.String(input, "Type", allowed: ["HTTP"]);
        if (AwsInput.List(input, "Tags") is { Count: > 200 })
        {
            throw new AwsErrorException("TooManyTagsException", "A resource can have at most 200 tags.");
        }

        JsonObject? dns = null;
        if (dnsConfig is not null)
        {
            dns = ValidateDnsConfig(dnsConfig);
            namespaceId ??= dns["NamespaceId"]?.GetValue<string>();
        }

        JsonObject? health = null;
        if (healthCheckConfig is not null)
        {
            var type = AwsInput.String(healthCheckConfig, "Type", required: true, allowed: ["HTTP", "HTTPS", "TCP"])!;
            var path = AwsInput.String(healthCheckConfig, "ResourcePath", max: 255);
            var threshold = AwsInput.Long(healthCheckConfig, "FailureThreshold", 1, 10) ?? 3;
            if (type == "TCP" && path is not null)
            {
                throw AwsErrorException.InvalidInput("ResourcePath is not allowed for a TCP health check.");
            }

            health = new JsonObject { ["Type"] = type };
            if (type != "TCP")
            {
                health["ResourcePath"] = path ?? "/";
            }

            health["FailureThreshold"] = threshold;
        }

        if (customConfig is not null)
        {
            _ = AwsInput.Long(customConfig, "FailureThreshold", 1, 10);
        }

        if (health is not null && customConfig is not null)
        {
            throw AwsErrorException.InvalidInput("A service can have either HealthCheckConfig or HealthCheckCustomConfig, not both.");
        }

        if (namespaceId is null)
        {
            throw AwsErrorException.InvalidInput("NamespaceId is required.");
        }

        lock (_lock)
        {
            var ns = NamespaceById(namespaceId);
            if (ns.Type == NamespaceTypes.Http && dns is not null)
            {
                throw AwsErrorException.InvalidInput("DnsConfig is not allowed for a service in an HTTP namespace.");
            }

            if (ns.Type == NamespaceTypes.DnsPrivate && health is not null)
            {
                throw AwsErrorException.InvalidInput("HealthCheckConfig is not allowed for a service in a private DNS namespace; use HealthCheckCustomConfig.");
            }

            if (typeOption == "HTTP" && dns is not null)
            {
                throw AwsErrorException.InvalidInput("DnsConfig is not allowed for a service of type HTTP.");
            }

            if (ns.Type != NamespaceTypes.Http && dns is null && typeOption is null)
            {
                throw AwsErrorException.InvalidInput("DnsConfig is required for a service in a DNS namespace unless Type is HTTP.");
            }

            if (dns is not null)
            {
                dns["NamespaceId"] = ns.Id;
            }

            var existing = _services.Values.FirstOrDefault(s => s.NamespaceId == ns.Id && string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
            if (existing is not null)
            {
                var extra = new Dictionary<string, string>(StringComparer.Ordinal) { ["ServiceId"] = existing.Id };
                if (existing.CreatorRequestId is not null)
                {
                    extra["CreatorRequestId"] = existing.CreatorRequestId;
                }

                throw new AwsErrorException("ServiceAlreadyExists", $"Service '{name}' already exists in namespace '{ns.Id}'.", 400, extra);
            }

            var kind = health is not null ? EmulatedHealthCheck.Route53 : customConfig is not null ? EmulatedHealthCheck.Custom : EmulatedHealthCheck.None;
            var serviceType = ns.Type == NamespaceTypes.Http || typeOption == "HTTP" ? "HTTP" : "DNS_HTTP";
            var service = NewService(ns, name, null, dns, health, kind, description, creatorRequestId, serviceType);
            return new JsonObject { ["Service"] = ServiceJson(service, summary: false) };
        }
    }

    private static JsonObject ValidateDnsConfig(JsonObject dnsConfig)
    {
        var routing = AwsInput.String(dnsConfig, "RoutingPolicy", allowed: ["MULTIVALUE", "WEIGHTED"]) ?? "MULTIVALUE";
        var records = AwsInput.List(dnsConfig, "DnsRecords", required: true)!;
        var result = new JsonArray();
        var types = new List<string>();
        foreach (var item in records)
        {
            var record = item as JsonObject ?? throw new AwsErrorException("SerializationException", "Member 'DnsRecords' must be a list of objects.");
            var type = AwsInput.String(record, "Type", required: true, allowed: ["SRV", "A", "AAAA", "CNAME"])!;
            var ttl = AwsInput.Long(record, "TTL", 0, int.MaxValue, required: true)!.Value;
            if (types.Contains(type))
            {
                throw AwsErrorException.InvalidInput($"DnsRecords contains the record type {type} more than once.");
            }

            types.Add(type);
            result.Add(new JsonObject { ["Type"] = type, ["TTL"] = ttl });
        }

        if (types.Count == 0)
        {
            throw AwsErrorException.InvalidInput("DnsRecords must contain at least one record.");
        }

        if (types.Contains("CNAME") && (types.Count > 1 || routing != "WEIGHTED"))
        {
            throw AwsErrorException.InvalidInput("A CNAME record must be the only record and requires the WEIGHTED routing policy.");
        }

        if (types.Contains("SRV") && types.Contains("CNAME"))
        {
            throw AwsErrorException.InvalidInput("SRV and CNAME records cannot be combined.");
        }

        var obj = new JsonObject();
        if (dnsConfig["NamespaceId"] is { } nsId)
        {
            obj["NamespaceId"] = nsId.GetValue<string>();
        }

        obj["RoutingPolicy"] = routing;
        obj["DnsRecords"] = result;
        return obj;
    }

    private JsonObject DeleteService(JsonObject input)
    {
        var id = AwsInput.String(input, "Id", required: true, max: 255)!;
        lock (_lock)
        {
            var service = ServiceById(id);
            if (service.Instances.Count > 0)
            {
                throw new AwsErrorException("ResourceInUse", $"Service '{service.Id}' still has {service.Instances.Count} registered instances.");
            }

            _services.Remove(service.Id);
            return [];
        }
    }

    private JsonObject GetService(JsonObject input)
    {
        var id = AwsInput.String(input, "Id", required: true, max: 255)!;
        lock (_lock)
        {
            return new JsonObject { ["Service"] = ServiceJson(ServiceById(id), summary: false) };
        }
    }

    private JsonObject ListServices(JsonObject input)
    {
        var (start, size) = Paging(input, 100);
        var filters = Filters(input, ["NAMESPACE_ID", "RESOURCE_OWNER"]);
        lock (_lock)
        {
            var all = _services.Values.OrderBy(s => s.CreateDate).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
            var page = all.Skip(start).Take(size).Where(s => filters.All(f => f.Name switch
            {
                "NAMESPACE_ID" => f.Values.Contains(s.NamespaceId),
                _ => f.Values.Contains(AccountId),
            }));
            var list = new JsonArray();
            foreach (var service in page)
            {
                list.Add(ServiceJson(service, summary: true));
            }

            return WithToken(new JsonObject { ["Services"] = list }, start + size, all.Count);
        }
    }

    private static JsonObject ServiceJson(ServiceRecord service, bool summary)
    {
        var obj = new JsonObject
        {
            ["Id"] = service.Id,
            ["Arn"] = service.Arn,
            ["ResourceOwner"] = AccountId,
            ["Name"] = service.Name,
        };
        if (!summary)
        {
            obj["NamespaceId"] = service.NamespaceId;
        }

        obj["Type"] = service.Type;
        if (service.Description is not null)
        {
            obj["Description"] = service.Description;
        }

        obj["InstanceCount"] = service.Instances.Count;
        if (service.DnsConfig is not null)
        {
            obj["DnsConfig"] = service.DnsConfig.DeepClone();
        }

        if (service.HealthCheckConfig is not null)
        {
            obj["HealthCheckConfig"] = service.HealthCheckConfig.DeepClone();
        }

        if (service.HealthCheck == EmulatedHealthCheck.Custom)
        {
            obj["HealthCheckCustomConfig"] = new JsonObject { ["FailureThreshold"] = 1 };
        }

        obj["CreateDate"] = Epoch(service.CreateDate);
        if (!summary && service.CreatorRequestId is not null)
        {
            obj["CreatorRequestId"] = service.CreatorRequestId;
        }

        obj["CreatedByAccount"] = AccountId;
        return obj;
    }

    // ---- Helpers (callers hold the lock where state is read) ----

    private static AwsErrorException Duplicate(OperationRecord inFlight, string message) =>
        new("DuplicateRequest", message, 400, new Dictionary<string, string>(StringComparer.Ordinal) { ["DuplicateOperationId"] = inFlight.Id });

    private static bool Matches(InstanceRecord instance, Dictionary<string, string>? parameters) =>
        parameters is null || parameters.All(p => instance.Attributes.TryGetValue(p.Key, out var v) && v == p.Value);

    private static (int Start, int Size) Paging(JsonObject input, int defaultSize)
    {
        var token = AwsInput.String(input, "NextToken", max: 4096);
        var size = (int)(AwsInput.Long(input, "MaxResults", 1, 100) ?? defaultSize);
        var start = 0;
        if (token is not null)
        {
            try
            {
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
                if (!text.StartsWith("page:", StringComparison.Ordinal) || !int.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out start))
                {
                    throw new FormatException();
                }
            }
            catch (FormatException)
            {
                throw AwsErrorException.InvalidInput("The NextToken is not valid.");
            }
        }

        return (start, size);
    }

    private static JsonObject WithToken(JsonObject response, int next, int total)
    {
        if (next < total)
        {
            response["NextToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("page:" + next.ToString(CultureInfo.InvariantCulture)));
        }

        return response;
    }

    private static List<Filter> Filters(JsonObject input, string[] names)
    {
        var result = new List<Filter>();
        if (AwsInput.List(input, "Filters") is not { } filters)
        {
            return result;
        }

        foreach (var item in filters)
        {
            var filter = item as JsonObject ?? throw new AwsErrorException("SerializationException", "Member 'Filters' must be a list of objects.");
            var name = AwsInput.String(filter, "Name", required: true, allowed: names)!;
            var values = AwsInput.StringList(AwsInput.List(filter, "Values", required: true)!, "Values");
            var condition = AwsInput.String(filter, "Condition", allowed: ["EQ", "IN", "BETWEEN", "BEGINS_WITH"]) ?? "EQ";
            if (condition == "EQ" && values.Count != 1)
            {
                throw AwsErrorException.InvalidInput($"Filter '{name}' with condition EQ takes exactly one value.");
            }

            result.Add(new Filter(name, values, condition));
        }

        return result;
    }

    private OperationRecord NewOperation(string type, ServiceRecord service, string instanceId, string? creatorRequestId, string? failCode, DateTimeOffset now)
    {
        var targets = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["NAMESPACE"] = service.NamespaceId,
            ["SERVICE"] = service.Id,
            ["INSTANCE"] = instanceId,
        };
        var op = NewOperationCore(type, targets, creatorRequestId, failCode, now, service.Id, instanceId);
        _instanceOperations[(service.Id, instanceId)] = op;
        return op;
    }

    private OperationRecord NewOperationCore(string type, Dictionary<string, string> targets, string? creatorRequestId, string? failCode, DateTimeOffset now, string? serviceId, string? instanceId)
    {
        var id = NewId(string.Empty, 32, _operations.ContainsKey);
        id = id + "-" + _random.Chars(8);
        var op = new OperationRecord
        {
            Id = id,
            Type = type,
            CreateDate = now,
            PendingAt = now + _submitted,
            CompletesAt = now + _submitted + _pending,
            FailCode = failCode,
            FailMessage = failCode is null ? null : "The operation failed (injected by the emulator).",
            Targets = targets,
            CreatorRequestId = creatorRequestId,
            ServiceId = serviceId,
            InstanceId = instanceId,
        };
        _operations.Add(op.Id, op);
        _operationOrder.Add(op);
        return op;
    }

    private ServiceRecord ServiceById(string idOrArn)
    {
        var id = idOrArn.StartsWith("arn:", StringComparison.Ordinal) ? idOrArn[(idOrArn.LastIndexOf('/') + 1)..] : idOrArn;
        return _services.GetValueOrDefault(id) ?? throw new AwsErrorException("ServiceNotFound", $"Service not found: '{idOrArn}'.");
    }

    private NamespaceRecord NamespaceById(string idOrArn)
    {
        var id = idOrArn.StartsWith("arn:", StringComparison.Ordinal) ? idOrArn[(idOrArn.LastIndexOf('/') + 1)..] : idOrArn;
        return _namespaces.GetValueOrDefault(id) ?? throw new AwsErrorException("NamespaceNotFound", $"Namespace not found: '{idOrArn}'.");
    }

    private static InstanceRecord VisibleInstance(ServiceRecord service, string instanceId, DateTimeOffset now)
    {
        if (service.Instances.TryGetValue(instanceId, out var instance) && now >= instance.VisibleAt)
        {
            return instance;
        }

        throw new AwsErrorException("InstanceNotFound", $"Instance not found: '{instanceId}' in service '{service.Id}'.");
    }

    private (NamespaceRecord Namespace, ServiceRecord Service) Discover(string namespaceName, string serviceName)
    {
        var ns = _namespaces.Values.FirstOrDefault(n => string.Equals(n.HttpName, namespaceName, StringComparison.Ordinal))
            ?? throw new AwsErrorException("NamespaceNotFound", $"Namespace not found: '{namespaceName}'.");
        var service = _services.Values.FirstOrDefault(s => s.NamespaceId == ns.Id && string.Equals(s.Name, serviceName, StringComparison.OrdinalIgnoreCase))
            ?? throw new AwsErrorException("ServiceNotFound", $"Service not found: '{serviceName}' in namespace '{namespaceName}'.");
        return (ns, service);
    }

    private sealed record Filter(string Name, List<string> Values, string Condition)
    {
        public bool Matches(string value) => Condition == "BEGINS_WITH"
            ? Values.Any(v => value.StartsWith(v, StringComparison.Ordinal))
            : Values.Contains(value);
    }
}
