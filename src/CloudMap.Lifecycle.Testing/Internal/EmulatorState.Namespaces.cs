// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>CreateHttpNamespace / CreatePrivateDnsNamespace / CreatePublicDnsNamespace request.</summary>
internal sealed record CreateNamespaceInput(string Type, string Name, string? CreatorRequestId, string? Description, string? Vpc, long? SoaTtl = null)
{
    public static Func<JsonObject, CreateNamespaceInput> Reader(string type) => body =>
    {
        var name = type switch
        {
            NamespaceTypes.Http => AwsInput.String(body, "Name", required: true, max: 1024, pattern: CloudMapRules.HttpNamespaceNamePattern())!,
            NamespaceTypes.DnsPublic => AwsInput.String(body, "Name", required: true, max: 253, pattern: CloudMapRules.PublicNamespaceNamePattern())!,
            _ => AwsInput.String(body, "Name", required: true, max: 253, pattern: CloudMapRules.HttpNamespaceNamePattern())!,
        };
        var creatorRequestId = AwsInput.String(body, "CreatorRequestId", max: 64);
        var description = AwsInput.String(body, "Description", max: 1024);
        var vpc = type == NamespaceTypes.DnsPrivate ? AwsInput.String(body, "Vpc", required: true, max: 64) : null;
        var soaTtl = type == NamespaceTypes.Http ? null : ReadSoaTtl(body);
        CheckTags(body);
        return new CreateNamespaceInput(type, name, creatorRequestId, description, vpc, soaTtl);
    };

    /// <summary>
    /// <c>Properties.DnsProperties.SOA.TTL</c> of CreatePrivateDnsNamespace/CreatePublicDnsNamespace (and, inside
    /// <c>Namespace</c>, of the updates): optional as a whole, but once <c>Properties</c> is given, <c>DnsProperties</c>,
    /// <c>SOA</c> and <c>TTL</c> are required (the API's shapes: PrivateDnsNamespaceProperties,
    /// PrivateDnsPropertiesMutable, SOA; the ...Change shapes of the updates and the public ones are alike).
    /// </summary>
    internal static long? ReadSoaTtl(JsonObject body)
    {
        if (AwsInput.Struct(body, "Properties") is not { } properties)
        {
            return null;
        }

        var dns = AwsInput.Struct(properties, "DnsProperties", required: true)!;
        var soa = AwsInput.Struct(dns, "SOA", required: true)!;
        return AwsInput.Long(soa, "TTL", 0, int.MaxValue, required: true);
    }

    public static void CheckTags(JsonObject body)
    {
        if (AwsInput.List(body, "Tags") is { Count: > CloudMapRules.MaxTags })
        {
            throw new AwsErrorException(CloudMapRules.ErrorCodes.TooManyTagsException, $"A resource can have at most {CloudMapRules.MaxTags} tags.");
        }
    }
}

/// <summary>
/// UpdateHttpNamespace / UpdatePrivateDnsNamespace / UpdatePublicDnsNamespace request (botocore shapes
/// <c>HttpNamespaceChange</c>: <c>Description</c> required; <c>PrivateDnsNamespaceChange</c> and
/// <c>PublicDnsNamespaceChange</c>: <c>Description</c> and <c>Properties.DnsProperties.SOA.TTL</c>, each optional).
/// </summary>
internal sealed record UpdateNamespaceInput(string Type, string Id, string? UpdaterRequestId, string? Description, long? SoaTtl)
{
    public static Func<JsonObject, UpdateNamespaceInput> Reader(string type) => body =>
    {
        var id = AwsInput.String(body, "Id", required: true, max: 255)!;
        var updaterRequestId = AwsInput.String(body, "UpdaterRequestId", max: 64);
        var change = AwsInput.Struct(body, "Namespace", required: true)!;
        var description = AwsInput.String(change, "Description", required: type == NamespaceTypes.Http, max: 1024);
        var soaTtl = type == NamespaceTypes.Http ? null : CreateNamespaceInput.ReadSoaTtl(change);
        return new UpdateNamespaceInput(type, id, updaterRequestId, description, soaTtl);
    };
}

internal sealed record NamespaceResponse(NamespaceView Namespace);

internal sealed record ListNamespacesResponse(IReadOnlyList<NamespaceView> Namespaces, string? NextToken);

/// <summary>A <c>Namespace</c> (or, without <c>CreatorRequestId</c>, a <c>NamespaceSummary</c>).</summary>
internal sealed record NamespaceView(
    string Id,
    string Arn,
    string ResourceOwner,
    string Name,
    string Type,
    string? Description,
    int ServiceCount,
    NamespacePropertiesView Properties,
    double CreateDate,
    string? CreatorRequestId);

internal sealed record NamespacePropertiesView(DnsPropertiesView? DnsProperties, HttpPropertiesView HttpProperties);

internal sealed record DnsPropertiesView(string? HostedZoneId, SoaView SOA);

internal sealed record SoaView(long TTL);

internal sealed record HttpPropertiesView(string HttpName);

/// <summary>Namespaces: the code API's <see cref="AddNamespace"/> and the namespace operations.</summary>
internal sealed partial class EmulatorState
{
    public string AddNamespace(string name, string type, string? id = null, long? soaTtl = null) =>
        Locked(() => AddNamespaceLocked(name, type, id, null, null, null, soaTtl, _time.GetUtcNow()));

    private string AddNamespaceLocked(string name, string type, string? id, string? description, string? creatorRequestId, string? vpc, long? soaTtl, DateTimeOffset now)
    {
        if (soaTtl is < 0 or > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(soaTtl), soaTtl, $"The SOA TTL of namespace '{name}' must be 0-{int.MaxValue} seconds, as Cloud Map's SOA.TTL.");
        }

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
            SoaTtl = soaTtl ?? NamespaceRecord.DefaultSoaTtl,
            CreateDate = now,
        };
        _namespaces.Add(id, ns);
        return id;
    }

    private string CreateNamespace(CreateNamespaceInput input, string? failCode)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var existing = _namespaces.Values.FirstOrDefault(n => string.Equals(n.Name, input.Name, StringComparison.OrdinalIgnoreCase));
            if (existing is not null)
            {
                throw AwsErrorException.AlreadyExists(CloudMapRules.ErrorCodes.NamespaceAlreadyExists, $"Namespace '{input.Name}' already exists.", "NamespaceId", existing.Id, existing.CreatorRequestId);
            }

            // A failed creation still names the namespace it would have created.
            var id = failCode is null
                ? AddNamespaceLocked(input.Name, input.Type, null, input.Description, input.CreatorRequestId, input.Vpc, input.SoaTtl, now)
                : NewId("ns-", 16, _namespaces.ContainsKey);
            return NewOperation(OperationTypes.CreateNamespace, NamespaceTargets(id), input.CreatorRequestId, failCode, now).Id;
        }
    }

    private string DeleteNamespace(ResourceIdInput input, string? failCode)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var ns = NamespaceById(input.Id);
            if (ServicesIn(ns).Any())
            {
                throw new AwsErrorException(CloudMapRules.ErrorCodes.ResourceInUse, $"Namespace '{ns.Id}' still contains services.");
            }

            var op = NewOperation(OperationTypes.DeleteNamespace, NamespaceTargets(ns.Id), null, failCode, now);
            if (failCode is null)
            {
                _namespaces.Remove(ns.Id);
            }

            return op.Id;
        }
    }

    /// <summary>
    /// Changes a namespace's description and (DNS namespaces) SOA TTL, as one UPDATE_NAMESPACE operation; the change
    /// applies when accepted, as every operation here. The SOA TTL acts on the next negative answer (its authority
    /// section) and SOA query. A namespace of another type is an InvalidInput; a second update while the previous one
    /// has not completed is a DuplicateRequest naming it.
    /// </summary>
    private string UpdateNamespace(UpdateNamespaceInput input, string? failCode)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var ns = NamespaceById(input.Id);
            if (ns.Type != input.Type)
            {
                throw new AwsErrorException(CloudMapRules.ErrorCodes.InvalidInput, $"Namespace '{ns.Id}' is a {ns.Type} namespace, not {input.Type}.");
            }

            var targets = NamespaceTargets(ns.Id);
            if (_operationOrder.LastOrDefault(o => o.Type == OperationTypes.UpdateNamespace && o.Targets["NAMESPACE"] == ns.Id) is { } previous && !previous.IsComplete(now))
            {
                throw new AwsErrorException(
                    CloudMapRules.ErrorCodes.DuplicateRequest,
                    $"Another update of namespace '{ns.Id}' is in progress.",
                    400,
                    new Dictionary<string, string>(StringComparer.Ordinal) { ["DuplicateOperationId"] = previous.Id });
            }

            var op = NewOperation(OperationTypes.UpdateNamespace, targets, input.UpdaterRequestId, failCode, now);
            if (failCode is null)
            {
                ns.Description = input.Description ?? ns.Description;
                ns.SoaTtl = input.SoaTtl ?? ns.SoaTtl;
            }

            return op.Id;
        }
    }

    private NamespaceResponse GetNamespace(ResourceIdInput input) =>
        Locked(() => new NamespaceResponse(NamespaceView(NamespaceById(input.Id), summary: false)));

    private ListNamespacesResponse ListNamespaces(ListInput input)
    {
        lock (_lock)
        {
            var all = _namespaces.Values.OrderBy(n => n.CreateDate).ThenBy(n => n.Id, StringComparer.Ordinal).ToList();
            var (items, next) = input.Apply(all, MatchesNamespace, ns => NamespaceView(ns, summary: true));
            return new ListNamespacesResponse(items, next);
        }
    }

    private static bool MatchesNamespace(Filter filter, NamespaceRecord ns) => filter.Name switch
    {
        "TYPE" => filter.Values.Contains(ns.Type),
        "NAME" => filter.Matches(ns.Name),
        "HTTP_NAME" => filter.Matches(ns.HttpName),
        _ => filter.Values.Contains(AccountId),
    };

    private static Dictionary<string, string> NamespaceTargets(string namespaceId) =>
        new(StringComparer.Ordinal) { ["NAMESPACE"] = namespaceId };

    private NamespaceView NamespaceView(NamespaceRecord ns, bool summary) => new(
        ns.Id,
        ns.Arn,
        AccountId,
        ns.Name,
        ns.Type,
        ns.Description,
        ServicesIn(ns).Count(),
        new NamespacePropertiesView(
            ns.Type == NamespaceTypes.Http ? null : new DnsPropertiesView(ns.HostedZoneId, new SoaView(ns.SoaTtl)),
            new HttpPropertiesView(ns.HttpName)),
        Epoch(ns.CreateDate),
        summary ? null : ns.CreatorRequestId);
}
