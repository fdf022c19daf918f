// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Tests;

/// <summary>
/// The emulator's answers, byte for byte: a scripted session (every operation, its validation errors, paging, filters,
/// health timing, faults, the admin API and the code API) on a fake clock with a fixed random seed, compared with a
/// recorded transcript. A change of any answer, of member order or of number formatting fails here first; when the
/// change is intended, regenerate with <c>CLOUDMAP_UPDATE_TRANSCRIPT=1</c> and review the diff.
/// </summary>
public sealed class WireTranscriptTests
{
    private const string GoldenFile = "WireTranscript.golden.txt";

    [Fact]
    public async Task Transcript_ScriptedSession_MatchesRecordedBytes()
    {
        var transcript = await RecordAsync();

        var golden = GoldenPath();
        if (Environment.GetEnvironmentVariable("CLOUDMAP_UPDATE_TRANSCRIPT") == "1")
        {
            await File.WriteAllTextAsync(golden, transcript, TestContext.Current.CancellationToken);
        }

        var expected = (await File.ReadAllTextAsync(golden, TestContext.Current.CancellationToken)).ReplaceLineEndings("\n");
        var expectedLines = expected.Split('\n');
        var actualLines = transcript.Split('\n');
        for (var i = 0; i < Math.Min(expectedLines.Length, actualLines.Length); i++)
        {
            Assert.True(expectedLines[i] == actualLines[i], $"Transcript line {i + 1} differs.\nexpected: {expectedLines[i]}\nactual:   {actualLines[i]}");
        }

        Assert.Equal(expectedLines.Length, actualLines.Length);
    }

    /// <summary>The recorded transcript in the source tree (found from the build output: CI maps source paths away).</summary>
    private static string GoldenPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CloudMap.Lifecycle.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "CloudMap.Lifecycle.Testing.Tests", GoldenFile);
            }
        }

        throw new FileNotFoundException("The repository root (CloudMap.Lifecycle.sln) was not found above " + AppContext.BaseDirectory);
    }

    private static async Task<string> RecordAsync()
    {
        var clock = new TimerCountingFakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var seed = """
            {"namespaces":[{"name":"seeded.local","type":"private","id":"ns-seeded000000000a","services":[
              {"name":"db","healthCheck":"custom","id":"srv-seeded00000000a","instances":[
                {"id":"db-1","attributes":{"AWS_INSTANCE_IPV4":"10.1.0.1","AWS_INSTANCE_PORT":"5432","tier":"7"}}]}]}]}
            """;
        await using var emulator = await CloudMapEmulator.StartAsync(
            new CloudMapEmulatorOptions { TimeProvider = clock, RandomSeed = 42, SeedJson = seed, RequestLogCapacity = 500, CompleteOperationsImmediately = false },
            TestContext.Current.CancellationToken);
        using var session = new Session(emulator, clock);
        await NamespacesAsync(session);
        await ServicesAsync(session);
        await InstancesAsync(session);
        await HealthAndDiscoveryAsync(session);
        await OperationsAsync(session);
        await FaultsAsync(session);
        await ProtocolAsync(session);
        await AdminAsync(session);
        CodeApi(session);
        await SeedErrorsAsync(session);
        return session.Text;
    }

    private static async Task NamespacesAsync(Session s)
    {
        await s.CallAsync("ListNamespaces", "{}");
        await s.CallAsync("CreateHttpNamespace", """{"Name":"shop","CreatorRequestId":"req-ns-1","Description":"The shop"}""", ("opNs", "OperationId"));
        await s.CallAsync("GetOperation", """{"OperationId":"$opNs$"}""");
        s.Advance(TimeSpan.FromMilliseconds(300));
        await s.CallAsync("GetOperation", """{"OperationId":"$opNs$"}""");
        s.Advance(TimeSpan.FromSeconds(1));
        await s.CallAsync("GetOperation", """{"OperationId":"$opNs$"}""", ("shop", "Operation.Targets.NAMESPACE"));
        await s.CallAsync("CreateHttpNamespace", """{"Name":"SHOP","CreatorRequestId":"other"}""");
        await s.CallAsync("CreateHttpNamespace", "{}");
        await s.CallAsync("CreateHttpNamespace", """{"Name":"arn:aws:nope"}""");
        await s.CallAsync("CreateHttpNamespace", """{"Name":42}""");
        await s.CallAsync("CreateHttpNamespace", """{"Name":"tags","Tags":[""" + string.Join(',', Enumerable.Repeat("""{"Key":"k","Value":"v"}""", 201)) + "]}");
        await s.CallAsync("CreatePrivateDnsNamespace", """{"Name":"corp.local"}""");
        await s.CallAsync("CreatePrivateDnsNamespace", """{"Name":"corp.local","Vpc":"vpc-0123"}""", ("opCorp", "OperationId"));
        await s.CallAsync("CreatePublicDnsNamespace", """{"Name":"bad_name.com"}""");
        await s.CallAsync("CreatePublicDnsNamespace", """{"Name":"example.com","Description":"<public & \"quoted\">"}""", ("opPub", "OperationId"));
        s.Advance(TimeSpan.FromSeconds(1));
        await s.CallAsync("GetOperation", """{"OperationId":"$opCorp$"}""", ("corp", "Operation.Targets.NAMESPACE"));
        await s.CallAsync("GetOperation", """{"OperationId":"$opPub$"}""", ("pub", "Operation.Targets.NAMESPACE"));
        await s.CallAsync("GetNamespace", """{"Id":"$shop$"}""");
        await s.CallAsync("GetNamespace", """{"Id":"arn:aws:servicediscovery:us-east-1:123456789012:namespace/$corp$"}""");
        await s.CallAsync("GetNamespace", """{"Id":"$pub$"}""");
        await s.CallAsync("GetNamespace", """{"Id":"ns-nope"}""");
        await s.CallAsync("GetNamespace", "{}");
        await s.CallAsync("ListNamespaces", "{}");
        await s.CallAsync("ListNamespaces", """{"MaxResults":2}""", ("page", "NextToken"));
        await s.CallAsync("ListNamespaces", """{"MaxResults":2,"NextToken":"$page$"}""");
        await s.CallAsync("ListNamespaces", """{"Filters":[{"Name":"TYPE","Values":["DNS_PRIVATE"],"Condition":"EQ"}]}""");
        await s.CallAsync("ListNamespaces", """{"Filters":[{"Name":"NAME","Values":["sh","co"],"Condition":"BEGINS_WITH"}]}""");
        await s.CallAsync("ListNamespaces", """{"Filters":[{"Name":"HTTP_NAME","Values":["shop"]}]}""");
        await s.CallAsync("ListNamespaces", """{"Filters":[{"Name":"RESOURCE_OWNER","Values":["123456789012"]}]}""");
        await s.CallAsync("ListNamespaces", """{"MaxResults":1,"Filters":[{"Name":"TYPE","Values":["DNS_PUBLIC"]}]}""");
        await s.CallAsync("ListNamespaces", """{"Filters":[{"Name":"TYPE","Values":["HTTP","DNS_PUBLIC"]}]}""");
        await s.CallAsync("ListNamespaces", """{"Filters":[{"Name":"SERVICE_ID","Values":["x"]}]}""");
        await s.CallAsync("ListNamespaces", """{"Filters":[{"Name":"TYPE"}]}""");
        await s.CallAsync("ListNamespaces", """{"Filters":["TYPE"]}""");
        await s.CallAsync("ListNamespaces", """{"Filters":[{"Name":"TYPE","Values":[1]}]}""");
        await s.CallAsync("ListNamespaces", """{"Filters":{"Name":"TYPE"}}""");
        await s.CallAsync("ListNamespaces", """{"NextToken":"not-base64!"}""");
        await s.CallAsync("ListNamespaces", """{"NextToken":"aGVsbG8="}""");
        await s.CallAsync("ListNamespaces", """{"MaxResults":0}""");
        await s.CallAsync("ListNamespaces", """{"MaxResults":101}""");
        await s.CallAsync("ListNamespaces", """{"MaxResults":"5"}""");
        await s.CallAsync("ListNamespaces", """{"MaxResults":1.5}""");
        await s.CallAsync("CreateHttpNamespace", """{"Name":"gone"}""", ("opGone", "OperationId"));
        s.Advance(TimeSpan.FromSeconds(1));
        await s.CallAsync("GetOperation", """{"OperationId":"$opGone$"}""", ("gone", "Operation.Targets.NAMESPACE"));
        await s.CallAsync("DeleteNamespace", """{"Id":"$gone$"}""", ("opDel", "OperationId"));
        await s.CallAsync("GetNamespace", """{"Id":"$gone$"}""");
        await s.CallAsync("DeleteNamespace", """{"Id":"ns-seeded000000000a"}""");
        await s.CallAsync("DeleteNamespace", """{"Id":"ns-unknown"}""");
        s.Advance(TimeSpan.FromSeconds(1));
        await s.CallAsync("GetOperation", """{"OperationId":"$opDel$"}""");
    }

    private static async Task ServicesAsync(Session s)
    {
        await s.CallAsync("CreateService", """{"Name":"cart","NamespaceId":"$shop$","CreatorRequestId":"req-svc-1","Description":"Cart","HealthCheckCustomConfig":{"FailureThreshold":1}}""", ("cart", "Service.Id"));
        await s.CallAsync("CreateService", """{"Name":"CART","NamespaceId":"$shop$"}""");
        await s.CallAsync("CreateService", """{"Name":"plain","NamespaceId":"$shop$"}""", ("plain", "Service.Id"));
        await s.CallAsync("CreateService", """{"Name":"web","NamespaceId":"$pub$","DnsConfig":{"RoutingPolicy":"MULTIVALUE","DnsRecords":[{"Type":"A","TTL":30},{"Type":"SRV","TTL":60}]},"HealthCheckConfig":{"Type":"HTTPS","ResourcePath":"/health","FailureThreshold":2}}""", ("web", "Service.Id"));
        await s.CallAsync("CreateService", """{"Name":"api","DnsConfig":{"NamespaceId":"$corp$","DnsRecords":[{"Type":"SRV","TTL":10}]},"HealthCheckCustomConfig":{}}""", ("api", "Service.Id"));
        await s.CallAsync("CreateService", """{"Name":"alias","NamespaceId":"$corp$","DnsConfig":{"RoutingPolicy":"WEIGHTED","DnsRecords":[{"Type":"A","TTL":10}]}}""", ("alias", "Service.Id"));
        await s.CallAsync("CreateService", """{"Name":"cname","NamespaceId":"$corp$","DnsConfig":{"RoutingPolicy":"WEIGHTED","DnsRecords":[{"Type":"CNAME","TTL":10}]}}""", ("cname", "Service.Id"));
        await s.CallAsync("CreateService", """{"Name":"tcp","NamespaceId":"$pub$","DnsConfig":{"DnsRecords":[{"Type":"AAAA","TTL":5}]},"HealthCheckConfig":{"Type":"TCP"}}""", ("tcp", "Service.Id"));
        await s.CallAsync("CreateService", """{"Name":"httponly","NamespaceId":"$corp$","Type":"HTTP"}""", ("httponly", "Service.Id"));
        await s.CallAsync("CreateService", """{"Name":"x1","NamespaceId":"$corp$","DnsConfig":{"RoutingPolicy":"MULTIVALUE","DnsRecords":[{"Type":"CNAME","TTL":10}]}}""");
        await s.CallAsync("CreateService", """{"Name":"x2","NamespaceId":"$corp$","DnsConfig":{"RoutingPolicy":"WEIGHTED","DnsRecords":[{"Type":"CNAME","TTL":10},{"Type":"SRV","TTL":10}]}}""");
        await s.CallAsync("CreateService", """{"Name":"x3","NamespaceId":"$corp$","DnsConfig":{"DnsRecords":[{"Type":"A","TTL":10},{"Type":"A","TTL":20}]}}""");
        await s.CallAsync("CreateService", """{"Name":"x4","NamespaceId":"$corp$","DnsConfig":{"DnsRecords":[]}}""");
        await s.CallAsync("CreateService", """{"Name":"x5","NamespaceId":"$corp$","DnsConfig":{"DnsRecords":["A"]}}""");
        await s.CallAsync("CreateService", """{"Name":"x6","NamespaceId":"$corp$","DnsConfig":{"DnsRecords":[{"Type":"A"}]}}""");
        await s.CallAsync("CreateService", """{"Name":"x7","NamespaceId":"$corp$","DnsConfig":{"DnsRecords":[{"Type":"MX","TTL":1}]}}""");
        await s.CallAsync("CreateService", """{"Name":"x8","NamespaceId":"$corp$","DnsConfig":{"DnsRecords":[{"Type":"A","TTL":1}]},"HealthCheckConfig":{"Type":"HTTP"}}""");
        await s.CallAsync("CreateService", """{"Name":"x9","NamespaceId":"$pub$","DnsConfig":{"DnsRecords":[{"Type":"A","TTL":1}]},"HealthCheckConfig":{"Type":"TCP","ResourcePath":"/"}}""");
        await s.CallAsync("CreateService", """{"Name":"x10","NamespaceId":"$pub$","DnsConfig":{"DnsRecords":[{"Type":"A","TTL":1}]},"HealthCheckConfig":{"Type":"HTTP","FailureThreshold":11}}""");
        await s.CallAsync("CreateService", """{"Name":"x11","NamespaceId":"$pub$","DnsConfig":{"DnsRecords":[{"Type":"A","TTL":1}]},"HealthCheckConfig":{"Type":"HTTP"},"HealthCheckCustomConfig":{}}""");
        await s.CallAsync("CreateService", """{"Name":"x12"}""");
        await s.CallAsync("CreateService", """{"Name":"x13","NamespaceId":"$shop$","DnsConfig":{"DnsRecords":[{"Type":"A","TTL":1}]}}""");
        await s.CallAsync("CreateService", """{"Name":"x14","NamespaceId":"$corp$"}""");
        await s.CallAsync("CreateService", """{"Name":"x15","NamespaceId":"$corp$","Type":"HTTP","DnsConfig":{"DnsRecords":[{"Type":"A","TTL":1}]}}""");
        await s.CallAsync("CreateService", """{"Name":"x16","NamespaceId":"ns-nope"}""");
        await s.CallAsync("CreateService", """{"Name":"bad name!","NamespaceId":"$shop$"}""");
        await s.CallAsync("CreateService", """{"Name":"x17","NamespaceId":"$shop$","Type":"DNS"}""");
        await s.CallAsync("CreateService", """{"Name":"x18","NamespaceId":"$shop$","DnsConfig":"A"}""");
        await s.CallAsync("CreateService", """{"Name":"x19","NamespaceId":"$shop$","HealthCheckCustomConfig":{"FailureThreshold":0}}""");
        await s.CallAsync("GetService", """{"Id":"$web$"}""");
        await s.CallAsync("GetService", """{"Id":"arn:aws:servicediscovery:us-east-1:123456789012:service/$api$"}""");
        await s.CallAsync("GetService", """{"Id":"srv-seeded00000000a"}""");
        await s.CallAsync("GetService", """{"Id":"srv-nope"}""");
        await s.CallAsync("ListServices", "{}");
        await s.CallAsync("ListServices", """{"MaxResults":3}""", ("svcPage", "NextToken"));
        await s.CallAsync("ListServices", """{"MaxResults":3,"NextToken":"$svcPage$"}""");
        await s.CallAsync("ListServices", """{"Filters":[{"Name":"NAMESPACE_ID","Values":["$corp$"]}]}""");
        await s.CallAsync("ListServices", """{"Filters":[{"Name":"NAMESPACE_ID","Values":["$corp$","$pub$"],"Condition":"IN"}]}""");
        await s.CallAsync("ListServices", """{"Filters":[{"Name":"TYPE","Values":["HTTP"]}]}""");
        await s.CallAsync("CreateService", """{"Name":"temp","NamespaceId":"$shop$"}""", ("temp", "Service.Id"));
        await s.CallAsync("DeleteService", """{"Id":"$temp$"}""");
        await s.CallAsync("DeleteService", """{"Id":"$temp$"}""");
        await s.CallAsync("DeleteService", """{"Id":"srv-seeded00000000a"}""");
    }

    private static async Task InstancesAsync(Session s)
    {
        s.Set("ok", """{"AWS_INSTANCE_IPV4":"10.0.0.1","AWS_INSTANCE_PORT":"8080"}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$cart$","InstanceId":"cart-1","CreatorRequestId":"tok-1","Attributes":{"AWS_INSTANCE_IPV4":"10.0.0.1","AWS_INSTANCE_PORT":"8080","AWS_INIT_HEALTH_STATUS":"UNHEALTHY","zone":"a","note":"<&>"}}""", ("opCart1", "OperationId"));
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$cart$","InstanceId":"cart-1","CreatorRequestId":"tok-1","Attributes":$ok$}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$cart$","InstanceId":"cart-1","CreatorRequestId":"tok-2","Attributes":$ok$}""");
        await s.CallAsync("DeregisterInstance", """{"ServiceId":"$cart$","InstanceId":"cart-1"}""");
        await s.CallAsync("GetInstance", """{"ServiceId":"$cart$","InstanceId":"cart-1"}""");
        s.Advance(TimeSpan.FromSeconds(1));
        await s.CallAsync("GetInstance", """{"ServiceId":"$cart$","InstanceId":"cart-1"}""");
        await s.CallAsync("GetInstance", """{"ServiceId":"arn:aws:servicediscovery:us-east-1:123456789012:service/$cart$","InstanceId":"cart-1"}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$cart$","InstanceId":"cart-2","Attributes":{"AWS_INSTANCE_IPV4":"10.0.0.2","AWS_INSTANCE_PORT":"8080","zone":"b"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$cart$","InstanceId":"cart-3","Attributes":{"AWS_INSTANCE_IPV4":"10.0.0.3","AWS_INSTANCE_PORT":"8080","zone":"a"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"p-1","Attributes":{"AWS_INSTANCE_IPV4":"10.0.1.1"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$web$","InstanceId":"web-1","Attributes":{"AWS_INSTANCE_IPV4":"10.0.2.1","AWS_INSTANCE_PORT":"443"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$api$","InstanceId":"api-1","Attributes":{"AWS_INSTANCE_IPV6":"fd00::1","AWS_INSTANCE_PORT":"9000"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$alias$","InstanceId":"alias-1","Attributes":{"AWS_ALIAS_DNS_NAME":"lb.example.com"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$cname$","InstanceId":"cname-1","Attributes":{"AWS_INSTANCE_CNAME":"www.example.com"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"ec2-1","Attributes":{"AWS_EC2_INSTANCE_ID":"i-0123456789abcdef0","AWS_INIT_HEALTH_STATUS":"HEALTHY"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"bad id","Attributes":{}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"$long$","Attributes":{}}""".Replace("$long$", new string('x', 65), StringComparison.Ordinal));
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"","Attributes":{}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"v","Attributes":{"bad key":"x"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"v","Attributes":{"k":" leading"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"v","Attributes":{"k":1}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"v","Attributes":[]}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"v","Attributes":{""" + string.Join(',', Enumerable.Range(0, 31).Select(i => $"\"k{i}\":\"v\"")) + "}}");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"v","Attributes":{""" + string.Join(',', Enumerable.Range(0, 6).Select(i => $"\"k{i}\":\"{new string('v', 1000)}\"")) + "}}");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"v","Attributes":{"AWS_INIT_HEALTH_STATUS":"MAYBE"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"v","Attributes":{"AWS_INSTANCE_IPV4":"10.0.0"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"v","Attributes":{"AWS_INSTANCE_IPV6":"10.0.0.1"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"v","Attributes":{"AWS_INSTANCE_PORT":"70000"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$api$","InstanceId":"v","Attributes":{"AWS_EC2_INSTANCE_ID":"i-1"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"v","Attributes":{"AWS_EC2_INSTANCE_ID":"i-1","zone":"a"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$api$","InstanceId":"v","Attributes":{"AWS_INSTANCE_CNAME":"x.example.com","AWS_INSTANCE_IPV4":"10.0.0.1","AWS_INSTANCE_PORT":"1"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$api$","InstanceId":"v","Attributes":{"AWS_ALIAS_DNS_NAME":"lb.example.com"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$web$","InstanceId":"v","Attributes":{"AWS_ALIAS_DNS_NAME":"lb.example.com"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$alias$","InstanceId":"v","Attributes":{"AWS_ALIAS_DNS_NAME":"lb.example.com","AWS_INSTANCE_IPV4":"10.0.0.1"}}""");
        await s.CallAsync("CreateService", """{"Name":"multi","NamespaceId":"$corp$","DnsConfig":{"DnsRecords":[{"Type":"A","TTL":10}]}}""", ("multi", "Service.Id"));
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$multi$","InstanceId":"v","Attributes":{"AWS_ALIAS_DNS_NAME":"lb.example.com"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$multi$","InstanceId":"v","Attributes":{"zone":"a"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$api$","InstanceId":"v","Attributes":{"AWS_INSTANCE_IPV4":"10.0.0.1"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$api$","InstanceId":"v","Attributes":{"AWS_INSTANCE_PORT":"1"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$cname$","InstanceId":"v","Attributes":{"zone":"a"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$tcp$","InstanceId":"v","Attributes":{"AWS_INSTANCE_IPV4":"10.0.0.1"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$tcp$","InstanceId":"v","Attributes":{"AWS_INSTANCE_IPV6":"fd00::2"}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"srv-nope","InstanceId":"v","Attributes":{}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"v"}""");
        await s.CallAsync("RegisterInstance", """{"InstanceId":"v","Attributes":{}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"v","Attributes":{},"CreatorRequestId":"$long$"}""".Replace("$long$", new string('c', 65), StringComparison.Ordinal));
        s.Advance(TimeSpan.FromSeconds(1));
        await s.CallAsync("ListInstances", """{"ServiceId":"$cart$"}""");
        await s.CallAsync("ListInstances", """{"ServiceId":"$cart$","MaxResults":2}""", ("instPage", "NextToken"));
        await s.CallAsync("ListInstances", """{"ServiceId":"$cart$","MaxResults":2,"NextToken":"$instPage$"}""");
        await s.CallAsync("ListInstances", """{"ServiceId":"srv-seeded00000000a"}""");
        await s.CallAsync("ListInstances", """{"ServiceId":"srv-nope"}""");
        await s.CallAsync("GetInstance", """{"ServiceId":"$plain$","InstanceId":"ec2-1"}""");
        await s.CallAsync("GetInstance", """{"ServiceId":"$plain$","InstanceId":"nope"}""");
        await s.CallAsync("GetInstance", """{"ServiceId":"$plain$"}""");

        // Re-registering replaces the attributes and recreates the health check.
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$cart$","InstanceId":"cart-3","CreatorRequestId":"tok-3","Attributes":{"AWS_INSTANCE_IPV4":"10.0.0.33","AWS_INSTANCE_PORT":"8081"}}""");
        s.Advance(TimeSpan.FromSeconds(1));
        await s.CallAsync("GetInstance", """{"ServiceId":"$cart$","InstanceId":"cart-3"}""");

        // Propagation: a new instance answers InstanceNotFound for a while after its operation completed.
        await s.AdminAsync(HttpMethod.Post, "/_emulator/settings", """{"propagationDelaySeconds":5}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$plain$","InstanceId":"late-1","Attributes":{"AWS_INSTANCE_IPV4":"10.0.1.9"}}""", ("opLate", "OperationId"));
        s.Advance(TimeSpan.FromSeconds(2));
        await s.CallAsync("GetOperation", """{"OperationId":"$opLate$"}""");
        await s.CallAsync("GetInstance", """{"ServiceId":"$plain$","InstanceId":"late-1"}""");
        await s.CallAsync("ListInstances", """{"ServiceId":"$plain$"}""");
        await s.AdminAsync(HttpMethod.Get, "/_emulator/state");
        s.Advance(TimeSpan.FromSeconds(5));
        await s.CallAsync("GetInstance", """{"ServiceId":"$plain$","InstanceId":"late-1"}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/settings", """{"propagationDelaySeconds":0}""");
    }

    private static async Task HealthAndDiscoveryAsync(Session s)
    {
        await s.CallAsync("GetInstancesHealthStatus", """{"ServiceId":"$cart$"}""");
        await s.CallAsync("GetInstancesHealthStatus", """{"ServiceId":"$cart$","Instances":["cart-2","cart-1","cart-2"]}""");
        await s.CallAsync("GetInstancesHealthStatus", """{"ServiceId":"$cart$","Instances":["cart-1","nope"]}""");
        await s.CallAsync("GetInstancesHealthStatus", """{"ServiceId":"$cart$","Instances":[]}""");
        await s.CallAsync("GetInstancesHealthStatus", """{"ServiceId":"$cart$","Instances":[1]}""");
        await s.CallAsync("GetInstancesHealthStatus", """{"ServiceId":"$cart$","MaxResults":1}""", ("hPage", "NextToken"));
        await s.CallAsync("GetInstancesHealthStatus", """{"ServiceId":"$cart$","MaxResults":1,"NextToken":"$hPage$"}""");
        await s.CallAsync("GetInstancesHealthStatus", """{"ServiceId":"$plain$"}""");
        await s.CallAsync("GetInstancesHealthStatus", """{"ServiceId":"$web$"}""");

        await s.CallAsync("UpdateInstanceCustomHealthStatus", """{"ServiceId":"$cart$","InstanceId":"cart-2","Status":"UNHEALTHY"}""");
        await s.CallAsync("GetInstancesHealthStatus", """{"ServiceId":"$cart$","Instances":["cart-2"]}""");
        s.Snapshot("$cart$");
        s.Advance(TimeSpan.FromSeconds(10));
        await s.CallAsync("UpdateInstanceCustomHealthStatus", """{"ServiceId":"$cart$","InstanceId":"cart-2","Status":"UNHEALTHY"}""");
        s.Advance(TimeSpan.FromSeconds(19));
        await s.CallAsync("GetInstancesHealthStatus", """{"ServiceId":"$cart$","Instances":["cart-2"]}""");
        s.Advance(TimeSpan.FromSeconds(1));
        await s.CallAsync("GetInstancesHealthStatus", """{"ServiceId":"$cart$","Instances":["cart-2"]}""");
        s.Snapshot("$cart$");
        await s.CallAsync("UpdateInstanceCustomHealthStatus", """{"ServiceId":"$cart$","InstanceId":"cart-2","Status":"HEALTHY"}""");
        s.Advance(TimeSpan.FromSeconds(5));
        await s.CallAsync("UpdateInstanceCustomHealthStatus", """{"ServiceId":"$cart$","InstanceId":"cart-2","Status":"UNHEALTHY"}""");
        s.Advance(TimeSpan.FromSeconds(40));
        await s.CallAsync("GetInstancesHealthStatus", """{"ServiceId":"$cart$","Instances":["cart-2"]}""");
        await s.CallAsync("UpdateInstanceCustomHealthStatus", """{"ServiceId":"$cart$","InstanceId":"cart-1","Status":"HEALTHY"}""");
        await s.AdminAsync(HttpMethod.Get, "/_emulator/state");
        await s.CallAsync("UpdateInstanceCustomHealthStatus", """{"ServiceId":"$cart$","InstanceId":"cart-1","Status":"UNKNOWN"}""");
        await s.CallAsync("UpdateInstanceCustomHealthStatus", """{"ServiceId":"$plain$","InstanceId":"p-1","Status":"HEALTHY"}""");
        await s.CallAsync("UpdateInstanceCustomHealthStatus", """{"ServiceId":"$web$","InstanceId":"web-1","Status":"HEALTHY"}""");
        await s.CallAsync("UpdateInstanceCustomHealthStatus", """{"ServiceId":"$cart$","InstanceId":"nope","Status":"HEALTHY"}""");

        // A shorter delay applies to a change still pending; a change already in effect stays in effect.
        await s.CallAsync("UpdateInstanceCustomHealthStatus", """{"ServiceId":"$cart$","InstanceId":"cart-3","Status":"UNHEALTHY"}""");
        s.Advance(TimeSpan.FromSeconds(3));
        await s.AdminAsync(HttpMethod.Post, "/_emulator/settings", """{"healthChangeDelaySeconds":2}""");
        await s.CallAsync("GetInstancesHealthStatus", """{"ServiceId":"$cart$","Instances":["cart-3"]}""");
        s.Snapshot("$cart$");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/settings", """{"healthChangeDelaySeconds":30}""");

        s.Advance(TimeSpan.FromSeconds(31));
        await s.CallAsync("DiscoverInstances", """{"NamespaceName":"shop","ServiceName":"cart"}""");
        await s.CallAsync("DiscoverInstances", """{"NamespaceName":"shop","ServiceName":"CART","HealthStatus":"ALL"}""");
        await s.CallAsync("DiscoverInstances", """{"NamespaceName":"shop","ServiceName":"cart","HealthStatus":"UNHEALTHY"}""");
        await s.CallAsync("DiscoverInstances", """{"NamespaceName":"shop","ServiceName":"cart","HealthStatus":"HEALTHY_OR_ELSE_ALL"}""");
        await s.CallAsync("DiscoverInstances", """{"NamespaceName":"shop","ServiceName":"cart","HealthStatus":"ALL","MaxResults":1}""");
        await s.CallAsync("DiscoverInstances", """{"NamespaceName":"shop","ServiceName":"cart","HealthStatus":"ALL","QueryParameters":{"zone":"a"}}""");
        await s.CallAsync("DiscoverInstances", """{"NamespaceName":"shop","ServiceName":"cart","HealthStatus":"ALL","OptionalParameters":{"zone":"b"}}""");
        await s.CallAsync("DiscoverInstances", """{"NamespaceName":"shop","ServiceName":"cart","HealthStatus":"ALL","OptionalParameters":{"zone":"z"}}""");
        await s.CallAsync("DiscoverInstances", """{"NamespaceName":"shop","ServiceName":"plain","HealthStatus":"UNHEALTHY"}""");
        await s.CallAsync("DiscoverInstances", """{"NamespaceName":"example.com","ServiceName":"web"}""");
        await s.CallAsync("DiscoverInstances", """{"NamespaceName":"shop","ServiceName":"cart","HealthStatus":"SOME"}""");
        await s.CallAsync("DiscoverInstances", """{"NamespaceName":"nope","ServiceName":"cart"}""");
        await s.CallAsync("DiscoverInstances", """{"NamespaceName":"shop","ServiceName":"nope"}""");
        await s.CallAsync("DiscoverInstances", """{"NamespaceName":"shop","ServiceName":"cart","OwnerAccount":"123"}""");
        await s.CallAsync("DiscoverInstances", """{"NamespaceName":"shop","ServiceName":"cart","MaxResults":1001}""");
        await s.CallAsync("DiscoverInstances", """{"NamespaceName":"sh op","ServiceName":"cart"}""");
        await s.CallAsync("DiscoverInstances", """{"ServiceName":"cart"}""");
        await s.CallAsync("DiscoverInstancesRevision", """{"NamespaceName":"shop","ServiceName":"cart"}""");
        await s.CallAsync("DiscoverInstancesRevision", """{"NamespaceName":"seeded.local","ServiceName":"db"}""");
        await s.CallAsync("DiscoverInstancesRevision", """{"NamespaceName":"shop"}""");
        await s.CallAsync("DiscoverInstancesRevision", """{"NamespaceName":"shop","ServiceName":"gone"}""");
    }

    private static async Task OperationsAsync(Session s)
    {
        await s.CallAsync("DeregisterInstance", """{"ServiceId":"$cart$","InstanceId":"cart-1"}""", ("opDereg", "OperationId"));
        await s.CallAsync("DeregisterInstance", """{"ServiceId":"$cart$","InstanceId":"cart-1"}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$cart$","InstanceId":"cart-1","CreatorRequestId":"tok-1","Attributes":$ok$}""");
        await s.CallAsync("GetInstance", """{"ServiceId":"$cart$","InstanceId":"cart-1"}""");
        await s.CallAsync("DiscoverInstancesRevision", """{"NamespaceName":"shop","ServiceName":"cart"}""");
        s.Advance(TimeSpan.FromSeconds(1));
        await s.CallAsync("GetOperation", """{"OperationId":"$opDereg$"}""");
        await s.CallAsync("DeregisterInstance", """{"ServiceId":"$cart$","InstanceId":"cart-1"}""");
        await s.CallAsync("DeregisterInstance", """{"ServiceId":"srv-nope","InstanceId":"cart-1"}""");
        await s.CallAsync("DeregisterInstance", """{"ServiceId":"$cart$"}""");
        await s.CallAsync("GetOperation", """{"OperationId":"nope"}""");
        await s.CallAsync("GetOperation", """{"OperationId":"$opDereg$","OwnerAccount":"1"}""");
        await s.CallAsync("GetOperation", "{}");
        await s.CallAsync("ListOperations", "{}");
        await s.CallAsync("ListOperations", """{"MaxResults":4}""", ("opPage", "NextToken"));
        await s.CallAsync("ListOperations", """{"MaxResults":4,"NextToken":"$opPage$"}""");
        await s.CallAsync("ListOperations", """{"Filters":[{"Name":"TYPE","Values":["DEREGISTER_INSTANCE"]}]}""");
        await s.CallAsync("ListOperations", """{"Filters":[{"Name":"STATUS","Values":["SUCCESS","FAIL"],"Condition":"IN"}]}""");
        await s.CallAsync("ListOperations", """{"Filters":[{"Name":"SERVICE_ID","Values":["$plain$"]}]}""");
        await s.CallAsync("ListOperations", """{"Filters":[{"Name":"NAMESPACE_ID","Values":["$shop$"]},{"Name":"TYPE","Values":["REGISTER_INSTANCE"]}]}""");
        await s.CallAsync("ListOperations", """{"Filters":[{"Name":"UPDATE_DATE","Values":["1","2"],"Condition":"BETWEEN"}]}""");
        await s.CallAsync("ListOperations", """{"Filters":[{"Name":"NAME","Values":["x"]}]}""");
        await s.CallAsync("ListOperations", """{"Filters":[{"Name":"TYPE","Values":["x"],"Condition":"LIKE"}]}""");

        // The per-service instance quota.
        await s.CallAsync("CreateService", """{"Name":"full","NamespaceId":"$shop$"}""", ("full", "Service.Id"));
        var full = s.Get("full");
        for (var i = 0; i < 1000; i++)
        {
            s.Emulator.RegisterInstance(full, "f-" + i.ToString(CultureInfo.InvariantCulture), new Dictionary<string, string>(StringComparer.Ordinal));
        }

        await s.CallAsync("RegisterInstance", """{"ServiceId":"$full$","InstanceId":"f-1000","Attributes":{}}""");
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$full$","InstanceId":"f-999","Attributes":{"again":"yes"}}""");
        await s.CallAsync("GetService", """{"Id":"$full$"}""");
        for (var i = 0; i < 1000; i++)
        {
            s.Emulator.DeregisterInstance(full, "f-" + i.ToString(CultureInfo.InvariantCulture));
        }

        await s.CallAsync("DeleteService", """{"Id":"$full$"}""");
    }

    private static async Task FaultsAsync(Session s)
    {
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"throttle","burst":1,"ratePerSecond":0.5,"operation":"ListServices"}""");
        await s.CallAsync("ListServices", """{"MaxResults":1}""");
        await s.CallAsync("ListServices", """{"MaxResults":1}""");
        s.Advance(TimeSpan.FromSeconds(2));
        await s.CallAsync("ListServices", """{"MaxResults":1}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"throttle","burst":0,"operation":"DiscoverInstances"}""");
        await s.CallAsync("DiscoverInstances", """{"NamespaceName":"shop","ServiceName":"cart"}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"errorRate","rate":1,"statusCode":503,"operation":"GetNamespace"}""");
        await s.CallAsync("GetNamespace", """{"Id":"$shop$"}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"errorRate","rate":1,"operation":"GetService"}""");
        await s.CallAsync("GetService", """{"Id":"$cart$"}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"failOperations","rate":1,"errorCode":"CAPACITY","operation":"DeregisterInstance"}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"latency","milliseconds":0}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"dropConnections","rate":0}""");
        await s.AdminAsync(HttpMethod.Get, "/_emulator/faults");
        await s.CallAsync("DeregisterInstance", """{"ServiceId":"$cart$","InstanceId":"cart-2"}""", ("opFail", "OperationId"));
        s.Advance(TimeSpan.FromSeconds(1));
        await s.CallAsync("GetOperation", """{"OperationId":"$opFail$"}""");
        await s.CallAsync("GetInstance", """{"ServiceId":"$cart$","InstanceId":"cart-2"}""");
        await s.AdminAsync(HttpMethod.Delete, "/_emulator/faults");

        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"script","fault":"failOperation","operation":"CreateHttpNamespace"}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"script","fault":"failOperation","errorCode":"NOPE","operation":"RegisterInstance","count":2}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"script","fault":"failOperation","operation":"GetService"}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"script","fault":"error","errorCode":"InstanceNotFound","message":"scripted","operation":"GetInstance"}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"script","fault":"throttle","operation":"DiscoverInstancesRevision"}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"script","fault":"internalFailure","operation":"ListInstances"}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"script","fault":"serviceUnavailable","operation":"ListOperations"}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"script","fault":"drop","operation":"GetNamespace"}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"script","fault":"delay","milliseconds":0,"operation":"ListNamespaces"}""");
        await s.AdminAsync(HttpMethod.Get, "/_emulator/faults");
        await s.CallAsync("CreateHttpNamespace", """{"Name":"never"}""", ("opNever", "OperationId"));
        await s.CallAsync("RegisterInstance", """{"ServiceId":"$cart$","InstanceId":"cart-9","Attributes":$ok$}""", ("opNope", "OperationId"));
        await s.CallAsync("GetService", """{"Id":"$cart$"}""");
        await s.CallAsync("GetInstance", """{"ServiceId":"$cart$","InstanceId":"cart-2"}""");
        await s.CallAsync("DiscoverInstancesRevision", """{"NamespaceName":"shop","ServiceName":"cart"}""");
        await s.CallAsync("ListInstances", """{"ServiceId":"$cart$"}""");
        await s.CallAsync("ListOperations", """{"MaxResults":1}""");
        await s.CallAsync("GetNamespace", """{"Id":"$shop$"}""");
        await s.CallAsync("ListNamespaces", """{"MaxResults":1}""");
        s.Advance(TimeSpan.FromSeconds(1));
        await s.CallAsync("GetOperation", """{"OperationId":"$opNever$"}""");
        await s.CallAsync("GetOperation", """{"OperationId":"$opNope$"}""");
        await s.CallAsync("GetInstance", """{"ServiceId":"$cart$","InstanceId":"cart-9"}""");
        await s.CallAsync("ListNamespaces", """{"Filters":[{"Name":"NAME","Values":["never"]}]}""");
        await s.AdminAsync(HttpMethod.Get, "/_emulator/faults");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"script","fault":"failOperation","operation":"DeleteNamespace"}""");
        await s.CallAsync("CreateHttpNamespace", """{"Name":"stays"}""", ("opStays", "OperationId"));
        s.Advance(TimeSpan.FromSeconds(1));
        await s.CallAsync("GetOperation", """{"OperationId":"$opStays$"}""", ("stays", "Operation.Targets.NAMESPACE"));
        await s.CallAsync("DeleteNamespace", """{"Id":"$stays$"}""", ("opStaysDel", "OperationId"));
        s.Advance(TimeSpan.FromSeconds(1));
        await s.CallAsync("GetOperation", """{"OperationId":"$opStaysDel$"}""");
        await s.CallAsync("GetNamespace", """{"Id":"$stays$"}""");

        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", "{}");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"teleport"}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"errorRate","rate":2}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"errorRate","statusCode":404}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"throttle","burst":"1"}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":1}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"script","fault":"error"}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"script","fault":"meteor"}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"script","fault":"throttle","count":0}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", """{"type":"latency","milliseconds":-1}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", "[1]");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/faults", "{oops");
        await s.AdminAsync(HttpMethod.Delete, "/_emulator/faults");
    }

    private static async Task ProtocolAsync(Session s)
    {
        await s.RawAsync(null, "{}");
        await s.RawAsync("Route53AutoNaming_v20170314.TagResource", "{}");
        await s.RawAsync("Route53AutoNaming_v20170314.", "{}");
        await s.RawAsync("AmazonEC2ContainerServiceV20141113.DescribeTasks", "{}");
        await s.RawAsync("Route53AutoNaming_v20170314.ListServices", string.Empty);
        await s.RawAsync("Route53AutoNaming_v20170314.ListServices", "[]");
        await s.RawAsync("Route53AutoNaming_v20170314.ListServices", "{not json");
        await s.RawAsync("Route53AutoNaming_v20170314.ListServices", "\"text\"");
        await s.RawAsync("Route53AutoNaming_v20170314.ListServices", "{\"MaxResults\":1," + new string(' ', (1 << 20) + 10) + "}");
        await s.RawAsync("Route53AutoNaming_v20170314.GetService", "{\"Id\":\"\\u00e9t\\u00e9\"}");
        await s.AdminAsync(HttpMethod.Put, "/");
        await s.AdminAsync(HttpMethod.Get, "/nothing");
        await s.AdminAsync(HttpMethod.Get, "/", summarize: true);
        await s.AdminAsync(HttpMethod.Head, "/", summarize: true);
        await s.AdminAsync(HttpMethod.Get, "/_emulator/dashboard", summarize: true);
    }

    private static async Task AdminAsync(Session s)
    {
        await s.AdminAsync(HttpMethod.Get, "/_emulator/state");
        await s.AdminAsync(HttpMethod.Get, "/_emulator/calls");
        await s.AdminAsync(HttpMethod.Get, "/_emulator/requests?limit=12");
        await s.AdminAsync(HttpMethod.Get, "/_emulator/requests?limit=zero", summarize: true);
        await s.AdminAsync(HttpMethod.Post, "/_emulator/settings", """{"healthChangeDelaySeconds":12.5,"operationSubmittedSeconds":0.1,"operationPendingSeconds":0.2}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/settings", """{"healthChangeDelaySeconds":-1}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/settings", """{"healthChangeDelaySeconds":"1"}""");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/settings", "{}");
        await s.AdminAsync(HttpMethod.Get, "/_emulator/settings");
        await s.AdminAsync(HttpMethod.Get, "/_emulator");
        await s.AdminAsync(HttpMethod.Post, "/_emulator/reset");
        await s.AdminAsync(HttpMethod.Get, "/_emulator/calls");
        await s.AdminAsync(HttpMethod.Get, "/_emulator/requests");
    }

    private static void CodeApi(Session s)
    {
        var e = s.Emulator;
        s.Line("code GetHealthCheck " + string.Join(',', new[] { s.Get("cart"), s.Get("plain"), s.Get("web"), "srv-nope" }.Select(id => e.GetHealthCheck(id)?.ToString() ?? "null")));
        s.Snapshot("$plain$");
        s.Snapshot("srv-seeded00000000a");
        var ns = e.CreateHttpNamespace("code");
        var dns = e.CreateDnsNamespace("code.local");
        var pub = e.CreateDnsNamespace("code.example.com", isPublic: true);
        var custom = e.CreateService(ns, "c1");
        var none = e.CreateService(ns, "c2", EmulatedHealthCheck.None);
        var r53 = e.CreateService(pub, "c3", EmulatedHealthCheck.Route53);
        var srv = e.CreateService(dns, "c4");
        s.Line($"code ids {ns} {dns} {pub} {custom} {none} {r53} {srv}");
        s.Code("CreateDnsNamespace dup", () => e.CreateDnsNamespace("CODE"));
        s.Code("CreateService dup", () => e.CreateService(ns, "C1"));
        s.Code("CreateService route53 private", () => e.CreateService(dns, "c5", EmulatedHealthCheck.Route53));
        s.Code("CreateService bad name", () => e.CreateService(ns, "bad name"));
        s.Code("CreateService no namespace", () => e.CreateService("ns-nope", "c6"));
        s.Code("RegisterInstance", () => e.RegisterInstance(custom, "k-1", new Dictionary<string, string> { ["AWS_INIT_HEALTH_STATUS"] = "UNHEALTHY", ["k"] = "v" }));
        s.Code("RegisterInstance r53", () => e.RegisterInstance(r53, "k-2", new Dictionary<string, string> { ["AWS_INSTANCE_IPV4"] = "10.2.0.1", ["AWS_INSTANCE_PORT"] = "80" }));
        s.Code("RegisterInstance srv", () => e.RegisterInstance(srv, "k-3", new Dictionary<string, string> { ["AWS_INSTANCE_IPV4"] = "10.2.0.2", ["AWS_INSTANCE_PORT"] = "81" }));
        s.Code("RegisterInstance srv bad", () => e.RegisterInstance(srv, "k-4", new Dictionary<string, string> { ["AWS_INSTANCE_IPV4"] = "10.2.0.2" }));
        s.Code("RegisterInstance bad id", () => e.RegisterInstance(custom, "bad id", new Dictionary<string, string>()));
        s.Code("RegisterInstance no service", () => e.RegisterInstance("srv-nope", "k", new Dictionary<string, string>()));
        s.Code("RegisterInstance none", () => e.RegisterInstance(none, "k-5", new Dictionary<string, string>()));
        s.Code("SetHealthStatus r53", () => e.SetHealthStatus(r53, "k-2", healthy: false));
        s.Code("SetHealthStatus none", () => e.SetHealthStatus(none, "k-5", healthy: false));
        s.Code("SetHealthStatus no instance", () => e.SetHealthStatus(custom, "k-9", healthy: false));
        s.Code("SetHealthStatus no service", () => e.SetHealthStatus("srv-nope", "k-9", healthy: false));
        s.Snapshot(custom);
        s.Snapshot(r53);
        s.Snapshot(none);
        s.Code("GetInstances no service", () => e.GetInstances("srv-nope"));
        s.Line("code FindInstance " + (e.FindInstance(custom, "k-1")?.HealthStatus ?? "null") + " " + (e.FindInstance(custom, "k-9")?.HealthStatus ?? "null"));
        s.Line("code DeregisterInstance " + e.DeregisterInstance(custom, "k-1") + " " + e.DeregisterInstance(custom, "k-1") + " " + e.DeregisterInstance("srv-nope", "k-1"));
        s.Line($"code counters total={e.TotalCallCount} ListServices={e.GetCallCount("ListServices")} throttled={e.GetThrottledCount("ListServices")} log={e.GetRequestLog().Count}");
        s.Line("code settings " + string.Join(' ', e.HealthChangeDelay, e.OperationSubmittedDuration, e.OperationPendingDuration, e.PropagationDelay));
        s.Code("HealthChangeDelay negative", () => e.HealthChangeDelay = TimeSpan.FromSeconds(-1));
    }

    private static async Task SeedErrorsAsync(Session s)
    {
        foreach (var seed in new[]
        {
            "[]",
            "{oops",
            """{"namespaces":[{"type":"HTTP"}]}""",
            """{"namespaces":[{"name":"a","type":"GOPHER"}]}""",
            """{"namespaces":[{"name":"a","services":[{"name":"s","healthCheck":"telepathy"}]}]}""",
            """{"namespaces":[{"name":"a","id":"bad-id"}]}""",
            """{"namespaces":[{"name":"a"},{"name":"A"}]}""",
            """{"namespaces":[{"name":"a","services":[{"name":"s","id":"srv-x"},{"name":"t","id":"srv-x"}]}]}""",
            """{"namespaces":[{"name":"a","services":[{"name":"s","instances":[{"attributes":{}}]}]}]}""",
            """{"namespaces":[{"name":"a","services":[{"name":"s","instances":[{"id":"i","attributes":{"AWS_INSTANCE_PORT":"x"}}]}]}]}""",
            """{"namespaces":[{"name":"a.local","type":"DNS_PRIVATE","services":[{"name":"s","healthCheck":"route53"}]}]}""",
            """{"namespaces":[{"name":5}]}""",
            """{"namespaces":[5]}""",
        })
        {
            try
            {
                await using var emulator = await CloudMapEmulator.StartAsync(new CloudMapEmulatorOptions { SeedJson = seed }, TestContext.Current.CancellationToken);
                s.Line("seed ok " + seed);
            }
            catch (InvalidDataException e)
            {
                s.Line("seed error " + e.Message);
            }
        }
    }

    /// <summary>One recorded session: requests and answers as text, ids captured from answers into variables.</summary>
    private sealed class Session(CloudMapEmulator emulator, TimerCountingFakeTimeProvider clock) : IDisposable
    {
        private readonly HttpClient _http = new() { BaseAddress = emulator.Endpoint, Timeout = TimeSpan.FromSeconds(30) };
        private readonly Dictionary<string, string> _vars = new(StringComparer.Ordinal);
        private readonly StringBuilder _text = new();

        public CloudMapEmulator Emulator => emulator;

        public string Text => _text.ToString();

        public void Line(string text) => _text.Append(text).Append('\n');

        public void Set(string name, string value) => _vars[name] = value;

        public string Get(string name) => _vars[name];

        public void Advance(TimeSpan by)
        {
            clock.Advance(by);
            Line("clock +" + by.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s");
        }

        public Task CallAsync(string operation, string body, (string Name, string Path)? capture = null) =>
            RawAsync("Route53AutoNaming_v20170314." + operation, body, capture);

        public async Task RawAsync(string? target, string body, (string Name, string Path)? capture = null)
        {
            body = Expand(body);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
            if (target is not null)
            {
                request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
            }

            Line(">>> " + (target ?? "(no target)") + " " + (body.Length > 2000 ? $"({body.Length} bytes)" : body));
            try
            {
                using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
                var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                var type = response.Headers.TryGetValues("X-Amzn-ErrorType", out var values) ? " " + string.Join(',', values) : string.Empty;
                var hasId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) && Guid.TryParse(ids.Single(), out _);
                Line($"<<< {(int)response.StatusCode}{type} {response.Content.Headers.ContentType} id={hasId} {text}");
                if (capture is { } c && response.IsSuccessStatusCode)
                {
                    JsonNode? node = JsonNode.Parse(text);
                    foreach (var part in c.Path.Split('.'))
                    {
                        node = node?[part];
                    }

                    _vars[c.Name] = node?.GetValue<string>() ?? throw new InvalidOperationException($"No {c.Path} in {text}");
                }
            }
            catch (HttpRequestException e)
            {
                Line("<<< dropped " + e.GetType().Name);
            }
        }

        public async Task AdminAsync(HttpMethod method, string path, string? body = null, bool summarize = false)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new StringContent(Expand(body), Encoding.UTF8, "application/json");
            }

            Line($">>> {method} {path} {body}");
            using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            var cache = response.Headers.CacheControl?.ToString() ?? string.Empty;
            Line($"<<< {(int)response.StatusCode} {response.Content.Headers.ContentType} cache={cache} length={response.Content.Headers.ContentLength}");
            if (!summarize)
            {
                Line(text);
            }
        }

        public void Snapshot(string serviceId)
        {
            foreach (var i in emulator.GetInstances(Expand(serviceId)))
            {
                Line($"snapshot {i.ServiceId} {i.InstanceId} health={i.HealthStatus} pending={i.PendingHealthStatus ?? "-"} at={i.PendingHealthEffectiveAt?.ToString("O", CultureInfo.InvariantCulture) ?? "-"} " +
                    $"registered={i.RegisteredAt.ToString("O", CultureInfo.InvariantCulture)} visible={i.IsVisible} token={i.CreatorRequestId ?? "-"} " +
                    string.Join(',', i.Attributes.Select(a => a.Key + "=" + a.Value)));
            }
        }

        public void Code(string what, Action action)
        {
            try
            {
                action();
                Line("code " + what + " ok");
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                Line($"code {what} {e.GetType().Name}: {e.Message}");
            }
        }

        public void Code(string what, Func<object> action) => Code(what, () => { _ = action(); });

        public void Dispose() => _http.Dispose();

        private string Expand(string text)
        {
            foreach (var (name, value) in _vars)
            {
                text = text.Replace("$" + name + "$", value, StringComparison.Ordinal);
            }

            return text;
        }
    }
}
