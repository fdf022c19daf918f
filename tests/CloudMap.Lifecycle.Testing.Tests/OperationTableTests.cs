// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CloudMap.Lifecycle.Testing.Internal;
using Microsoft.AspNetCore.Http;

namespace CloudMap.Lifecycle.Testing.Tests;

/// <summary>The operation table: complete, each entry answered by its handler, and open to a second service on the same port.</summary>
public sealed class OperationTableTests
{
    private static readonly string[] CloudMapOperations =
    [
        "CreateHttpNamespace", "CreatePrivateDnsNamespace", "CreatePublicDnsNamespace", "DeleteNamespace", "GetNamespace", "ListNamespaces",
        "UpdateHttpNamespace", "UpdatePrivateDnsNamespace", "UpdatePublicDnsNamespace",
        "CreateService", "DeleteService", "GetService", "ListServices",
        "RegisterInstance", "DeregisterInstance", "GetInstance", "ListInstances",
        "UpdateInstanceCustomHealthStatus", "GetInstancesHealthStatus",
        "DiscoverInstances", "DiscoverInstancesRevision",
        "GetOperation", "ListOperations",
    ];

    private static EmulatorState NewState() =>
        new(new TimerCountingFakeTimeProvider(), new SharedRandom(42), CloudMapEmulatorOptions.DefaultRegion, new CloudMapEmulatorOptions());

    [Fact]
    public void Api_Table_ListsEveryImplementedOperationOnce()
    {
        var api = NewState().Api;

        Assert.Equal(CloudMapOperations.Order(StringComparer.Ordinal), api.Operations.Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.Equal("Route53AutoNaming_v20170314.", api.TargetPrefix);
        Assert.Equal("servicediscovery", api.SigningName);
    }

    [Fact]
    public void Api_Planes_OnlyDiscoveryIsOnTheDataPlane()
    {
        var api = NewState().Api;

        Assert.Equal(["DiscoverInstances", "DiscoverInstancesRevision"], api.Operations.Where(o => o.Plane == ApiPlane.Data).Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.Equal(CloudMapRules.ErrorCodes.RequestLimitExceeded, CloudMapRules.ThrottleCode(ApiPlane.Data));
        Assert.Equal(CloudMapRules.ErrorCodes.ThrottlingException, CloudMapRules.ThrottleCode(ApiPlane.Control));
    }

    [Fact]
    public void Api_AsyncEntries_AreTheOnesThatAnswerAnOperationId()
    {
        var api = NewState().Api;

        Assert.Equal(
            ["CreateHttpNamespace", "CreatePrivateDnsNamespace", "CreatePublicDnsNamespace", "DeleteNamespace", "DeregisterInstance", "RegisterInstance", "UpdateHttpNamespace", "UpdatePrivateDnsNamespace", "UpdatePublicDnsNamespace"],
            api.Operations.Where(o => o.IsAsync).Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.All(api.Operations, o => Assert.Equal(o.IsAsync, o.ResponseType == typeof(OperationIdResponse)));
    }

    [Fact]
    public async Task Api_EveryEntry_IsAnsweredByItsHandlerOverTheWire()
    {
        await using var f = await EmulatorFixture.StartAsync();

        foreach (var name in CloudMapOperations)
        {
            // An empty body reaches the entry's reader: a required member is missing, or (for List*) the call succeeds.
            var response = await f.Client.CallAsync(name, []);

            var code = response.Body["__type"]?.GetValue<string>();
            Assert.True(
                response.Status == HttpStatusCode.OK || code == CloudMapRules.ErrorCodes.InvalidInput,
                $"{name} answered {(int)response.Status} {code}");
        }
    }

    [Fact]
    public async Task Api_UnknownName_UnknownOperationException()
    {
        await using var f = await EmulatorFixture.StartAsync();

        await f.Client.ErrorAsync("TagResource", [], CloudMapRules.ErrorCodes.UnknownOperationException);
    }

    [Fact]
    public void AwsJsonService_SameNameTwice_Throws()
    {
        var entry = AwsOperation.Sync("Ping", ApiPlane.Control, _ => 0, _ => EmptyResponse.Instance);

        var error = Assert.Throws<ArgumentException>(() => new AwsJsonService("Test_v1.", "test", [entry, entry]));

        Assert.Contains("'Ping'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_SecondServiceTable_AnsweredOnTheSamePortWithItsOwnTargetPrefix()
    {
        var state = NewState();
        var other = new AwsJsonService("TestService_v1.", "test", [AwsOperation.Sync("Echo", ApiPlane.Control, b => AwsInput.String(b, "Text", required: true)!, text => new EchoResponse(text))]);
        var server = new EmulatorServer([state.Api, other], state, new EmulatorFaults(state.Time, new SharedRandom(1)), new RequestRecorder(10), verifier: null);

        var (echoStatus, echo) = await PostAsync(server, "TestService_v1.Echo", """{"Text":"hi"}""");
        var (cloudMapStatus, cloudMap) = await PostAsync(server, "Route53AutoNaming_v20170314.ListNamespaces", "{}");
        var (crossStatus, cross) = await PostAsync(server, "TestService_v1.ListNamespaces", "{}");

        Assert.Equal((200, """{"Echo":"hi"}"""), (echoStatus, echo));
        Assert.Equal((200, """{"Namespaces":[]}"""), (cloudMapStatus, cloudMap));
        Assert.Equal(400, crossStatus);
        Assert.Contains(CloudMapRules.ErrorCodes.UnknownOperationException, cross, StringComparison.Ordinal);
    }

    private static async Task<(int Status, string Body)> PostAsync(EmulatorServer server, string target, string body)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Path = "/";
        context.Request.Headers["X-Amz-Target"] = target;
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        using var response = new MemoryStream();
        context.Response.Body = response;

        await server.HandleAsync(context);

        return (context.Response.StatusCode, Encoding.UTF8.GetString(response.ToArray()));
    }

    private sealed record EchoResponse(string Echo);
}
