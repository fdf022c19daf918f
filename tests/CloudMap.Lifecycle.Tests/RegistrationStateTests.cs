// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using CloudMap.Lifecycle.Internal;

namespace CloudMap.Lifecycle.Tests;

/// <summary>The registration state gives consistent snapshots: values that change together are read together.</summary>
public sealed class RegistrationStateTests
{
    [Fact]
    public void GetSnapshot_AfterUpdate_HasEveryChangedValue()
    {
        var state = new CloudMapRegistrationState("grpc");
        var registeredAt = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

        state.Update(s => s with
        {
            Phase = CloudMapRegistrationPhase.Registered,
            InstanceId = "i-1",
            ServiceId = "srv-1",
            Address = "10.0.0.1",
            Port = 8080,
            LastPushedStatus = CloudMapHealthStatus.Healthy,
            ObservedStatus = CloudMapHealthStatus.Healthy,
            RegisteredAt = registeredAt,
        });

        var expected = new CloudMapRegistrationSnapshot
        {
            Phase = CloudMapRegistrationPhase.Registered,
            InstanceId = "i-1",
            ServiceId = "srv-1",
            Address = "10.0.0.1",
            Port = 8080,
            LastPushedStatus = CloudMapHealthStatus.Healthy,
            ObservedStatus = CloudMapHealthStatus.Healthy,
            RegisteredAt = registeredAt,
        };
        Assert.Equal(expected, state.GetSnapshot());
        Assert.Equal("grpc", state.Name);
    }

    [Fact]
    public void GetSnapshot_StateChangesLater_SnapshotKeepsItsValues()
    {
        var state = new CloudMapRegistrationState(string.Empty) { Phase = CloudMapRegistrationPhase.Registering };
        var before = state.GetSnapshot();

        state.Update(s => s with { Phase = CloudMapRegistrationPhase.Failed, LastError = "boom" });

        Assert.Equal(CloudMapRegistrationPhase.Registering, before.Phase);
        Assert.Null(before.LastError);
        Assert.Equal(CloudMapRegistrationPhase.Failed, state.GetSnapshot().Phase);
        Assert.Equal("boom", state.GetSnapshot().LastError);
    }

    [Fact]
    public void PropertySetter_ChangesOneValue_KeepsTheOthers()
    {
        var state = new CloudMapRegistrationState(string.Empty) { InstanceId = "i-1", LastError = "boom" };

        state.Phase = CloudMapRegistrationPhase.Failed;

        Assert.Equal(CloudMapRegistrationPhase.Failed, state.Phase);
        Assert.Equal("i-1", state.InstanceId);
        Assert.Equal("boom", state.LastError);
        Assert.Equal(new CloudMapRegistrationSnapshot { Phase = CloudMapRegistrationPhase.Failed, InstanceId = "i-1", LastError = "boom" }, state.GetSnapshot());
    }

    [Fact]
    public async Task GetSnapshot_WhileAWriterFlipsPhaseAndErrorTogether_NeverSeesAMix()
    {
        // The writer keeps "Failed ⇔ an error" true at every update; a reader of two separate properties could see
        // Failed with no error (or Registered with one), a snapshot never may. The counts are fixed, not timed.
        const int Updates = 200_000;
        var state = new CloudMapRegistrationState(string.Empty) { Phase = CloudMapRegistrationPhase.Registered };
        var ct = TestContext.Current.CancellationToken;
        using var done = new CancellationTokenSource();

        var writer = Task.Run(
            () =>
            {
                for (var i = 0; i < Updates; i++)
                {
                    var message = "error " + i;
                    state.Update(s => s with { Phase = CloudMapRegistrationPhase.Failed, LastError = message });
                    state.Update(s => s with { Phase = CloudMapRegistrationPhase.Registered, LastError = null });
                }

                done.Cancel();
            },
            ct);
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(
            () =>
            {
                var reads = 0;
                var mixed = 0;
                while (!done.IsCancellationRequested || reads == 0)
                {
                    var snapshot = state.GetSnapshot();
                    if ((snapshot.Phase == CloudMapRegistrationPhase.Failed) != (snapshot.LastError is not null))
                    {
                        mixed++;
                    }

                    reads++;
                }

                return mixed;
            },
            ct)).ToArray();

        await writer;
        var mixedReads = await Task.WhenAll(readers);

        Assert.All(mixedReads, mixed => Assert.Equal(0, mixed));
        Assert.Equal(new CloudMapRegistrationSnapshot { Phase = CloudMapRegistrationPhase.Registered }, state.GetSnapshot());
    }

    [Fact]
    public void Update_ReturnedSnapshot_IsPublishedWhole()
    {
        var state = new CloudMapRegistrationState(string.Empty);
        var next = new CloudMapRegistrationSnapshot { Phase = CloudMapRegistrationPhase.Failed, LastError = "boom" };

        state.Update(_ => next);

        Assert.Same(next, state.GetSnapshot());
    }

    [Fact]
    public async Task Update_TwoWritersChangeDifferentValues_NeitherChangeIsLost()
    {
        const int Updates = 50_000;
        var state = new CloudMapRegistrationState(string.Empty) { Port = 0, LastError = "0" };
        var ct = TestContext.Current.CancellationToken;

        var ports = Task.Run(
            () =>
            {
                for (var i = 0; i < Updates; i++)
                {
                    state.Update(s => s with { Port = s.Port + 1 });
                }
            },
            ct);
        var errors = Task.Run(
            () =>
            {
                for (var i = 0; i < Updates; i++)
                {
                    state.Update(s => s with { LastError = (int.Parse(s.LastError!, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture) });
                }
            },
            ct);
        await Task.WhenAll(ports, errors);

        Assert.Equal(Updates, state.Port);
        Assert.Equal(Updates.ToString(CultureInfo.InvariantCulture), state.LastError);
    }

    [Fact]
    public void Update_NullChange_Throws()
    {
        var state = new CloudMapRegistrationState(string.Empty);

        var error = Assert.Throws<ArgumentNullException>(() => state.Update(null!));

        Assert.Equal("change", error.ParamName);
    }

    [Fact]
    public void GetState_KnownName_ReturnsThatRegistrationsState()
    {
        ICloudMapRegistrationStateProvider provider = new CloudMapRegistrationStateProvider(
            [new CloudMapRegistrationMarker(string.Empty, "CloudMap"), new CloudMapRegistrationMarker("grpc", "CloudMap:grpc")]);

        var state = provider.GetState("grpc");

        Assert.Equal("grpc", state.Name);
        Assert.Equal(CloudMapRegistrationPhase.NotStarted, state.GetSnapshot().Phase);
        Assert.Equal([string.Empty, "grpc"], provider.Names);
    }

    [Fact]
    public void GetState_UnknownName_ThrowsKeyNotFoundNamingIt()
    {
        ICloudMapRegistrationStateProvider provider = new CloudMapRegistrationStateProvider([new CloudMapRegistrationMarker(string.Empty, null)]);

        var error = Assert.Throws<KeyNotFoundException>(() => provider.GetState("grpc"));

        Assert.Contains("'grpc'", error.Message, StringComparison.Ordinal);
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => provider.GetState(null!)).ParamName);
    }
}
