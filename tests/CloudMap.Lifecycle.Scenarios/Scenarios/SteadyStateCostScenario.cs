// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Sample.Baseline;
using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>Scenario 4: API calls per instance-hour when nothing changes, on a fake clock shared by hosts and emulator.</summary>
/// <remarks>
/// The clock moves only while the code under test is idle, so the figures are exact and the same on every run: the
/// library's health loop waits with one-shot timers, so "idle" is "its timer is armed again"
/// (<see cref="FakeClockDriver"/>); the baseline's heartbeat is a <see cref="PeriodicTimer"/>, which stays armed while
/// its call runs, so the clock moves one heartbeat interval at a time, each time after the previous heartbeat's log.
/// </remarks>
internal sealed class SteadyStateCostScenario : IScenario
{
    private const int Hosts = 3;
    private static readonly TimeSpan LibraryStep = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StartStep = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public int Number => 4;

    public string Title => "Steady-state cost";

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        result.Method = Format.Invariant($"""
            Accelerated on a fake clock, in-process: {Hosts} real generic hosts per mode, each with its own in-process emulator on the same `TimerCountingFakeTimeProvider` as the host (operations complete at once); once the host is registered its emulator's counters are reset and the clock is advanced one hour, only ever while the host is idle: the library in {LibraryStep.TotalSeconds} s steps, each once its health loop has armed its next timer again; the baseline one heartbeat interval ({BaselineRegistrationService.HeartbeatInterval.TotalSeconds} s) at a time, each once the previous heartbeat was logged. No real time passes between steps, so the counts are exact. Every Cloud Map call a host makes in that hour is counted by its emulator (n = hosts; the fake clock makes repetitions identical, so there are none). Library defaults: health checks every 10 s, status pushed only on change and re-asserted every 15 min. Baseline: HEALTHY pushed every 10 s. The clients' per-attempt timeout is off for this scenario only: fake time never passes during a call, and an armed attempt timer would look like a waiting host.
            """);
        // Deterministic on a fake clock, so no repetitions: instead, each host has its own emulator and clock, so the
        // calls are counted per host (n = hosts).
        result.Repetitions = 1;
        foreach (var mode in Enum.GetValues<RegistrationMode>())
        {
            await Task.WhenAll(Enumerable.Range(0, Hosts).Select(i => RunHostAsync(result, mode, i, cancellationToken))).ConfigureAwait(false);
        }
    }

    private static async Task RunHostAsync(ScenarioResult result, RegistrationMode mode, int rep, CancellationToken cancellationToken)
    {
        var time = new TimerCountingFakeTimeProvider();
        var logs = new AwaitableFakeLogs();
        await using var lane = await EmulatorLane.StartAsync(TimeSpan.FromSeconds(30), seed: 400 + rep, cancellationToken, time, operationDuration: TimeSpan.Zero).ConfigureAwait(false);
        await using var host = ScenarioHost.Build(
            mode,
            lane.Emulator.Endpoint,
            new HostSettings("steady-0", 21000, null, EmulatorLane.NamespaceName, EmulatorLane.ServiceName),
            ready: () => true,
            timeProvider: time,
            logs: logs,
            client: o => o.AttemptTimeout = Timeout.InfiniteTimeSpan,
            minimumLogLevel: LogLevel.Debug);
        var started = false;
        try
        {
            await StartAsync(host, time, logs, cancellationToken).ConfigureAwait(false);
            started = true;
            lane.Emulator.ResetCounters();
            if (mode == RegistrationMode.Library)
            {
                await time.AdvanceThroughAsync(Hour, LibraryStep, _ => time.WaitUntilParkedAsync(1, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Step k ends exactly on the k-th tick of the heartbeat armed at start: wait for heartbeat k before moving on.
                await time.AdvanceThroughAsync(
                    Hour,
                    BaselineRegistrationService.HeartbeatInterval,
                    steps => steps == 0 ? Task.CompletedTask : logs.WaitForAsync(r => r.Id.Name is "BaselineHeartbeat" or "BaselineHeartbeatFailed", steps, "baseline heartbeat", cancellationToken: cancellationToken),
                    cancellationToken).ConfigureAwait(false);
            }

            var total = lane.Emulator.TotalCallCount;
            result.Metric("calls-per-instance-hour", "API calls per instance-hour", string.Empty).Add(mode, total);
            var dataPlane = lane.Emulator.GetCallCount("DiscoverInstances") + lane.Emulator.GetCallCount("DiscoverInstancesRevision");
            result.Metric("control-plane-per-instance-hour", "… control plane (under the account's API limit)", string.Empty).Add(mode, total - dataPlane);
            result.Metric("data-plane-per-instance-hour", "… data plane (DiscoverInstances, DiscoverInstancesRevision: the ownership watch)", string.Empty).Add(mode, dataPlane);
            var updates = lane.Emulator.GetCallCount("UpdateInstanceCustomHealthStatus");
            result.AddNote(Format.Invariant($"{mode}, host {rep + 1}: {total} calls in the hour, of which UpdateInstanceCustomHealthStatus {updates}, GetInstance {lane.Emulator.GetCallCount("GetInstance")}, RegisterInstance {lane.Emulator.GetCallCount("RegisterInstance")}, GetOperation {lane.Emulator.GetCallCount("GetOperation")}, DiscoverInstancesRevision {lane.Emulator.GetCallCount("DiscoverInstancesRevision")}, DiscoverInstances {lane.Emulator.GetCallCount("DiscoverInstances")}, ListInstances {lane.Emulator.GetCallCount("ListInstances")}, ListNamespaces {lane.Emulator.GetCallCount("ListNamespaces")}."));
        }
        catch (TimeoutException ex)
        {
            result.Fail(mode, $"host {rep + 1}: {ex.Message.Split('\n')[0]}");
        }
        finally
        {
            if (started)
            {
                await StopAsync(host, time, logs).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Starts the host and moves the clock through readiness and registration until the host is idle, registered.</summary>
    private static async Task StartAsync(ScenarioHost host, TimerCountingFakeTimeProvider time, AwaitableFakeLogs logs, CancellationToken cancellationToken)
    {
        if (host.Mode == RegistrationMode.Baseline)
        {
            // The baseline registers inside StartAsync and waits for no timer; its heartbeat is armed when it returns.
            await host.Host.StartAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        await host.Host.StartAsync(cancellationToken).ConfigureAwait(false);
        await time.AdvanceUntilAsync(logs.WaitForEventAsync("Registered", cancellationToken: cancellationToken), StartStep, cancellationToken: cancellationToken).ConfigureAwait(false);

        // Registered: the next timer armed is the health loop's.
        await time.WaitUntilParkedAsync(1, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the host; the library deregisters (operations complete at once) and then drains on the fake clock.</summary>
    private static async Task StopAsync(ScenarioHost host, TimerCountingFakeTimeProvider time, AwaitableFakeLogs logs)
    {
        var stopping = host.Host.StopAsync(CancellationToken.None);
        if (host.Mode == RegistrationMode.Library)
        {
            await Task.WhenAny(stopping, logs.WaitForEventAsync("Draining")).ConfigureAwait(false);
            if (!stopping.IsCompleted)
            {
                await time.StepAsync(CloudMapShutdownOptions.DefaultDrainDelay).ConfigureAwait(false);
            }
        }

        await stopping.WaitAsync(FakeClockDriver.DefaultGuard).ConfigureAwait(false);
    }
}
