// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>
/// Our signing path must produce byte-identical signatures to botocore's for the requests in
/// TestData/sigv4-fixture.json (made by TestData/make_sigv4_fixture.py).
/// </summary>
public sealed class SigV4FixtureTests
{
    private static readonly JsonDocument Fixture = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Client", "TestData", "sigv4-fixture.json")));

    public static TheoryData<string> CaseNames => [.. Fixture.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("name").GetString()!)];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task SignAsync_FixtureRequest_MatchesBotocoreByteForByte(string name)
    {
        var root = Fixture.RootElement;
        var testCase = root.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        var expected = testCase.GetProperty("expected");
        var body = Encoding.UTF8.GetBytes(testCase.GetProperty("body").GetString()!);
        var accessKey = root.GetProperty("accessKey").GetString()!;
        var secretKey = root.GetProperty("secretKey").GetString()!;
        AWSCredentials credentials = testCase.GetProperty("sessionToken").GetString() is { } token
            ? new SessionAWSCredentials(accessKey, secretKey, token)
            : new BasicAWSCredentials(accessKey, secretKey);
        var signedAt = DateTimeOffset.Parse(root.GetProperty("signedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

        using var request = CloudMapRequestSigner.CreateRequest(new Uri(testCase.GetProperty("url").GetString()!), testCase.GetProperty("operation").GetString()!, body);
        await CloudMapRequestSigner.SignAsync(request, body, credentials, testCase.GetProperty("region").GetString()!, signedAt, TestContext.Current.CancellationToken);

        Assert.Equal(expected.GetProperty("authorization").GetString(), Header(request, "Authorization"));
        Assert.Equal(expected.GetProperty("xAmzDate").GetString(), Header(request, "X-Amz-Date"));
        Assert.Equal(expected.GetProperty("xAmzContentSha256").GetString(), Header(request, "X-Amz-Content-SHA256"));
        Assert.Equal(expected.GetProperty("xAmzSecurityToken").GetString(), Header(request, "X-Amz-Security-Token"));
        Assert.Equal("application/x-amz-json-1.1", request.Content!.Headers.GetValues("Content-Type").Single());
    }

    [Fact]
    public async Task SignAsync_SignedTwice_ReplacesPreviousSignature()
    {
        var body = "{}"u8.ToArray();
        using var request = CloudMapRequestSigner.CreateRequest(new Uri("https://servicediscovery.us-east-1.amazonaws.com/"), "ListNamespaces", body);
        var credentials = new BasicAWSCredentials("AKID", "secret");

        await CloudMapRequestSigner.SignAsync(request, body, credentials, "us-east-1", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), TestContext.Current.CancellationToken);
        await CloudMapRequestSigner.SignAsync(request, body, credentials, "us-east-1", new DateTimeOffset(2026, 1, 1, 0, 5, 0, TimeSpan.Zero), TestContext.Current.CancellationToken);

        Assert.Equal("20260101T000500Z", Header(request, "X-Amz-Date"));
        Assert.Single(request.Headers.GetValues("Authorization"));
    }

    private static string? Header(HttpRequestMessage request, string name)
        => request.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}
