// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Tests.Client;

public sealed class CloudMapMessageSanitizerTests
{
    private const string Signature = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
    private const string SessionToken = "IQoJb3JpZ2luX2VjEHMaCXVzLWVhc3QtMSJHMEUCIQDexampleTOKENvalue+/AbCdEfGhIjKlMnOpQrStUvWxYz==";

    public static TheoryData<string, string> Hostile => new()
    {
        { "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/servicediscovery/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + Signature, "Authorization: [REDACTED], SignedHeaders=host;x-amz-date, Signature=[REDACTED]" },
        { "x-amz-security-token: " + SessionToken, "x-amz-security-token: [REDACTED]" },
        { "{\"X-Amz-Security-Token\":\"" + SessionToken + "\",\"Host\":\"example\"}", "{\"X-Amz-Security-Token\":\"[REDACTED]\",\"Host\":\"example\"}" },
        { "https://x/?X-Amz-Credential=ASIAQWERTYUIOPASDFGH%2F20260101&X-Amz-Signature=" + Signature + "&X-Amz-Date=20260101T000000Z", "https://x/?X-Amz-Credential=[REDACTED]&X-Amz-Signature=[REDACTED]&X-Amz-Date=20260101T000000Z" },
        { "key ASIAQWERTYUIOPASDFGH was rejected", "key [REDACTED] was rejected" },
        { "secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY leaked", "secret [REDACTED] leaked" },
        { "Authorization=Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", "Authorization=[REDACTED]" },
        { "line one\r\nWARN forged line\u001b[31m\u202eevil\0", "line one WARN forged line[31mevil" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Sanitize_HostileText_RedactsSecretsAndControlCharacters(string text, string expected)
        => Assert.Equal(expected, CloudMapMessageSanitizer.Sanitize(text));

    [Theory]
    [InlineData("Service not found: 'srv-e4anhexample0004'.")]
    [InlineData("Operation gv4g5meo7ndmeh4fqskygvk23d2fijwa-k9302yzd not found.")]
    [InlineData("Request 0b9d8f6e-1c2a-4e5f-9a8b-7c6d5e4f3a2b failed.")]
    [InlineData("Instance not found: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' in service 'srv-0123456789abcdef'.")]
    [InlineData("arn:aws:servicediscovery:us-east-1:123456789012:service/srv-0123456789abcdef")]
    [InlineData("1 validation error detected: Value 'x y' at 'instanceId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9a-zA-Z_/:.@-]+$")]
    public void Sanitize_OrdinaryCloudMapMessages_AreKept(string text)
        => Assert.Equal(text, CloudMapMessageSanitizer.Sanitize(text));

    [Fact]
    public void Sanitize_LongText_IsCutAtTheCap()
    {
        var result = CloudMapMessageSanitizer.Sanitize(string.Concat(Enumerable.Repeat("no secret ", 1_000)));

        Assert.Equal(CloudMapMessageSanitizer.MaxMessageLength + 1, result.Length);
        Assert.EndsWith("…", result, StringComparison.Ordinal);
    }

    [Fact]
    public void Sanitize_CountsRedactions()
    {
        CloudMapMessageSanitizer.Sanitize("Credential=AKIAIOSFODNN7EXAMPLE/x, Signature=" + Signature, 512, out var redactions);

        Assert.Equal(2, redactions);
    }

    [Fact]
    public void Parse_ErrorMessageWithToken_IsSanitizedAndCounted()
    {
        var info = CloudMapErrorParser.Parse(System.Text.Encoding.UTF8.GetBytes("{\"__type\":\"AccessDeniedException\",\"Message\":\"denied; X-Amz-Security-Token=" + SessionToken + "\"}"), null);

        Assert.Equal("denied; X-Amz-Security-Token=[REDACTED]", info.Message);
        Assert.Equal(1, info.Redactions);
    }

    [Fact]
    public void SanitizeErrorCode_ControlCharactersAndLength_AreRemoved()
        => Assert.Equal(new string('Z', CloudMapErrorParser.MaxCodeLength), CloudMapErrorParser.SanitizeErrorCode("\u001b" + new string('Z', 500)));

    [Theory]
    [InlineData("MissingAuthenticationTokenException")]
    [InlineData("ProvisionedThroughputExceededException")]
    public void SanitizeErrorCode_LongCamelCaseCodes_AreKept(string code)
        => Assert.Equal(code, CloudMapErrorParser.SanitizeErrorCode(code));
}
