// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// The emulated account: namespaces, services, instances and operations. Every transition is computed from the clock
/// when read, so a fake clock drives it deterministically and no timers run.
/// </summary>
internal sealed partial class EmulatorState
{
    public const string AccountId = "123456789012";
    public const int MaxInstancesPerService = 1000;
    public const int MaxCustomAttributes = 30;
    public const int MaxAttributeChars = 5000;

    public const string InitHealthStatus = "AWS_INIT_HEALTH_STATUS";
    public const string InstanceIpv4 = "AWS_INSTANCE_IPV4";
    public const string InstanceIpv6 = "AWS_INSTANCE_IPV6";
    public const string InstancePort = "AWS_INSTANCE_PORT";
    public const string InstanceCname = "AWS_INSTANCE_CNAME";
    public const string AliasDnsName = "AWS_ALIAS_DNS_NAME";
    public const string Ec2InstanceId = "AWS_EC2_INSTANCE_ID";

    private static readonly string[] ReservedKeys = [InitHealthStatus, InstanceIpv4, InstanceIpv6, InstancePort, InstanceCname, AliasDnsName, Ec2InstanceId];

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly SharedRandom _random;
    private readonly Dictionary<string, NamespaceRecord> _namespaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ServiceRecord> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OperationRecord> _operations = new(StringComparer.Ordinal);
    private readonly List<OperationRecord> _operationOrder = [];
    private readonly Dictionary<(string ServiceId, string InstanceId), OperationRecord> _instanceOperations = [];

    private TimeSpan _healthChangeDelay;
    private TimeSpan _submitted;
    private TimeSpan _pending;
    private TimeSpan _propagation;

    public EmulatorState(TimeProvider time, SharedRandom random, string region, CloudMapEmulatorOptions options)
    {
        _time = time;
        _random = random;
        Region = region;
        _healthChangeDelay = options.HealthChangeDelay;
        _submitted = options.OperationSubmittedDuration;
        _pending = options.OperationPendingDuration;
        _propagation = options.PropagationDelay;
    }

    public string Region { get; }

    public TimeProvider Time => _time;

    public TimeSpan HealthChangeDelay
    {
        get { lock (_lock) { return _healthChangeDelay; } }
        set { lock (_lock) { _healthChangeDelay = NonNegative(value); } }
    }

    public TimeSpan OperationSubmittedDuration
    {
        get { lock (_lock) { return _submitted; } }
        set { lock (_lock) { _submitted = NonNegative(value); } }
    }

    public TimeSpan OperationPendingDuration
    {
        get { lock (_lock) { return _pending; } }
        set { lock (_lock) { _pending = NonNegative(value); } }
    }

    public TimeSpan PropagationDelay
    {
        get { lock (_lock) { return _propagation; } }
        set { lock (_lock) { _propagation = NonNegative(value); } }
    }

    public static double Epoch(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    // ---- Code API (tests and seed files) ----

    public string AddNamespace(string name, string type, string? id = null)
    {
        lock (_lock)
        {
            return AddNamespaceLocked(name, type, id, null, null, null, _time.GetUtcNow());
        }
    }

    public string AddService(string namespaceId, string name, EmulatedHealthCheck healthCheck, string? id = null)
    {
        lock (_lock)
        {
            if (!_namespaces.TryGetValue(namespaceId, out var ns))
            {
                throw new ArgumentException($"No namespace '{namespaceId}'.", nameof(namespaceId));
            }

            if (!AwsInput.ServiceNamePattern().IsMatch(name))
            {
                throw new ArgumentException($"'{name}' is not a valid service name.", nameof(name));
            }

            if (healthCheck == EmulatedHealthCheck.Route53 && ns.Type == NamespaceTypes.DnsPrivate)
            {
                throw new ArgumentException("Route 53 health checks are not available in private DNS namespaces.", nameof(healthCheck));
            }

            if (_services.Values.Any(s => s.NamespaceId == ns.Id && string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new ArgumentException($"A service named '{name}' already exists in namespace '{ns.Name}'.", nameof(name));
            }

            JsonObject? dns = null;
            if (ns.Type != NamespaceTypes.Http)
            {
                dns = new JsonObject
                {
                    ["NamespaceId"] = ns.Id,
                    ["RoutingPolicy"] = "MULTIVALUE",
                    ["DnsRecords"] = new JsonArray(new JsonObject { ["Type"] = "SRV", ["TTL"] = 60 }),
                };
            }

            var service = NewService(
                ns,
                name,
                id,
                dns,
                healthCheck == EmulatedHealthCheck.Route53 ? new JsonObject { ["Type"] = "HTTP", ["ResourcePath"] = "/", ["FailureThreshold"] = 1 } : null,
                healthCheck,
                null,
                null,
                ns.Type == NamespaceTypes.Http ? "HTTP" : "DNS_HTTP");
            return service.Id;
        }
    }

    public void PutInstance(string serviceId, string instanceId, IReadOnlyDictionary<string, string> attributes)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var service = _services.GetValueOrDefault(serviceId) ?? throw new ArgumentException($"No service '{serviceId}'.", nameof(serviceId));
            var attrs = new Dictionary<string, string>(attributes, StringComparer.Ordinal);
            try
            {
                if (instanceId.Length is 0 or > 64 || !AwsInput.InstanceIdPattern().IsMatch(instanceId))
                {
                    throw AwsErrorException.InvalidInput($"'{instanceId}' is not a valid instance id.");
                }

                ValidateAttributes(service, _namespaces[service.NamespaceId], attrs);
            }
            catch (AwsErrorException e)
            {
                throw new ArgumentException(e.Message, nameof(attributes), e);
            }

            Upsert(service, instanceId, attrs, null, now, now);
        }
    }

    public bool RemoveInstance(string serviceId, string instanceId)
    {
        lock (_lock)
        {
            if (_services.TryGetValue(serviceId, out var service) && service.Instances.Remove(instanceId))
            {
                service.Revision++;
                return true;
            }

            return false;
        }
    }

    public void SetHealth(string serviceId, string instanceId, string status)
    {
        lock (_lock)
        {
            var service = _services.GetValueOrDefault(serviceId) ?? throw new ArgumentException($"No service '{serviceId}'.", nameof(serviceId));
            var instance = service.Instances.GetValueOrDefault(instanceId) ?? throw new ArgumentException($"No instance '{instanceId}'.", nameof(instanceId));
            if (service.HealthCheck == EmulatedHealthCheck.None)
            {
                throw new InvalidOperationException($"Service '{serviceId}' has no health check; its instances are always UNKNOWN.");
            }

            instance.Health = status;
            instance.PendingHealth = null;
        }
    }

    public List<EmulatedInstance> Snapshot(string serviceId)
    {
        lock (_lock)
        {
            var service = _services.GetValueOrDefault(serviceId) ?? throw new ArgumentException($"No service '{serviceId}'.", nameof(serviceId));
            var now = _time.GetUtcNow();
            return [.. service.Instances.Values.OrderBy(i => i.Id, StringComparer.Ordinal).Select(i => ToSnapshot(service, i, now))];
        }
    }

    public EmulatedHealthCheck? HealthCheckOf(string serviceId)
    {
        lock (_lock)
        {
            return _services.TryGetValue(serviceId, out var s) ? s.HealthCheck : null;
        }
    }

    /// <summary>The state document of <c>GET /_emulator/state</c> and the dashboard.</summary>
    public JsonObject ToStateJson(int recentOperations)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var namespaces = new JsonArray();
            foreach (var ns in _namespaces.Values.OrderBy(n => n.CreateDate).ThenBy(n => n.Id, StringComparer.Ordinal))
            {
                var services = new JsonArray();
                foreach (var service in _services.Values.Where(s => s.NamespaceId == ns.Id).OrderBy(s => s.Name, StringComparer.Ordinal))
                {
                    var instances = new JsonArray();
                    foreach (var instance in service.Instances.Values.OrderBy(i => i.Id, StringComparer.Ordinal))
                    {
                        var snap = ToSnapshot(service, instance, now);
                        instance.Attributes.TryGetValue(InstanceIpv4, out var ip);
                        ip ??= instance.Attributes.GetValueOrDefault(InstanceIpv6);
                        instances.Add(new JsonObject
                        {
                            ["id"] = instance.Id,
                            ["address"] = ip,
                            ["port"] = instance.Attributes.GetValueOrDefault(InstancePort),
                            ["attributes"] = AttributesJson(instance.Attributes),
                            ["health"] = snap.HealthStatus,
                            ["pendingHealth"] = snap.PendingHealthStatus,
                            ["pendingHealthAt"] = snap.PendingHealthEffectiveAt?.ToString("O", CultureInfo.InvariantCulture),
                            ["registeredAt"] = instance.RegisteredAt.ToString("O", CultureInfo.InvariantCulture),
                            ["visible"] = snap.IsVisible,
                        });
                    }

                    services.Add(new JsonObject
                    {
                        ["id"] = service.Id,
                        ["arn"] = service.Arn,
                        ["name"] = service.Name,
                        ["healthCheck"] = service.HealthCheck.ToString().ToLowerInvariant(),
                        ["revision"] = service.Revision,
                        ["instances"] = instances,
                    });
                }

                namespaces.Add(new JsonObject
                {
                    ["id"] = ns.Id,
                    ["name"] = ns.Name,
                    ["httpName"] = ns.HttpName,
                    ["type"] = ns.Type,
                    ["services"] = services,
                });
            }

            var operations = new JsonArray();
            for (var i = _operationOrder.Count - 1; i >= 0 && operations.Count < recentOperations; i--)
            {
                var op = _operationOrder[i];
                operations.Add(new JsonObject
                {
                    ["id"] = op.Id,
                    ["type"] = op.Type,
                    ["status"] = op.Status(now),
                    ["targets"] = AttributesJson(op.Targets),
                    ["errorCode"] = op.IsComplete(now) ? op.FailCode : null,
                    ["createDate"] = op.CreateDate.ToString("O", CultureInfo.InvariantCulture),
                    ["updateDate"] = op.UpdateDate(now).ToString("O", CultureInfo.InvariantCulture),
                });
            }

            return new JsonObject
            {
                ["region"] = Region,
                ["now"] = now.ToString("O", CultureInfo.InvariantCulture),
                ["settings"] = new JsonObject
                {
                    ["healthChangeDelaySeconds"] = _healthChangeDelay.TotalSeconds,
                    ["operationSubmittedSeconds"] = _submitted.TotalSeconds,
                    ["operationPendingSeconds"] = _pending.TotalSeconds,
                    ["propagationDelaySeconds"] = _propagation.TotalSeconds,
                },
                ["namespaces"] = namespaces,
                ["operations"] = operations,
            };
        }
    }

    // ---- Shared helpers (callers hold the lock) ----

    private static TimeSpan NonNegative(TimeSpan value) =>
        value < TimeSpan.Zero ? throw new ArgumentOutOfRangeException(nameof(value), value, "Must not be negative.") : value;

    private static JsonObject AttributesJson(IReadOnlyDictionary<string, string> attributes)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in attributes)
        {
            obj[key] = value;
        }

        return obj;
    }

    private EmulatedInstance ToSnapshot(ServiceRecord service, InstanceRecord instance, DateTimeOffset now)
    {
        var health = EffectiveHealth(service, instance, now);
        return new EmulatedInstance(
            service.Id,
            instance.Id,
            new Dictionary<string, string>(instance.Attributes, StringComparer.Ordinal),
            instance.CreatorRequestId,
            health,
            instance.PendingHealth,
            instance.PendingHealth is null ? null : instance.PendingSince + _healthChangeDelay,
            instance.RegisteredAt,
            now >= instance.VisibleAt);
    }

    /// <summary>Applies a pending status whose delay has run out, then returns the status in effect.</summary>
    private string EffectiveHealth(ServiceRecord service, InstanceRecord instance, DateTimeOffset now)
    {
        if (service.HealthCheck == EmulatedHealthCheck.None)
        {
            return HealthStatuses.Unknown;
        }

        if (instance.PendingHealth is { } pending && now >= instance.PendingSince + _healthChangeDelay)
        {
            instance.Health = pending;
            instance.PendingHealth = null;
        }

        return instance.Health;
    }

    private string NewId(string prefix, int length, Func<string, bool> taken)
    {
        while (true)
        {
            var id = prefix + _random.Chars(length);
            if (!taken(id))
            {
                return id;
            }
        }
    }

    private string AddNamespaceLocked(string name, string type, string? id, string? description, string? creatorRequestId, string? vpc, DateTimeOffset now)
    {
        if (_namespaces.Values.Any(n => string.Equals(n.Name, name, StringComparison.OrdinalIgnoreCase) || string.Equals(n.HttpName, name, StringComparison.Ordinal)))
        {
            throw new ArgumentException($"A namespace named '{name}' already exists.", nameof(name));
        }

        if (id is not null && (_namespaces.ContainsKey(id) || !id.StartsWith("ns-", StringComparison.Ordinal)))
        {
            throw new ArgumentException($"Namespace id '{id}' is taken or does not start with 'ns-'.", nameof(id));
        }

        id ??= NewId("ns-", 16, _namespaces.ContainsKey);
        var ns = new NamespaceRecord
        {
            Id = id,
            Arn = $"arn:aws:servicediscovery:{Region}:{AccountId}:namespace/{id}",
            Name = name,
            HttpName = name,
            Type = type,
            Description = description,
            CreatorRequestId = creatorRequestId,
            Vpc = vpc,
            HostedZoneId = type == NamespaceTypes.Http ? null : "Z" + _random.Chars(20).ToUpperInvariant(),
            CreateDate = now,
        };
        _namespaces.Add(id, ns);
        return id;
    }

    private ServiceRecord NewService(
        NamespaceRecord ns,
        string name,
        string? id,
        JsonObject? dnsConfig,
        JsonObject? healthCheckConfig,
        EmulatedHealthCheck healthCheck,
        string? description,
        string? creatorRequestId,
        string type)
    {
        if (id is not null && (_services.ContainsKey(id) || !id.StartsWith("srv-", StringComparison.Ordinal)))
        {
            throw new ArgumentException($"Service id '{id}' is taken or does not start with 'srv-'.", nameof(id));
        }

        id ??= NewId("srv-", 16, _services.ContainsKey);
        var recordTypes = new List<string>();
        if (dnsConfig?["DnsRecords"] is JsonArray records)
        {
            foreach (var record in records)
            {
                recordTypes.Add(record!["Type"]!.GetValue<string>());
            }
        }

        var service = new ServiceRecord
        {
            Id = id,
            Arn = $"arn:aws:servicediscovery:{Region}:{AccountId}:service/{id}",
            Name = name,
            NamespaceId = ns.Id,
            Type = type,
            Description = description,
            CreatorRequestId = creatorRequestId,
            DnsConfig = dnsConfig,
            RecordTypes = recordTypes,
            HealthCheckConfig = healthCheckConfig,
            HealthCheck = healthCheck,
            CreateDate = _time.GetUtcNow(),
        };
        _services.Add(id, service);
        return service;
    }

    private static void Upsert(ServiceRecord service, string instanceId, Dictionary<string, string> attributes, string? creatorRequestId, DateTimeOffset now, DateTimeOffset visibleAt)
    {
        var initial = service.HealthCheck switch
        {
            EmulatedHealthCheck.Custom => attributes.GetValueOrDefault(InitHealthStatus) ?? HealthStatuses.Healthy,
            EmulatedHealthCheck.Route53 => HealthStatuses.Healthy,
            _ => HealthStatuses.Unknown,
        };
        if (service.Instances.TryGetValue(instanceId, out var existing))
        {
            // "Creates or updates": attributes are replaced, and the health check is recreated from its initial status.
            existing.Attributes = attributes;
            existing.CreatorRequestId = creatorRequestId;
            existing.RegisteredAt = now;
            existing.Health = initial;
            existing.PendingHealth = null;
            if (existing.VisibleAt > visibleAt)
            {
                existing.VisibleAt = visibleAt;
            }
        }
        else
        {
            service.Instances.Add(instanceId, new InstanceRecord
            {
                Id = instanceId,
                Attributes = attributes,
                CreatorRequestId = creatorRequestId,
                RegisteredAt = now,
                VisibleAt = visibleAt,
                Health = initial,
            });
        }

        service.Revision++;
    }

    private static void ValidateAttributes(ServiceRecord service, NamespaceRecord ns, Dictionary<string, string> attributes)
    {
        var custom = 0;
        var chars = 0;
        foreach (var (key, value) in attributes)
        {
            if (key.Length > 255 || !AwsInput.AttrKeyPattern().IsMatch(key))
            {
                throw AwsErrorException.Validation("Attributes", key, "Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ^[a-zA-Z0-9!-~]+$]");
            }

            if (value.Length > 1024 || !AwsInput.AttrValuePattern().IsMatch(value))
            {
                throw AwsErrorException.Validation("Attributes", value, "Map value must satisfy constraint: [Member must have length less than or equal to 1024, Member must satisfy regular expression pattern: ^([a-zA-Z0-9!-~][ \\ta-zA-Z0-9!-~]*){0,1}[a-zA-Z0-9!-~]{0,1}$]");
            }

            chars += key.Length + value.Length;
            if (!ReservedKeys.Contains(key, StringComparer.Ordinal))
            {
                custom++;
            }
        }

        if (custom > MaxCustomAttributes)
        {
            throw AwsErrorException.InvalidInput($"An instance can have at most {MaxCustomAttributes} custom attributes; {custom} were given.");
        }

        if (chars > MaxAttributeChars)
        {
            throw AwsErrorException.InvalidInput($"The total size of all attribute keys and values must not exceed {MaxAttributeChars} characters; it is {chars}.");
        }

        if (attributes.TryGetValue(InitHealthStatus, out var init) && init is not (HealthStatuses.Healthy or HealthStatuses.Unhealthy))
        {
            throw AwsErrorException.InvalidInput($"{InitHealthStatus} must be HEALTHY or UNHEALTHY, not '{init}'.");
        }

        if (attributes.TryGetValue(InstanceIpv4, out var ipv4) && !(IPAddress.TryParse(ipv4, out var a4) && a4.AddressFamily == AddressFamily.InterNetwork && ipv4.Count(c => c == '.') == 3))
        {
            throw AwsErrorException.InvalidInput($"{InstanceIpv4} '{ipv4}' is not a valid IPv4 address.");
        }

        if (attributes.TryGetValue(InstanceIpv6, out var ipv6) && !(IPAddress.TryParse(ipv6, out var a6) && a6.AddressFamily == AddressFamily.InterNetworkV6))
        {
            throw AwsErrorException.InvalidInput($"{InstanceIpv6} '{ipv6}' is not a valid IPv6 address.");
        }

        if (attributes.TryGetValue(InstancePort, out var port) && !(int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535))
        {
            throw AwsErrorException.InvalidInput($"{InstancePort} '{port}' is not a valid port (1-65535).");
        }

        if (attributes.ContainsKey(Ec2InstanceId))
        {
            if (ns.Type != NamespaceTypes.Http)
            {
                throw AwsErrorException.InvalidInput($"{Ec2InstanceId} is only allowed for instances in HTTP namespaces.");
            }

            if (attributes.Keys.Any(k => k is not (Ec2InstanceId or InitHealthStatus)))
            {
                throw AwsErrorException.InvalidInput($"When {Ec2InstanceId} is specified, the only other attribute allowed is {InitHealthStatus}.");
            }

            return;
        }

        if (attributes.ContainsKey(InstanceCname) && !service.RecordTypes.Contains("CNAME"))
        {
            throw AwsErrorException.InvalidInput($"{InstanceCname} is only allowed when the service has a CNAME record.");
        }

        if (attributes.ContainsKey(AliasDnsName) && (service.HealthCheckConfig is not null || !(service.RecordTypes.Contains("A") || service.RecordTypes.Contains("AAAA"))))
        {
            throw AwsErrorException.InvalidInput($"{AliasDnsName} requires a service with A or AAAA records and no Route 53 health check.");
        }

        var alias = attributes.ContainsKey(AliasDnsName);
        foreach (var type in service.RecordTypes)
        {
            var missing = type switch
            {
                "A" when !alias && ipv4 is null => InstanceIpv4,
                "AAAA" when !alias && ipv6 is null => InstanceIpv6,
                "SRV" when port is null => InstancePort,
                "SRV" when ipv4 is null && ipv6 is null => InstanceIpv4,
                "CNAME" when !attributes.ContainsKey(InstanceCname) => InstanceCname,
                _ => null,
            };
            if (missing is not null)
            {
                throw AwsErrorException.InvalidInput($"The service has a {type} record, so the attribute {missing} is required.");
            }
        }

        if (service.HealthCheckConfig is not null && port is null)
        {
            throw AwsErrorException.InvalidInput($"The service has a Route 53 health check, so the attribute {InstancePort} is required.");
        }
    }
}
