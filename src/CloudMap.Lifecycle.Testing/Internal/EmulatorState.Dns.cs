// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using CloudMap.Lifecycle.Testing.Internal.Dns;

namespace CloudMap.Lifecycle.Testing.Internal;

/// <summary>
/// DNS: the records Cloud Map keeps in Route 53 for each DNS namespace (a zone named as the namespace), answered from
/// the same records under the same lock, at the instant of the query.
/// </summary>
/// <remarks>
/// Per service with a <c>DnsConfig</c>, at <c>&lt;service&gt;.&lt;namespace&gt;</c>: A (<c>AWS_INSTANCE_IPV4</c>), AAAA
/// (<c>AWS_INSTANCE_IPV6</c>), CNAME (<c>AWS_INSTANCE_CNAME</c>) and SRV (<c>1 1 AWS_INSTANCE_PORT
/// &lt;InstanceId&gt;.&lt;service&gt;.&lt;namespace&gt;</c>), each with its TTL; for an SRV service also the A/AAAA of
/// each target name (the A or AAAA record's TTL, the SRV TTL when the service has none), in the additional section of an
/// SRV answer. MULTIVALUE: up to 8 routable records, up to 8 unhealthy ones when none is routable; WEIGHTED: one random
/// routable record, one random of all when none is. Routable: healthy, or UNKNOWN (a Route 53 check without a result
/// yet, or a service without health check), after the custom-health delay. A name whose records all went away (no
/// instance) does not exist (NXDOMAIN), as Cloud Map deletes an empty record set; negative answers carry the zone's SOA,
/// whose TTL (the namespace's <c>SOA.TTL</c>) bounds negative caching.
/// </remarks>
internal sealed partial class EmulatorState
{
    /// <summary>Route 53's answer size rule for MULTIVALUE: at most eight records.</summary>
    public const int MaxMultivalueAnswers = 8;

    private const string SoaPrimaryServer = "ns-1.awsdns-00.com";
    private const string SoaMailbox = "awsdns-hostmaster.amazon.com";

    public DnsAnswer AnswerDns(DnsQuery query)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var name = query.Name;
            var zone = _namespaces.Values
                .Where(n => n.Type != NamespaceTypes.Http)
                .Where(n => name == Lower(n.Name) || name.EndsWith("." + Lower(n.Name), StringComparison.Ordinal))
                .MaxBy(n => n.Name.Length);
            if (zone is null)
            {
                // Authoritative only: no recursion for names outside the emulated zones.
                return DnsAnswer.Error(DnsRcode.Refused);
            }

            var zoneName = Lower(zone.Name);
            var soa = new DnsSoaRecord(zoneName, (uint)zone.SoaTtl, SoaPrimaryServer, SoaMailbox, 1, 7200, 900, 1209600, 86400);
            var existing = DnsNames(zone, now);
            if (name == zoneName && query.Type is DnsType.Soa or DnsType.Any)
            {
                return new DnsAnswer(DnsRcode.NoError, true, [soa], [], []);
            }

            if (!existing.TryGetValue(name, out var records))
            {
                var exists = name == zoneName || existing.Keys.Any(n => n.EndsWith("." + name, StringComparison.Ordinal));
                return new DnsAnswer(exists ? DnsRcode.NoError : DnsRcode.NxDomain, true, [], [soa], []);
            }

            var answers = records.Answer(query.Type);
            return answers.Count == 0
                ? new DnsAnswer(DnsRcode.NoError, true, [], [soa], [])
                : new DnsAnswer(DnsRcode.NoError, true, answers, [], NameRecords.Additional(answers, existing));
        }
    }

    /// <summary>The DNS records of every service of a namespace, for the admin state document and the dashboard.</summary>
    private List<DnsRecordDocument> DnsRecordsOf(ServiceRecord service, DateTimeOffset now)
    {
        if (service.DnsConfig is null || !_namespaces.TryGetValue(service.NamespaceId, out var ns) || ns.Type == NamespaceTypes.Http)
        {
            return [];
        }

        var names = DnsNames(ns, now);
        var serviceName = Lower(service.Name) + "." + Lower(ns.Name);
        var result = new List<DnsRecordDocument>();
        foreach (var (name, set) in names.Where(n => n.Value.Service == service).OrderBy(n => n.Key == serviceName ? 0 : 1).ThenBy(n => n.Key, StringComparer.Ordinal))
        {
            foreach (var record in set.All)
            {
                result.Add(new DnsRecordDocument(name, TypeName(record.Type), record.Ttl, RecordText(record), set.Routable(record), set.InAnswerPool(record)));
            }
        }

        return result;
    }

    private static string TypeName(DnsType type) => type switch
    {
        DnsType.A => RecordTypes.A,
        DnsType.Aaaa => RecordTypes.Aaaa,
        DnsType.Srv => RecordTypes.Srv,
        DnsType.Cname => RecordTypes.Cname,
        _ => ((ushort)type).ToString(CultureInfo.InvariantCulture),
    };

    private static string RecordText(DnsRecord record) => record switch
    {
        DnsAddressRecord a => a.Address.ToString(),
        DnsCnameRecord c => c.Target,
        DnsSrvRecord s => string.Create(CultureInfo.InvariantCulture, $"{s.Priority} {s.Weight} {s.Port} {s.Target}"),
        _ => string.Empty,
    };

    private static string Lower(string name) => name.TrimEnd('.').ToLowerInvariant();

    private bool IsRoutable(ServiceRecord service, InstanceRecord instance, DateTimeOffset now) =>
        service.HealthCheck == EmulatedHealthCheck.None || HealthOf(service, instance, now).Status != HealthStatuses.Unhealthy;

    /// <summary>Every owner name with records in a zone, with what it holds.</summary>
    private Dictionary<string, NameRecords> DnsNames(NamespaceRecord ns, DateTimeOffset now)
    {
        var zone = Lower(ns.Name);
        var names = new Dictionary<string, NameRecords>(StringComparer.Ordinal);
        foreach (var service in ServicesIn(ns).Where(s => s.DnsConfig is not null))
        {
            var config = service.DnsConfig!;
            var serviceName = Lower(service.Name) + "." + zone;
            var set = new NameRecords(service, config.RoutingPolicy, _random);
            var instances = service.Instances.Values.Where(i => i.IsVisible(now)).OrderBy(i => i.Id, StringComparer.Ordinal).ToList();
            foreach (var record in config.DnsRecords)
            {
                var ttl = (uint)Math.Clamp(record.TTL, 0, int.MaxValue);
                foreach (var instance in instances)
                {
                    var routable = IsRoutable(service, instance, now);
                    var target = Lower(instance.Id) + "." + serviceName;
                    DnsRecord? dns = record.Type switch
                    {
                        RecordTypes.A => Address(serviceName, ttl, instance, CloudMapRules.InstanceIpv4),
                        RecordTypes.Aaaa => Address(serviceName, ttl, instance, CloudMapRules.InstanceIpv6),
                        RecordTypes.Cname when instance.Attributes.TryGetValue(CloudMapRules.InstanceCname, out var cname) => new DnsCnameRecord(serviceName, ttl, Lower(cname)),
                        RecordTypes.Srv when instance.Attributes.TryGetValue(CloudMapRules.InstancePort, out var port) &&
                            ushort.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) => new DnsSrvRecord(serviceName, ttl, 1, 1, p, target),
                        _ => null,
                    };
                    if (dns is not null)
                    {
                        set.Add(dns, routable);
                    }

                    if (record.Type == RecordTypes.Srv)
                    {
                        // The SRV target's own address records, named after the instance.
                        var targetSet = names.TryGetValue(target, out var t) ? t : names[target] = new NameRecords(service, RoutingPolicies.Multivalue, _random);
                        var aTtl = (uint)(config.DnsRecords.FirstOrDefault(r => r.Type == RecordTypes.A)?.TTL ?? record.TTL);
                        var aaaaTtl = (uint)(config.DnsRecords.FirstOrDefault(r => r.Type == RecordTypes.Aaaa)?.TTL ?? record.TTL);
                        if (Address(target, aTtl, instance, CloudMapRules.InstanceIpv4) is { } a)
                        {
                            targetSet.Add(a, routable: true);
                        }

                        if (Address(target, aaaaTtl, instance, CloudMapRules.InstanceIpv6) is { } aaaa)
                        {
                            targetSet.Add(aaaa, routable: true);
                        }
                    }
                }
            }

            if (set.All.Count > 0)
            {
                names[serviceName] = set;
            }
        }

        foreach (var empty in names.Where(n => n.Value.All.Count == 0).Select(n => n.Key).ToList())
        {
            names.Remove(empty);
        }

        return names;
    }

    private static DnsAddressRecord? Address(string name, uint ttl, InstanceRecord instance, string attribute) =>
        instance.Attributes.TryGetValue(attribute, out var text) && IPAddress.TryParse(text, out var address) ? new DnsAddressRecord(name, ttl, address) : null;

    /// <summary>The records at one owner name, and the routing policy that picks the answer among them.</summary>
    private sealed class NameRecords(ServiceRecord service, string routingPolicy, SharedRandom random)
    {
        private readonly List<(DnsRecord Record, bool Routable)> _records = [];

        public ServiceRecord Service => service;

        public List<DnsRecord> All => [.. _records.Select(r => r.Record)];

        public void Add(DnsRecord record, bool routable) => _records.Add((record, routable));

        public bool Routable(DnsRecord record) => _records.First(r => ReferenceEquals(r.Record, record)).Routable;

        /// <summary>Whether a query for the record's type draws from it now: it is routable, or none of its type is (fail-open).</summary>
        public bool InAnswerPool(DnsRecord record) =>
            Routable(record) || !_records.Any(r => r.Record.Type == record.Type && r.Routable);

        public List<DnsRecord> Answer(DnsType type)
        {
            // A CNAME answers every type (RFC 1034 3.6.2); ANY gets every type, each picked by the policy.
            var cname = _records.Any(r => r.Record.Type == DnsType.Cname);
            var types = type == DnsType.Any ? _records.Select(r => r.Record.Type).Distinct().ToList()
                : cname ? [DnsType.Cname]
                : [type];
            var answer = new List<DnsRecord>();
            foreach (var t in types)
            {
                var candidates = _records.Where(r => r.Record.Type == t).ToList();
                if (candidates.Count == 0)
                {
                    continue;
                }

                var routable = candidates.Where(r => r.Routable).Select(r => r.Record).ToList();
                var pool = routable.Count > 0 ? routable : [.. candidates.Select(r => r.Record)];
                random.Shuffle(pool);
                answer.AddRange(routingPolicy == RoutingPolicies.Weighted ? pool.Take(1) : pool.Take(MaxMultivalueAnswers));
            }

            return answer;
        }

        /// <summary>The address records of the SRV targets in an answer.</summary>
        public static List<DnsRecord> Additional(List<DnsRecord> answers, Dictionary<string, NameRecords> names) =>
            [.. answers.OfType<DnsSrvRecord>()
                .SelectMany(srv => names.TryGetValue(srv.Target, out var target) ? target.All : [])];
    }
}
