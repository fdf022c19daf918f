// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using Amazon.Runtime;
using CloudMap.Lifecycle.Sample.Baseline;

namespace CloudMap.Lifecycle.IntegrationTests;

/// <summary>
/// The baseline's own small client against an emulator that verifies SigV4: its requests are signed the way Cloud
/// Map checks them, and an AWS error answer surfaces as its code, not retried when it is not transient.
/// </summary>
public sealed class BaselineClientTests
{
    private const string AccessKey = "AKIDBASELINETEST0001";
    private const string Secret = "baseline/secret+key";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RegisterInstance_SignedWithTheEmulatorsKey_IsAcceptedAndListed()
    {
        await using var emulator = await StartVerifyingEmulatorAsync();
        var namespaceId = emulator.CreateHttpNamespace("baseline.local");
        var serviceId = emulator.CreateService(namespaceId, "orders", EmulatedHealthCheck.Custom);
        using var client = CreateClient(emulator, Secret);

        var resolved = await client.ResolveServiceIdAsync(null, "baseline.local", "orders", Token);
        await client.RegisterInstanceAsync(resolved, "b-1", new Dictionary<string, string> { ["AWS_INSTANCE_IPV4"] = "127.0.0.1", ["AWS_INSTANCE_PORT"] = "8080" }, Token);
        await client.UpdateInstanceCustomHealthStatusAsync(resolved, "b-1", healthy: true, Token);

        Assert.Equal(serviceId, resolved);
        Assert.Equal("8080", Assert.Single(emulator.GetInstances(serviceId)).Attributes["AWS_INSTANCE_PORT"]);
        Assert.Equal(1, emulator.GetCallCount("ListNamespaces"));
        Assert.Equal(1, emulator.GetCallCount("GetService"));
    }

    [Fact]
    public async Task Call_WrongSecret_FailsWithTheAwsErrorCodeWithoutRetrying()
    {
        await using var emulator = await StartVerifyingEmulatorAsync();
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("baseline.local"), "orders", EmulatedHealthCheck.Custom);
        using var client = CreateClient(emulator, "not-the-secret");

        var error = await Assert.ThrowsAsync<BaselineCloudMapException>(() => client.DeregisterInstanceAsync(serviceId, "b-1", Token));

        Assert.Equal("InvalidSignatureException", error.ErrorCode);
        Assert.True(error.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden, $"HTTP {error.StatusCode}");
        Assert.Equal(1, emulator.TotalCallCount);
        Assert.Empty(emulator.GetInstances(serviceId));
    }

    [Fact]
    public async Task Call_TransientFailures_RetriedUpToMaxAttempts()
    {
        await using var emulator = await StartVerifyingEmulatorAsync();
        var serviceId = emulator.CreateService(emulator.CreateHttpNamespace("baseline.local"), "orders", EmulatedHealthCheck.Custom);
        emulator.Faults.Script("GetService", ScriptedFault.InternalFailure(), times: 2).Script("GetService", ScriptedFault.Throttling(), times: 1);
        var time = new TimerCountingFakeTimeProvider();
        using var client = CreateClient(emulator, Secret, time);

        // The backoff waits on the fake clock: step it whenever the client is parked on its delay.
        var resolving = client.ResolveServiceIdAsync(serviceId, null, null, Token);
        await time.AdvanceUntilAsync(resolving, TimeSpan.FromSeconds(1), cancellationToken: Token);
        var resolved = await resolving;

        Assert.Equal(serviceId, resolved);
        Assert.Equal(4, emulator.GetCallCount("GetService"));
    }

    private static async Task<CloudMapEmulator> StartVerifyingEmulatorAsync()
    {
        var options = new CloudMapEmulatorOptions { RandomSeed = 1, OperationSubmittedDuration = TimeSpan.Zero, OperationPendingDuration = TimeSpan.Zero };
        options.SigV4Credentials[AccessKey] = Secret;
        return await CloudMapEmulator.StartAsync(options, Token);
    }

    private static BaselineCloudMapClient CreateClient(CloudMapEmulator emulator, string secret, TimerCountingFakeTimeProvider? time = null) =>
        new(
            new BaselineClientOptions { ServiceUrl = emulator.Endpoint, Region = emulator.Region, AttemptTimeout = Timeout.InfiniteTimeSpan },
            time ?? new TimerCountingFakeTimeProvider(),
            new BasicAWSCredentials(AccessKey, secret));
}
