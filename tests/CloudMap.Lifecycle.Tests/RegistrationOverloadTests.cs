// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing;
using CloudMap.Lifecycle.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.Tests;

/// <summary>The overloads of <c>AddCloudMapRegistration</c> configure the registration they name, through the one core overload.</summary>
public sealed class RegistrationOverloadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void AddCloudMapRegistration_NameAndDelegate_ConfiguresThatRegistrationOnly()
    {
        var builder = TestHost.CreateBuilder(TestHost.Config(), new FakeCloudMapClient(), new TimerCountingFakeTimeProvider());
        builder.AddCloudMapRegistration();

        var returned = builder.Services.AddCloudMapRegistration("grpc", o => (o.ServiceId, o.Port) = (FakeCloudMapClient.NoHealthServiceId, 5001));
        using var host = builder.Build();

        Assert.Same(builder.Services, returned);
        var options = host.Services.GetRequiredService<IOptionsMonitor<CloudMapRegistrationOptions>>();
        Assert.Equal(5001, options.Get("grpc").Port);
        Assert.Equal(FakeCloudMapClient.NoHealthServiceId, options.Get("grpc").ServiceId);
        Assert.Null(options.Get(Options.DefaultName).Port);
        Assert.Equal([string.Empty, "grpc"], host.Services.GetRequiredService<ICloudMapRegistrationStateProvider>().Names);
    }

    [Fact]
    public async Task AddCloudMapRegistration_NameAndDelegateInvalid_StartupNamesTheRegistrationsKey()
    {
        var client = new FakeCloudMapClient();
        var builder = TestHost.CreateBuilder(TestHost.Config(), client, new TimerCountingFakeTimeProvider());
        builder.Services.AddCloudMapRegistration("grpc", o => (o.ServiceId, o.Port) = (FakeCloudMapClient.NoHealthServiceId, 99999));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("CloudMap:grpc:Port is 99999", error.Message, StringComparison.Ordinal);
        Assert.Empty(client.Calls);
    }

    [Fact]
    public void AddCloudMapRegistration_BuilderNameAndDelegate_BindsTheNamedSectionThenApplies()
    {
        var builder = TestHost.CreateBuilder(
            TestHost.Config(("CloudMap:grpc:ServiceId", FakeCloudMapClient.NoHealthServiceId), ("CloudMap:grpc:Port", "7000")),
            new FakeCloudMapClient(),
            new TimerCountingFakeTimeProvider());

        var returned = builder.AddCloudMapRegistration("grpc", o => o.Attributes["extra"] = "1");
        using var host = builder.Build();

        Assert.Same(builder, returned);
        var grpc = host.Services.GetRequiredService<IOptionsMonitor<CloudMapRegistrationOptions>>().Get("grpc");
        Assert.Equal(7000, grpc.Port);
        Assert.Equal(FakeCloudMapClient.NoHealthServiceId, grpc.ServiceId);
        Assert.Equal("1", grpc.Attributes["extra"]);
    }

    [Fact]
    public void AddCloudMapRegistration_BuilderNullDelegate_SameAsNoDelegate()
    {
        var builder = TestHost.CreateBuilder(TestHost.Config(("CloudMap:Port", "7000")), new FakeCloudMapClient(), new TimerCountingFakeTimeProvider());

        builder.AddCloudMapRegistration(configure: null);
        using var host = builder.Build();

        Assert.Equal(7000, host.Services.GetRequiredService<IOptionsMonitor<CloudMapRegistrationOptions>>().Get(Options.DefaultName).Port);
        Assert.Equal([string.Empty], host.Services.GetRequiredService<ICloudMapRegistrationStateProvider>().Names);
    }
}
