// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>CreateService request: everything that can be checked without the namespace.</summary>
internal sealed record CreateServiceInput(
    string Name,
    string NamespaceId,
    string? CreatorRequestId,
    string? Description,
    DnsConfigInput? DnsConfig,
    Route53HealthCheckConfig? HealthCheckConfig,
    bool HasCustomHealthCheck,
    string? Type)
{
    private static readonly string[] TypeValues = [ServiceTypes.Http];

    public static CreateServiceInput Read(JsonObject body)
    {
        var name = AwsInput.String(body, "Name", required: true, pattern: CloudMapRules.ServiceNamePattern())!;
        var namespaceId = AwsInput.String(body, "NamespaceId", max: 255);
        var creatorRequestId = AwsInput.String(body, "CreatorRequestId", max: 64);
        var description = AwsInput.String(body, "Description", max: 1024);
        var dnsConfig = AwsInput.Struct(body, "DnsConfig");
        var healthCheckConfig = AwsInput.Struct(body, "HealthCheckConfig");
        var customConfig = AwsInput.Struct(body, "HealthCheckCustomConfig");
        var type = AwsInput.String(body, "Type", allowed: TypeValues);
        CreateNamespaceInput.CheckTags(body);

        var dns = dnsConfig is null ? null : CloudMapRules.ReadDnsConfig(dnsConfig);
        namespaceId ??= dns?.NamespaceId;
        var health = healthCheckConfig is null ? null : CloudMapRules.ReadHealthCheckConfig(healthCheckConfig);
        if (customConfig is not null)
        {
            // Deprecated and always 1 in the answer, but still range-checked.
            _ = AwsInput.Long(customConfig, "FailureThreshold", 1, 10);
        }

        if (health is not null && customConfig is not null)
        {
            throw AwsErrorException.InvalidInput("A service can have either HealthCheckConfig or HealthCheckCustomConfig, not both.");
        }

        return namespaceId is null
            ? throw AwsErrorException.InvalidInput("NamespaceId is required.")
            : new CreateServiceInput(name, namespaceId, creatorRequestId, description, dns, health, customConfig is not null, type);
    }
}

internal sealed record ServiceResponse(ServiceView Service);

internal sealed record ListServicesResponse(IReadOnlyList<ServiceView> Services, string? NextToken);

/// <summary>A <c>Service</c> (or, without <c>NamespaceId</c> and <c>CreatorRequestId</c>, a <c>ServiceSummary</c>).</summary>
internal sealed record ServiceView(
    string Id,
    string Arn,
    string ResourceOwner,
    string Name,
    string? NamespaceId,
    string Type,
    string? Description,
    int InstanceCount,
    ServiceDnsConfig? DnsConfig,
    Route53HealthCheckConfig? HealthCheckConfig,
    CustomHealthCheckView? HealthCheckCustomConfig,
    double CreateDate,
    string? CreatorRequestId,
    string CreatedByAccount);

/// <summary><c>HealthCheckCustomConfig</c>: <c>FailureThreshold</c> is deprecated and always 1.</summary>
internal sealed record CustomHealthCheckView(int FailureThreshold)
{
    public static readonly CustomHealthCheckView Instance = new(1);
}

/// <summary>Services: the code API's <see cref="AddService"/> and the service operations.</summary>
internal sealed partial class EmulatorState
{
    // dnsConfig and route53 are read as CreateService reads them (the seed's); null gives the code API's defaults.
    public string AddService(string namespaceId, string name, EmulatedHealthCheck healthCheck, string? id = null, DnsConfigInput? dnsConfig = null, Route53HealthCheckConfig? route53 = null)
    {
        lock (_lock)
        {
            if (!_namespaces.TryGetValue(namespaceId, out var ns))
            {
                throw new ArgumentException($"No namespace '{namespaceId}'.", nameof(namespaceId));
            }

            if (!CloudMapRules.ServiceNamePattern().IsMatch(name))
            {
                throw new ArgumentException($"'{name}' is not a valid service name.", nameof(name));
            }

            if (healthCheck == EmulatedHealthCheck.Route53 && ns.Type == NamespaceTypes.DnsPrivate)
            {
                throw new ArgumentException("Route 53 health checks are not available in private DNS namespaces.", nameof(healthCheck));
            }

            if (ServiceNamed(ns, name) is not null)
            {
                throw new ArgumentException($"A service named '{name}' already exists in namespace '{ns.Name}'.", nameof(name));
            }

            if (dnsConfig is not null && ns.Type == NamespaceTypes.Http)
            {
                throw new ArgumentException("DnsConfig is not allowed for a service in an HTTP namespace.", nameof(dnsConfig));
            }

            if (route53 is not null && healthCheck != EmulatedHealthCheck.Route53)
            {
                throw new ArgumentException("A Route 53 HealthCheckConfig needs the route53 health check kind.", nameof(route53));
            }

            // The code API's defaults: an SRV record (MULTIVALUE, TTL 60) in DNS namespaces, an HTTP check on '/'.
            var dns = ns.Type == NamespaceTypes.Http ? null
                : dnsConfig is not null ? new ServiceDnsConfig(ns.Id, dnsConfig.RoutingPolicy, dnsConfig.DnsRecords)
                : new ServiceDnsConfig(ns.Id, RoutingPolicies.Multivalue, [new DnsRecordConfig(RecordTypes.Srv, 60)]);
            route53 ??= healthCheck == EmulatedHealthCheck.Route53 ? new Route53HealthCheckConfig("HTTP", "/", 1) : null;
            var type = ns.Type == NamespaceTypes.Http ? ServiceTypes.Http : ServiceTypes.DnsHttp;
            return NewService(ns, name, id, dns, route53, healthCheck, null, null, type).Id;
        }
    }

    private ServiceRecord NewService(
        NamespaceRecord ns,
        string name,
        string? id,
        ServiceDnsConfig? dnsConfig,
        Route53HealthCheckConfig? healthCheckConfig,
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
            HealthCheckConfig = healthCheckConfig,
            HealthCheck = healthCheck,
            CreateDate = _time.GetUtcNow(),
        };
        _services.Add(id, service);
        return service;
    }

    private ServiceResponse CreateService(CreateServiceInput input)
    {
        lock (_lock)
        {
            var ns = NamespaceById(input.NamespaceId);
            CloudMapRules.ValidateServiceInNamespace(ns, input.DnsConfig is not null, input.HealthCheckConfig is not null, input.Type);
            var existing = ServiceNamed(ns, input.Name);
            if (existing is not null)
            {
                throw AwsErrorException.AlreadyExists(CloudMapRules.ErrorCodes.ServiceAlreadyExists, $"Service '{input.Name}' already exists in namespace '{ns.Id}'.", "ServiceId", existing.Id, existing.CreatorRequestId);
            }

            var kind = input.HealthCheckConfig is not null ? EmulatedHealthCheck.Route53
                : input.HasCustomHealthCheck ? EmulatedHealthCheck.Custom
                : EmulatedHealthCheck.None;
            var dns = input.DnsConfig is { } d ? new ServiceDnsConfig(ns.Id, d.RoutingPolicy, d.DnsRecords) : null;
            var type = ns.Type == NamespaceTypes.Http || input.Type == ServiceTypes.Http ? ServiceTypes.Http : ServiceTypes.DnsHttp;
            var service = NewService(ns, input.Name, null, dns, input.HealthCheckConfig, kind, input.Description, input.CreatorRequestId, type);
            return new ServiceResponse(ServiceView(service, summary: false));
        }
    }

    private EmptyResponse DeleteService(ResourceIdInput input)
    {
        lock (_lock)
        {
            var service = ServiceById(input.Id);
            if (service.Instances.Count > 0)
            {
                throw new AwsErrorException(CloudMapRules.ErrorCodes.ResourceInUse, $"Service '{service.Id}' still has {service.Instances.Count} registered instances.");
            }

            _services.Remove(service.Id);
            return EmptyResponse.Instance;
        }
    }

    private ServiceResponse GetService(ResourceIdInput input) =>
        Locked(() => new ServiceResponse(ServiceView(ServiceById(input.Id), summary: false)));

    private ListServicesResponse ListServices(ListInput input)
    {
        lock (_lock)
        {
            var all = _services.Values.OrderBy(s => s.CreateDate).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
            var (items, next) = input.Apply(
                all,
                static (f, s) => f.Name == "NAMESPACE_ID" ? f.Values.Contains(s.NamespaceId) : f.Values.Contains(AccountId),
                s => ServiceView(s, summary: true));
            return new ListServicesResponse(items, next);
        }
    }

    private static ServiceView ServiceView(ServiceRecord service, bool summary) => new(
        service.Id,
        service.Arn,
        AccountId,
        service.Name,
        summary ? null : service.NamespaceId,
        service.Type,
        service.Description,
        service.Instances.Count,
        service.DnsConfig,
        service.HealthCheckConfig,
        service.HealthCheck == EmulatedHealthCheck.Custom ? CustomHealthCheckView.Instance : null,
        Epoch(service.CreateDate),
        summary ? null : service.CreatorRequestId,
        AccountId);
}
