// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using CloudMap.Lifecycle.Client;
using CloudMap.Lifecycle.Identity;
using CloudMap.Lifecycle.Internal;
using CloudMap.Lifecycle.TestInfrastructure;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CloudMap.Lifecycle.Tests;

/// <summary>Resolve, readiness and register steps of <see cref="CloudMapRegistrationService"/>.</summary>
public sealed class RegistrationStepTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ResolveTargetAsync_ServiceWithCustomHealth_ResolvesTargetAndCustomMode()
    {
        using var h = new ServiceHarness();

        var target = await h.Service.ResolveTargetAsync(Ct);

        Assert.NotNull(target);
        Assert.Equal(FakeCloudMapClient.CustomServiceId, target.Service.Id);
        Assert.Equal("i-test", target.InstanceId);
        Assert.Equal(IPAddress.Loopback, target.Address);
        Assert.Equal(8080, target.Port);
        Assert.Equal(HealthReportingMode.Custom, h.Service.Mode);
        Assert.Equal(["GetService"], h.Client.Calls);
        Assert.Equal(FakeCloudMapClient.CustomServiceId, h.State.ServiceId);
    }

    [Theory]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    [InlineData(FakeCloudMapClient.NoHealthServiceId, UnmanagedHealthMode.DeregisterWhileUnhealthy, "DeregisterWhileUnhealthy")]
    [InlineData(FakeCloudMapClient.NoHealthServiceId, UnmanagedHealthMode.ReportOnly, "ReportOnly")]
    [InlineData(FakeCloudMapClient.Route53ServiceId, UnmanagedHealthMode.DeregisterWhileUnhealthy, "ReportOnly")]
    public async Task ResolveTargetAsync_HealthCheckKind_ChoosesMode(string serviceId, UnmanagedHealthMode unmanaged, string expected)
    {
        using var h = new ServiceHarness(o =>
        {
            o.ServiceId = serviceId;
            o.Health.UnmanagedMode = unmanaged;
        });

        await h.Service.ResolveTargetAsync(Ct);

        Assert.Equal(expected, h.Service.Mode.ToString());
    }

    [Fact]
    public async Task ResolveTargetAsync_NamespaceAndServiceName_ResolvesThroughLists()
    {
        using var h = new ServiceHarness(o =>
        {
            o.ServiceId = null;
            o.NamespaceName = FakeCloudMapClient.NamespaceName;
            o.ServiceName = "connect";
        });

        var target = await h.Service.ResolveTargetAsync(Ct);

        Assert.Equal(FakeCloudMapClient.NoHealthServiceId, target!.Service.Id);
    }

    [Fact]
    public async Task ResolveTargetAsync_TransientFailures_RetriesUntilResolved()
    {
        using var h = new ServiceHarness();
        h.Client.FailNext("GetService", FakeCloudMapClient.Error(CloudMapErrorCodes.ThrottlingException), times: 3);

        var resolving = h.Service.ResolveTargetAsync(Ct);
        await h.DriveUntilAsync(resolving, Backoff.Max);

        Assert.NotNull(await resolving);
        Assert.Equal(4, h.Client.CallCount("GetService"));
        Assert.Null(h.State.LastError);
    }

    [Fact]
    public async Task ResolveTargetAsync_ServiceNotFound_ReportsFailedAndKeepsTrying()
    {
        using var h = new ServiceHarness(o => o.ServiceId = "srv-doesnotexist0001");

        var resolving = h.Service.ResolveTargetAsync(Ct);
        await h.Time.WaitForTimersAsync(1, Ct);

        Assert.Equal(CloudMapRegistrationPhase.Failed, h.State.Phase);
        Assert.Contains("ServiceNotFound", h.State.LastError, StringComparison.Ordinal);
        h.Client.AddService(new CloudMapService("srv-doesnotexist0001", null, "late", null, null, ServiceHealthCheckKind.Custom));
        await h.DriveUntilAsync(resolving, Backoff.Max);
        Assert.NotNull(await resolving);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task ResolveTargetAsync_NoPortAndNoBinding_FailsWithoutSendingAnything()
    {
        using var h = new ServiceHarness(o => o.Port = null);
        h.Server.Addresses.Clear();

        var target = await h.Service.ResolveTargetAsync(Ct);

        Assert.Null(target);
        Assert.Equal(CloudMapRegistrationPhase.Failed, h.State.Phase);
        Assert.Contains("CloudMap:Port", h.State.LastError, StringComparison.Ordinal);
        Assert.Empty(h.Client.Calls);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task ResolveTargetAsync_PortZeroBinding_TakesTheRealBoundPort()
    {
        using var h = new ServiceHarness(o => o.Port = null);
        h.Server.Addresses.Clear();
        h.Server.Addresses.Add("http://[::]:49731");

        var target = await h.Service.ResolveTargetAsync(Ct);

        Assert.Equal(49731, target!.Port);
    }

    [Fact]
    public async Task ResolveTargetAsync_EcsBridgeMode_UsesHostAddressAndHostPort()
    {
        using var h = new ServiceHarness(o =>
        {
            o.InstanceId = null;
            o.Port = null;
        });
        h.Server.Addresses.Clear();
        h.Server.Addresses.Add("http://+:80");
        h.Identity.Identity = new InstanceIdentity("0123abcd", IPAddress.Parse("10.1.2.3"), "ecs+ec2") { HostPorts = new Dictionary<int, int> { [80] = 32768 } };

        var target = await h.Service.ResolveTargetAsync(Ct);

        Assert.Equal("0123abcd", target!.InstanceId);
        Assert.Equal(IPAddress.Parse("10.1.2.3"), target.Address);
        Assert.Equal(32768, target.Port);
    }

    [Fact]
    public async Task ResolveTargetAsync_EverythingExplicit_DoesNotAskThePlatform()
    {
        using var h = new ServiceHarness(o => o.Address = "10.0.0.9");

        var target = await h.Service.ResolveTargetAsync(Ct);

        Assert.Equal(0, h.Identity.Calls);
        Assert.Equal(IPAddress.Parse("10.0.0.9"), target!.Address);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", "127.0.0.1", 5000)]
    [InlineData("http://localhost:5001", "127.0.0.1", 5001)]
    [InlineData("https://[::1]:5002/", "::1", 5002)]
    [InlineData("http://[::]:5003", null, 5003)]
    [InlineData("http://0.0.0.0:5004", null, 5004)]
    [InlineData("http://+:5005", null, 5005)]
    [InlineData("http://*:5006/base", null, 5006)]
    [InlineData("http://10.0.0.5", "10.0.0.5", 80)]
    public void ServerBindingParse_ServerAddress_HostAndPort(string address, string? host, int port)
    {
        var parsed = ServerBinding.Parse(address);

        Assert.NotNull(parsed);
        Assert.Equal(host, parsed.Value.Host?.ToString());
        Assert.Equal(port, parsed.Value.Port);
    }

    [Theory]
    [InlineData("127.0.0.1:5000")]
    [InlineData("http://[::1:5000")]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("http://127.0.0.1:65536")]
    [InlineData("http://127.0.0.1:port")]
    public void ServerBindingParse_NotAServerAddress_Null(string address)
    {
        Assert.Null(ServerBinding.Parse(address));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task WaitForReadinessAsync_NotReady_SendsNothingAndPollsOnInterval()
    {
        using var h = new ServiceHarness();
        await h.Service.ResolveTargetAsync(Ct);
        var callsAfterResolve = h.Client.Calls.Count;
        h.Health.Healthy = false;

        var waiting = h.Service.WaitForReadinessAsync(Ct);
        for (var i = 0; i < 10; i++)
        {
            await h.Time.WaitForTimersAsync(1, Ct);
            h.Time.Advance(CloudMapReadinessOptions.DefaultPollInterval);
        }

        Assert.False(waiting.IsCompleted);
        Assert.Equal(callsAfterResolve, h.Client.Calls.Count);
        Assert.Equal(CloudMapRegistrationPhase.WaitingForReadiness, h.State.Phase);
        Assert.InRange(h.Health.Runs, 10, 11);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task WaitForReadinessAsync_ConsecutiveSuccessesRequired_ReadyOnlyAfterNInARow()
    {
        using var h = new ServiceHarness(o => o.Readiness.ConsecutiveSuccesses = 3);
        h.Health.Healthy = true;

        var waiting = h.Service.WaitForReadinessAsync(Ct);
        await h.Time.WaitForTimersAsync(1, Ct);
        h.Health.Healthy = false; // the 2nd poll fails: the count starts over
        h.Time.Advance(CloudMapReadinessOptions.DefaultPollInterval);
        await h.Time.WaitForTimersAsync(1, Ct);
        h.Health.Healthy = true;
        for (var i = 0; i < 2; i++)
        {
            h.Time.Advance(CloudMapReadinessOptions.DefaultPollInterval);
            await h.Time.WaitForTimersAsync(1, Ct);
            Assert.False(waiting.IsCompleted);
        }

        h.Time.Advance(CloudMapReadinessOptions.DefaultPollInterval);

        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal(5, h.Health.Runs);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task WaitForReadinessAsync_SelectsTaggedChecksOnly_NeverTheCloudMapCheck()
    {
        using var h = new ServiceHarness(o => o.Readiness.ConsecutiveSuccesses = 1);
        h.Health.Set("live", HealthStatus.Unhealthy, "live");
        h.Health.Set("cloudmap", HealthStatus.Unhealthy, "cloudmap", "ready");
        h.Health.Set("db", HealthStatus.Degraded, "ready");

        Assert.True(await h.Service.WaitForReadinessAsync(Ct));

        Assert.Equal(["app", "db"], h.Health.LastSelected);
    }

    [Fact]
    public async Task WaitForReadinessAsync_TimeoutKeepWaiting_LogsWarningAndRegistersLater()
    {
        using var h = new ServiceHarness(o => o.Readiness.Timeout = TimeSpan.FromSeconds(10));
        h.Health.Healthy = false;

        var waiting = h.Service.WaitForReadinessAsync(Ct);
        for (var i = 0; i < 6; i++)
        {
            await h.Time.WaitForTimersAsync(1, Ct);
            h.Time.Advance(TimeSpan.FromSeconds(2));
        }

        await h.Time.WaitForTimersAsync(1, Ct);
        Assert.True(h.Logs.Collector.HasEvent("ReadinessTimedOutWaiting"));
        Assert.Equal(0, h.Lifetime.StopApplicationCalls);
        h.Health.Healthy = true;
        await h.DriveUntilAsync(waiting, TimeSpan.FromSeconds(2));
        Assert.True(await waiting);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G1)]
    public async Task WaitForReadinessAsync_TimeoutStopApplication_StopsAppAndSendsNothing()
    {
        using var h = new ServiceHarness(o =>
        {
            o.Readiness.Timeout = TimeSpan.FromSeconds(10);
            o.Readiness.TimeoutBehavior = ReadinessTimeoutBehavior.StopApplication;
        });
        h.Health.Healthy = false;

        var waiting = h.Service.WaitForReadinessAsync(Ct);
        await h.DriveUntilAsync(waiting, TimeSpan.FromSeconds(2));

        Assert.False(await waiting);
        Assert.Equal(1, h.Lifetime.StopApplicationCalls);
        Assert.Equal(CloudMapRegistrationPhase.Failed, h.State.Phase);
        Assert.Empty(h.Client.Calls);
        Assert.True(h.Logs.Collector.HasEvent("ReadinessTimedOutStopping"));
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G4)]
    [Trait(Guarantees.Trait, Guarantees.G5)]
    public async Task RegisterAsync_CustomHealthService_SendsInitHealthyOwnerAddressPortAndCustomAttributes()
    {
        using var h = new ServiceHarness(o => o.Attributes["version"] = "1.2.3");

        await h.RegisteredAsync();

        var attributes = h.Client.LastRegisterRequest!.Attributes;
        Assert.Equal("HEALTHY", attributes["AWS_INIT_HEALTH_STATUS"]);
        Assert.Equal("127.0.0.1", attributes["AWS_INSTANCE_IPV4"]);
        Assert.Equal("8080", attributes["AWS_INSTANCE_PORT"]);
        Assert.Equal("1.2.3", attributes["version"]);
        Assert.Equal(h.Service.OwnerToken, attributes[RegistrationAttributes.OwnerKey]);
        Assert.False(string.IsNullOrEmpty(h.Client.LastRegisterRequest.CreatorRequestId));
        Assert.Equal(CloudMapRegistrationPhase.Registered, h.State.Phase);
        Assert.Equal(CloudMapHealthStatus.Healthy, h.State.LastPushedStatus);
        Assert.Equal(h.Time.GetUtcNow(), h.State.RegisteredAt);
        Assert.Equal(["GetService", "RegisterInstance", "GetOperation"], h.Client.Calls);
    }

    [Theory]
    [InlineData(FakeCloudMapClient.NoHealthServiceId)]
    [InlineData(FakeCloudMapClient.Route53ServiceId)]
    public async Task RegisterAsync_ServiceWithoutCustomHealth_OmitsInitHealthStatus(string serviceId)
    {
        using var h = new ServiceHarness(o => o.ServiceId = serviceId);

        await h.RegisteredAsync();

        Assert.False(h.Client.LastRegisterRequest!.Attributes.ContainsKey("AWS_INIT_HEALTH_STATUS"));
        Assert.Null(h.State.LastPushedStatus);
    }

    [Fact]
    public async Task RegisterAsync_Ipv6Address_SendsIpv6Attribute()
    {
        using var h = new ServiceHarness(o => o.Address = "fd00::5");

        await h.RegisteredAsync();

        Assert.Equal("fd00::5", h.Client.LastRegisterRequest!.Attributes["AWS_INSTANCE_IPV6"]);
        Assert.False(h.Client.LastRegisterRequest.Attributes.ContainsKey("AWS_INSTANCE_IPV4"));
    }

    [Fact]
    public async Task RegisterAsync_PendingOperation_WaitsUntilSuccess()
    {
        using var h = new ServiceHarness();
        h.Client.PendingPolls = 2;
        await h.Service.ResolveTargetAsync(Ct);

        var registering = h.Service.RegisterAsync(CloudMapHealthStatus.Healthy, Ct);
        await h.DriveUntilAsync(registering, TimeSpan.FromSeconds(1));

        Assert.Equal(3, h.Client.CallCount("GetOperation"));
        Assert.Equal(CloudMapRegistrationPhase.Registered, h.State.Phase);
    }

    [Fact]
    public async Task RegisterAsync_FailuresAndUnreadOperation_RetriedWithBackoffUntilRegistered()
    {
        using var h = new ServiceHarness();
        await h.Service.ResolveTargetAsync(Ct);
        h.Client.FailNext("RegisterInstance", FakeCloudMapClient.Error(CloudMapErrorCodes.ThrottlingException), times: 2);
        h.Client.FailNext("GetOperation", FakeCloudMapClient.Error(CloudMapErrorCodes.InternalFailure));

        var registering = h.Service.RegisterAsync(CloudMapHealthStatus.Healthy, Ct);
        await h.Client.WaitForCallAsync("RegisterInstance").WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await h.Time.WaitForTimersAsync(1, Ct);
        Assert.Equal(CloudMapRegistrationPhase.Registering, h.State.Phase);
        Assert.Contains("ThrottlingException", h.State.LastError, StringComparison.Ordinal);
        await h.DriveUntilAsync(registering, Backoff.Max);

        // Two refused, one accepted; its operation's failed read is retried as a read, not as a fourth RegisterInstance.
        Assert.Equal(3, h.Client.CallCount("RegisterInstance"));
        Assert.Equal(2, h.Client.CallCount("GetOperation"));
        Assert.Equal(CloudMapRegistrationPhase.Registered, h.State.Phase);
        Assert.Null(h.State.LastError);
        Assert.Equal(3, h.Logs.CountEvents("RegistrationAttemptFailed"));
        Assert.Equal(1, h.Logs.CountEvents("ResumingRegistration"));
        Assert.Null(h.Service.Ledger.PendingOperationId);
    }

    [Fact]
    public async Task RegisterAsync_OperationReadThrottled_ReadsItAgainWithoutRegisteringAgain()
    {
        using var h = new ServiceHarness();
        await h.Service.ResolveTargetAsync(Ct);
        h.Client.FailNext("GetOperation", FakeCloudMapClient.Error(CloudMapErrorCodes.ThrottlingException), times: 3);

        var registering = h.Service.RegisterAsync(CloudMapHealthStatus.Healthy, Ct);
        await h.DriveUntilAsync(registering, Backoff.Max);

        Assert.Equal(["GetService", "RegisterInstance", "GetOperation", "GetOperation", "GetOperation", "GetOperation"], h.Client.Calls);
        Assert.Equal(CloudMapRegistrationPhase.Registered, h.State.Phase);
        Assert.Equal(3, h.Logs.CountEvents("ResumingRegistration"));
    }

    [Fact]
    public async Task RegisterAsync_UnreadOperationForgottenByCloudMap_RegistersAgain()
    {
        using var h = new ServiceHarness();
        await h.Service.ResolveTargetAsync(Ct);
        h.Client.FailNext("GetOperation", FakeCloudMapClient.Error(CloudMapErrorCodes.ThrottlingException));
        h.Client.FailNext("GetOperation", FakeCloudMapClient.Error(CloudMapErrorCodes.OperationNotFound));

        var registering = h.Service.RegisterAsync(CloudMapHealthStatus.Healthy, Ct);
        await h.DriveUntilAsync(registering, Backoff.Max);

        Assert.Equal(["GetService", "RegisterInstance", "GetOperation", "GetOperation", "RegisterInstance", "GetOperation"], h.Client.Calls);
        Assert.Equal(CloudMapRegistrationPhase.Registered, h.State.Phase);
    }

    [Fact]
    public async Task RegisterAsync_DuplicateRequestOfOwnRegistration_WaitsForItAndDoesNotRegisterAgain()
    {
        using var h = new ServiceHarness();
        await h.Service.ResolveTargetAsync(Ct);
        h.Client.AddOperation("op-earlier", CloudMapOperationStatus.Success);
        h.Client.PutInstance(FakeCloudMapClient.CustomServiceId, "i-test", new Dictionary<string, string> { [RegistrationAttributes.OwnerKey] = h.Service.OwnerToken });
        h.Client.FailNext("RegisterInstance", FakeCloudMapClient.Error(CloudMapErrorCodes.DuplicateRequest, "op-earlier"));

        await h.Service.RegisterAsync(CloudMapHealthStatus.Healthy, Ct);

        Assert.Equal(["GetService", "RegisterInstance", "GetOperation", "GetInstance"], h.Client.Calls);
        Assert.Equal(CloudMapRegistrationPhase.Registered, h.State.Phase);
    }

    [Fact]
    public async Task RegisterAsync_DuplicateRequestOfForeignRegistration_RegistersOverItAfterwards()
    {
        using var h = new ServiceHarness();
        await h.Service.ResolveTargetAsync(Ct);
        h.Client.AddOperation("op-other", CloudMapOperationStatus.Success);
        h.Client.PutInstance(FakeCloudMapClient.CustomServiceId, "i-test", new Dictionary<string, string> { [RegistrationAttributes.OwnerKey] = "someone-else" });
        h.Client.FailNext("RegisterInstance", FakeCloudMapClient.Error(CloudMapErrorCodes.DuplicateRequest, "op-other"));

        await h.Service.RegisterAsync(CloudMapHealthStatus.Healthy, Ct);

        Assert.Equal(2, h.Client.CallCount("RegisterInstance"));
        Assert.Equal(h.Service.OwnerToken, h.Client.GetStoredInstance(FakeCloudMapClient.CustomServiceId, "i-test")!.Attributes[RegistrationAttributes.OwnerKey]);
    }

    [Fact]
    [Trait(Guarantees.Trait, Guarantees.G2)]
    public async Task RegisterAsync_CancelledBeforeSending_SendsNothing()
    {
        using var h = new ServiceHarness();
        await h.Service.ResolveTargetAsync(Ct);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Service.RegisterAsync(CloudMapHealthStatus.Healthy, cancelled.Token));

        Assert.Equal(0, h.Client.CallCount("RegisterInstance"));
        Assert.False(h.Service.Ledger.MayHoldInstance);
    }
}
