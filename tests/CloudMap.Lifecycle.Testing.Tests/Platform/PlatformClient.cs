// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace CloudMap.Lifecycle.Testing.Tests.Platform;

/// <summary>Raw ECS (AWS JSON 1.1) and EC2 (Query, XML) requests against the emulator, as bare as the wire.</summary>
internal static class PlatformClient
{
    public static readonly XNamespace Ec2 = "http://ec2.amazonaws.com/doc/2016-11-15/";

    public static async Task<(HttpStatusCode Status, JsonObject Body)> EcsAsync(EmulatorFixture f, string operation, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToJsonString())) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "AmazonEC2ContainerServiceV20141113." + operation);
        using var response = await f.Client.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, (JsonObject)JsonNode.Parse(text)!);
    }

    public static async Task<JsonObject> EcsOkAsync(EmulatorFixture f, string operation, JsonObject body)
    {
        var (status, answer) = await EcsAsync(f, operation, body);
        Assert.True(status == HttpStatusCode.OK, $"{operation} answered {(int)status}: {answer.ToJsonString()}");
        return answer;
    }

    public static async Task<string> EcsErrorAsync(EmulatorFixture f, string operation, JsonObject body, string code)
    {
        var (status, answer) = await EcsAsync(f, operation, body);
        Assert.True(answer["__type"]?.GetValue<string>() == code, $"{operation} answered {(int)status}: {answer.ToJsonString()}, expected {code}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Null(answer["Message"]);
        return answer["message"]!.GetValue<string>();
    }

    public static async Task<(HttpStatusCode Status, XElement Body, string? ContentType)> Ec2Async(EmulatorFixture f, params (string Key, string Value)[] parameters)
    {
        var form = new List<KeyValuePair<string, string>> { new("Action", "DescribeInstances"), new("Version", "2016-11-15") };
        form.AddRange(parameters.Select(p => new KeyValuePair<string, string>(p.Key, p.Value)));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new FormUrlEncodedContent(form) };
        using var response = await f.Client.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, XDocument.Parse(text).Root!, response.Content.Headers.ContentType?.ToString());
    }

    /// <summary>DescribeInstances: the instances (id, state name, private IP or null) in answer order.</summary>
    public static async Task<List<(string Id, string State, string? Ip)>> DescribeAsync(EmulatorFixture f, params (string Key, string Value)[] parameters)
    {
        var (status, body, _) = await Ec2Async(f, parameters);
        Assert.True(status == HttpStatusCode.OK, $"DescribeInstances answered {(int)status}: {body}");
        return [.. Instances(body)];
    }

    public static IEnumerable<(string Id, string State, string? Ip)> Instances(XElement body) =>
        body.Element(Ec2 + "reservationSet")!.Elements(Ec2 + "item")
            .SelectMany(r => r.Element(Ec2 + "instancesSet")!.Elements(Ec2 + "item"))
            .Select(i => (i.Element(Ec2 + "instanceId")!.Value, i.Element(Ec2 + "instanceState")!.Element(Ec2 + "name")!.Value, i.Element(Ec2 + "privateIpAddress")?.Value));

    public static async Task<(string Code, string Message)> Ec2ErrorAsync(EmulatorFixture f, HttpStatusCode expected, params (string Key, string Value)[] parameters)
    {
        var (status, body, _) = await Ec2Async(f, parameters);
        Assert.Equal(expected, status);
        Assert.Equal("Response", body.Name.LocalName);
        var error = body.Element("Errors")!.Element("Error")!;
        Assert.False(string.IsNullOrEmpty(body.Element("RequestID")?.Value));
        return (error.Element("Code")!.Value, error.Element("Message")!.Value);
    }

    public static JsonArray Strings(params string[] values) => [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
}
