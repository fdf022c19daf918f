// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace CloudMap.Lifecycle.Tests.Client;

/// <summary>The client's rules, each declared once: retryable codes, the ServiceUrl rule, the option limits.</summary>
public sealed class CloudMapClientRulesTests
{
    [Fact]
    public void RetryableCodes_AreTheUnionOfThrottlingAndTransientCodes()
    {
        Assert.Equal(
            CloudMapRetryClassifier.ThrottlingCodes.Concat(CloudMapRetryClassifier.TransientCodes).Order(StringComparer.Ordinal),
            CloudMapRetryClassifier.RetryableCodes.Order(StringComparer.Ordinal));
        Assert.Empty(CloudMapRetryClassifier.ThrottlingCodes.Intersect(CloudMapRetryClassifier.TransientCodes));
    }

    [Theory]
    [InlineData("ThrottlingException", true, true)]
    [InlineData("RequestLimitExceeded", true, true)]
    [InlineData("InternalFailure", true, false)]
    [InlineData("PriorRequestNotComplete", true, false)]
    [InlineData("InstanceNotFound", false, false)]
    [InlineData(CloudMapErrorCodes.MalformedResponse, false, false)]
    public void Classifier_AnswerCode_RetryableAndThrottling(string code, bool retryable, bool throttling)
    {
        var answer = new CloudMapException(code, "x", HttpStatusCode.BadRequest, "r");

        Assert.Equal(retryable, CloudMapRetryClassifier.IsRetryable(answer, CancellationToken.None));
        Assert.Equal(throttling, CloudMapRetryClassifier.IsThrottling(answer));
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, true)]
    [InlineData(HttpStatusCode.BadGateway, true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.GatewayTimeout, true)]
    [InlineData(HttpStatusCode.OK, false)]
    [InlineData(HttpStatusCode.Forbidden, false)]
    public void Classifier_UnreadableAnswer_RetryableByStatusOnly(HttpStatusCode status, bool retryable)
        => Assert.Equal(retryable, CloudMapRetryClassifier.IsRetryable(new CloudMapException(CloudMapErrorCodes.MalformedResponse, "x", status, null), CancellationToken.None));

    [Fact]
    public void Classifier_TransportFailures_RetriedUnlessTheCallerCancelled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.True(CloudMapRetryClassifier.IsRetryable(new HttpRequestException("refused"), CancellationToken.None));
        Assert.True(CloudMapRetryClassifier.IsRetryable(new IOException("reset"), CancellationToken.None));
        Assert.True(CloudMapRetryClassifier.IsRetryable(new TimeoutRejectedException(), CancellationToken.None));
        Assert.False(CloudMapRetryClassifier.IsRetryable(new HttpRequestException("refused"), cancelled.Token));
        Assert.False(CloudMapRetryClassifier.IsRetryable(new OperationCanceledException(), CancellationToken.None));
        Assert.False(CloudMapRetryClassifier.IsRetryable(new InvalidOperationException(), CancellationToken.None));
    }

    [Theory]
    [InlineData("http://127.0.0.1:4566", true)]
    [InlineData("https://servicediscovery.eu-west-1.amazonaws.com/", true)]
    [InlineData("ftp://example.com/", false)]
    [InlineData("file:///tmp/x", false)]
    public void ServiceUrl_OneRule_ForTheValidatorTheConfigurationReaderAndTheEndpoint(string text, bool valid)
    {
        var url = new Uri(text);

        Assert.Equal(valid, CloudMapServiceUrl.IsValid(url));
        Assert.Equal(valid, CloudMapServiceUrl.TryParse(text, out _));
        Assert.Equal(valid, new CloudMapClientOptionsValidator().Validate(null, new CloudMapClientOptions { ServiceUrl = url }).Succeeded);
        var create = Record.Exception(() => CloudMapEndpoint.Create("us-east-1", url, disableHostPrefixInjection: true));
        Assert.Equal(valid, create is null);
    }

    [Fact]
    public void ServiceUrl_RelativeText_IsRejected()
        => Assert.False(CloudMapServiceUrl.TryParse("/just/a/path", out _));

    [Fact]
    public void Options_AwsServiceUrlWithAnotherScheme_FailsNamingTheConfigurationKey()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AWS:ServiceURL"] = "ftp://example.com/" }).Build());
        services.TryAddCloudMapClient();
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CloudMapClientOptions>>().Value);

        Assert.Contains("'AWS:ServiceURL' has value 'ftp://example.com/', which is not an absolute http or https URL", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CloudMapClientOptions.MinimumMaxAttempts, true)]
    [InlineData(CloudMapClientOptions.MaximumMaxAttempts, true)]
    [InlineData(CloudMapClientOptions.MinimumMaxAttempts - 1, false)]
    [InlineData(CloudMapClientOptions.MaximumMaxAttempts + 1, false)]
    public void MaxAttempts_LimitsAreTheDeclaredConstants(int value, bool valid)
    {
        var result = new CloudMapClientOptionsValidator().Validate(null, new CloudMapClientOptions { MaxAttempts = value });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains($"MaxAttempts must be between 1 and 20; it is {value}.", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AttemptTimeout_LimitsAreTheDeclaredConstants()
    {
        var validator = new CloudMapClientOptionsValidator();
        bool Valid(TimeSpan value) => validator.Validate(null, new CloudMapClientOptions { AttemptTimeout = value }).Succeeded;

        Assert.True(Valid(CloudMapClientOptions.MinimumAttemptTimeout));
        Assert.True(Valid(CloudMapClientOptions.MaximumAttemptTimeout));
        Assert.True(Valid(Timeout.InfiniteTimeSpan));
        Assert.False(Valid(CloudMapClientOptions.MinimumAttemptTimeout - TimeSpan.FromTicks(1)));
        Assert.False(Valid(CloudMapClientOptions.MaximumAttemptTimeout + TimeSpan.FromTicks(1)));
        Assert.Equal(TimeSpan.FromMilliseconds(10), CloudMapClientOptions.MinimumAttemptTimeout);
        Assert.Equal(TimeSpan.FromDays(1), CloudMapClientOptions.MaximumAttemptTimeout);
    }

    [Fact]
    public void Delays_NegativeBaseOrMaxBelowBase_Fail()
    {
        var validator = new CloudMapClientOptionsValidator();

        Assert.False(validator.Validate(null, new CloudMapClientOptions { BaseDelay = TimeSpan.FromTicks(-1) }).Succeeded);
        Assert.False(validator.Validate(null, new CloudMapClientOptions { BaseDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(1) }).Succeeded);
        Assert.True(validator.Validate(null, new CloudMapClientOptions { BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero }).Succeeded);
    }
}
