// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace CloudMap.Lifecycle.Testing.Tests;

public sealed class SigV4Tests
{
    private const string KeyId = "AKIDEXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    private static Task<EmulatorFixture> StartAsync() => EmulatorFixture.StartAsync(o => o.SigV4Credentials[KeyId] = Secret);

    /// <summary>Signs like the AWS SDKs (header form, host + content-type + x-amz-date + x-amz-target signed).</summary>
    private static HttpRequestMessage Signed(EmulatorFixture f, string operation, JsonObject body, string keyId = KeyId, string secret = Secret, TimeSpan skew = default, string region = "us-east-1", string? host = null)
    {
        var request = AwsJsonClient.BuildRequest(operation, body);
        host ??= $"127.0.0.1:{f.Emulator.Endpoint.Port}";
        request.Headers.Host = host;
        var now = f.Clock.GetUtcNow() + skew;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        var payload = Encoding.UTF8.GetBytes(body.ToJsonString());
        var canonical = $"POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:{host}\nx-amz-date:{amzDate}\nx-amz-target:Route53AutoNaming_v20170314.{operation}\n\n" +
            $"content-type;host;x-amz-date;x-amz-target\n{Convert.ToHexStringLower(SHA256.HashData(payload))}";
        var scope = $"{date}/{region}/servicediscovery/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + secret);
        foreach (var part in new[] { date, region, "servicediscovery", "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={keyId}/{scope}, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={signature}");
        return request;
    }

    private static async Task<string?> CodeAsync(EmulatorFixture f, HttpRequestMessage request)
    {
        using (request)
        {
            var response = await f.Client.SendAsync(request);
            return response.Status == HttpStatusCode.OK ? null : response.Body["__type"]!.GetValue<string>();
        }
    }

    [Fact]
    public async Task Verification_Off_UnsignedRequestsAccepted()
    {
        await using var f = await EmulatorFixture.StartAsync();

        await f.Client.OkAsync("ListServices");
    }

    [Fact]
    public async Task Verification_On_ValidSignatureAccepted()
    {
        await using var f = await StartAsync();

        Assert.Null(await CodeAsync(f, Signed(f, "ListServices", [])));
        Assert.Null(await CodeAsync(f, Signed(f, "DiscoverInstancesRevision", new JsonObject { ["NamespaceName"] = "example", ["ServiceName"] = "custom" }, host: $"data-127.0.0.1:{f.Emulator.Endpoint.Port}")));
    }

    [Fact]
    public async Task Verification_On_UnsignedRejected()
    {
        await using var f = await StartAsync();

        await f.Client.ErrorAsync("ListServices", null, "MissingAuthenticationTokenException", HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Verification_On_WrongSecret_InvalidSignatureException()
    {
        await using var f = await StartAsync();

        Assert.Equal("InvalidSignatureException", await CodeAsync(f, Signed(f, "ListServices", [], secret: "not-the-secret")));
    }

    [Fact]
    public async Task Verification_On_TamperedBody_InvalidSignatureException()
    {
        await using var f = await StartAsync();
        var request = Signed(f, "GetService", new JsonObject { ["Id"] = f.CustomServiceId });
        var headers = request.Content!.Headers.ContentType;
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(new JsonObject { ["Id"] = f.NoHealthServiceId }.ToJsonString()));
        request.Content.Headers.ContentType = headers;

        Assert.Equal("InvalidSignatureException", await CodeAsync(f, request));
    }

    [Fact]
    public async Task Verification_On_UnknownKey_UnrecognizedClientException()
    {
        await using var f = await StartAsync();

        Assert.Equal("UnrecognizedClientException", await CodeAsync(f, Signed(f, "ListServices", [], keyId: "AKIDUNKNOWN")));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(-16)]
    public async Task Verification_On_SkewedClock_RequestExpired(int minutes)
    {
        await using var f = await StartAsync();

        Assert.Equal("RequestExpired", await CodeAsync(f, Signed(f, "ListServices", [], skew: TimeSpan.FromMinutes(minutes))));
        Assert.Null(await CodeAsync(f, Signed(f, "ListServices", [], skew: TimeSpan.FromMinutes(minutes > 0 ? 14 : -14))));
    }

    [Fact]
    public async Task Verification_On_WrongRegion_InvalidSignatureException()
    {
        await using var f = await StartAsync();

        Assert.Equal("InvalidSignatureException", await CodeAsync(f, Signed(f, "ListServices", [], region: "eu-west-1")));
    }

    [Fact]
    public async Task Verification_On_MalformedAuthorization_IncompleteSignatureException()
    {
        await using var f = await StartAsync();
        using var request = AwsJsonClient.BuildRequest("ListServices", []);
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE");

        Assert.Equal("IncompleteSignatureException", await CodeAsync(f, request));
    }
}
