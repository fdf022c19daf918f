// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text;
using Amazon.Runtime;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.TestInfrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>Answers no Cloud Map sends: bodies past the size caps, and error messages that echo the request's secrets.</summary>
public sealed class HttpCloudMapClientHostileAnswerTests
{
    private const string AccessKeyId = "ASIAQWERTYUIOPASDFGH";
    private const string SecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
    private const string SessionToken = "FQoGZXIvYXdzEXAMPLEtokenBDaW5ncyBhbmQgbW9yZSB0ZXh0IHRoYXQgaXMgc2VjcmV0Lw==";

    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Call_ContentLengthOverCap_FailsWithResponseTooLargeWithoutRetry()
    {
        await using var h = await ClientHarness.StartAsync(o => o.MaxAttempts = 3);
        var body = Encoding.ASCII.GetBytes(new string(' ', CloudMapResponseBody.MaxControlPlaneBytes + 1));
        h.Server.Then(ctx =>
        {
            ctx.Response.ContentLength = body.Length;
            return ctx.Response.Body.WriteAsync(body, ctx.RequestAborted).AsTask();
        });

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct).WaitAsync(Guard, Ct));

        Assert.Equal(CloudMapErrorCodes.ResponseTooLarge, ex.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, ex.StatusCode);
        Assert.Contains($"larger than {CloudMapResponseBody.MaxControlPlaneBytes} bytes (Content-Length {body.Length})", ex.Message, StringComparison.Ordinal);
        Assert.Single(h.Server.Requests);
    }

    [Fact]
    public async Task Call_EndlessChunkedBody_StopsReadingAtTheCap()
    {
        // No Content-Length, and a body that ends only when the client goes away: an unbounded read never returns.
        await using var h = await ClientHarness.StartAsync(o => o.MaxAttempts = 1);
        h.Server.Then(async ctx =>
        {
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/x-amz-json-1.1";
            var chunk = Encoding.ASCII.GetBytes(new string(' ', 64 * 1024));
            try
            {
                while (!ctx.RequestAborted.IsCancellationRequested)
                {
                    await ctx.Response.Body.WriteAsync(chunk, ctx.RequestAborted);
                }
            }
            catch (Exception) when (ctx.RequestAborted.IsCancellationRequested)
            {
                // The client dropped the connection: what the test wants.
            }
        });

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetInstanceAsync("srv-1", "i-1", Ct).WaitAsync(Guard, Ct));

        Assert.Equal(CloudMapErrorCodes.ResponseTooLarge, ex.ErrorCode);
        Assert.DoesNotContain("Content-Length", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"larger than {CloudMapResponseBody.MaxControlPlaneBytes} bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_OversizedServerError_IsRetriedLikeAny5xx()
    {
        await using var h = await ClientHarness.StartAsync(o => o.MaxAttempts = 2);
        var page = "<html>" + new string('x', CloudMapResponseBody.MaxErrorBytes) + "</html>";
        h.Server.Reply(page, HttpStatusCode.BadGateway, contentType: "text/html").Reply("""{"Service":{"Id":"srv-1","Name":"orders"}}""");

        var service = await h.Client.GetServiceAsync("srv-1", Ct).WaitAsync(Guard, Ct);

        Assert.Equal("srv-1", service.Id);
        Assert.Equal(2, h.Server.Requests.Count);
    }

    [Fact]
    public async Task Call_OversizedClientError_IsNotRetried()
    {
        await using var h = await ClientHarness.StartAsync(o => o.MaxAttempts = 3);
        h.Server.Reply($$"""{"__type":"InvalidInput","Message":"{{new string('x', CloudMapResponseBody.MaxErrorBytes)}}"}""", HttpStatusCode.BadRequest);

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct).WaitAsync(Guard, Ct));

        Assert.Equal(CloudMapErrorCodes.ResponseTooLarge, ex.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Single(h.Server.Requests);
    }

    [Fact]
    public async Task DiscoverInstances_LargestRealisticAnswer_IsRead()
    {
        // 1,000 instances with 30 attributes of 150 characters: about 4.7 MB, over the control-plane cap, under the data plane's.
        await using var h = await ClientHarness.StartAsync();
        var value = new string('v', 150);
        var attributes = string.Join(',', Enumerable.Range(0, 30).Select(a => $"\"attr{a:00}\":\"{value}\""));
        var instances = string.Join(',', Enumerable.Range(0, 1000).Select(i => "{\"InstanceId\":\"i-" + i + "\",\"NamespaceName\":\"example\",\"ServiceName\":\"orders\",\"HealthStatus\":\"HEALTHY\",\"Attributes\":{" + attributes + "}}"));
        var body = $$"""{"Instances":[{{instances}}],"InstancesRevision":7}""";
        Assert.InRange(body.Length, CloudMapResponseBody.MaxControlPlaneBytes, CloudMapResponseBody.MaxDataPlaneBytes);
        h.Server.Reply(body);

        var result = await h.Client.DiscoverInstancesAsync(new CloudMapDiscoveryQuery("example", "orders"), Ct).WaitAsync(Guard, Ct);

        Assert.Equal(1000, result.Instances.Count);
        Assert.Equal(30, result.Instances[999].Attributes.Count);
    }

    [Fact]
    public async Task Call_ErrorMessageEchoingRequestHeaders_NeitherExceptionNorLogsHoldTheSecrets()
    {
        var logs = new FakeLogCollector();
        await using var h = await ClientHarness.StartAsync(
            o => o.MaxAttempts = 1,
            credentials: new SessionAWSCredentials(AccessKeyId, SecretKey, SessionToken),
            configureServices: s => s.AddLogging(b => b.AddProvider(new FakeLoggerProvider(logs))));
        string? authorization = null;
        h.Server.Then(ctx =>
        {
            authorization = ctx.Request.Headers.Authorization.ToString();
            var echoed = string.Join(", ", ctx.Request.Headers.Where(p => p.Key.StartsWith("X-Amz", StringComparison.OrdinalIgnoreCase) || p.Key == "Authorization").Select(p => p.Key + "=" + p.Value));
            return ScriptedCloudMapServer.WriteAsync(ctx, HttpStatusCode.BadRequest, $$"""{"__type":"InvalidSignatureException","message":"Bad request\r\nheaders: {{echoed}}"}""");
        });

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct).WaitAsync(Guard, Ct));

        Assert.NotNull(authorization);
        var signature = authorization[(authorization.IndexOf("Signature=", StringComparison.Ordinal) + "Signature=".Length)..];
        Assert.Equal(64, signature.Length);
        var logged = logs.Describe();
        foreach (var secret in new[] { AccessKeyId, SessionToken, signature, SecretKey })
        {
            Assert.DoesNotContain(secret, ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, logged, StringComparison.Ordinal);
        }

        Assert.Equal("InvalidSignatureException", ex.ErrorCode);
        Assert.StartsWith("Bad request headers: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("X-Amz-Security-Token=[REDACTED]", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.True(logs.HasEvent("CloudMapErrorMessageRedacted"), logged);
        Assert.True(logs.HasEvent("CloudMapCallFailed"), logged);
    }

    [Fact]
    public async Task Call_HtmlErrorPageEchoingRequestHeaders_SnippetHoldsNoSecret()
    {
        await using var h = await ClientHarness.StartAsync(
            o => o.MaxAttempts = 1,
            credentials: new SessionAWSCredentials(AccessKeyId, SecretKey, SessionToken));
        h.Server.Then(ctx => ScriptedCloudMapServer.WriteAsync(
            ctx,
            HttpStatusCode.Forbidden,
            $"<html><pre>X-Amz-Security-Token: {ctx.Request.Headers["X-Amz-Security-Token"]}\nAuthorization: {ctx.Request.Headers.Authorization}</pre></html>",
            contentType: "text/html"));

        var ex = await Assert.ThrowsAsync<CloudMapException>(() => h.Client.GetServiceAsync("srv-1", Ct).WaitAsync(Guard, Ct));

        Assert.Equal(CloudMapErrorCodes.MalformedResponse, ex.ErrorCode);
        Assert.DoesNotContain(SessionToken, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(AccessKeyId, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Signature=", ex.Message.Replace("Signature=[REDACTED]", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("X-Amz-Security-Token: [REDACTED]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOperation_FailMessageEchoingAToken_IsSanitized()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Server.Reply("{\"Operation\":{\"Id\":\"op-1\",\"Status\":\"FAIL\",\"ErrorCode\":\"INTERNAL_FAILURE\\u001b[2J\",\"ErrorMessage\":\"failed for token " + SessionToken + "\\u202e\"}}");

        var operation = await h.Client.GetOperationAsync("op-1", Ct).WaitAsync(Guard, Ct);

        Assert.Equal("INTERNAL_FAILURE[2J", operation.ErrorCode);
        Assert.Equal("failed for token [REDACTED]", operation.ErrorMessage);
    }
}
