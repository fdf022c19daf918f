// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Scenarios.InProcess;
using CloudMap.Lifecycle.Scenarios.Infrastructure;
using CloudMap.Lifecycle.Scenarios.Reporting;
using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>Scenario 4: API calls per instance-hour when nothing changes, on a fake clock shared by hosts and emulator.</summary>
internal sealed class SteadyStateCostScenario : IScenario
{
    private const int Hosts = 3;
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public int Number => 4;

    public string Title => "Steady-state cost";

    public async Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        result.Method = Format.Invariant($"""
            Accelerated on a fake clock, in-process: {Hosts} real generic hosts per mode, each with its own in-process emulator on the same `FakeTimeProvider` as the host; once the host is registered its emulator's counters are reset and the clock is advanced one hour in {Step.TotalSeconds} s steps (a few ms of real time per step so every due timer's work, HTTP included, completes). Every Cloud Map call a host makes in that hour is counted by its emulator (n = hosts; the fake clock makes repetitions identical, so there are none). Library defaults: health checks every 10 s, status pushed only on change and re-asserted every 15 min. Baseline: HEALTHY pushed every 10 s. The client's per-attempt timeout is raised to 10 min for this scenario only, so that fake time passing during a real HTTP round trip cannot time an attempt out and add a retry.
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
        var time = new FakeTimeProvider();
        await using var lane = await EmulatorLane.StartAsync(TimeSpan.FromSeconds(30), seed: 400 + rep, cancellationToken, time).ConfigureAwait(false);
        var hosts = Enumerable.Range(0, 1)
            .Select(i => ScenarioHost.Build(
                mode,
                lane.Emulator.Endpoint,
                new HostSettings(Format.Invariant($"steady-{i}"), 21000 + i, null, EmulatorLane.NamespaceName, EmulatorLane.ServiceName),
                ready: () => true,
                timeProvider: time,
                client: o => o.AttemptTimeout = TimeSpan.FromMinutes(10)))
            .ToList();
        try
        {
            var starting = hosts.Select(h => h.Host.StartAsync(cancellationToken)).ToArray();
            if (!await DriveAsync(time, () => starting.All(s => s.IsCompleted) && hosts.All(h => h.IsRegistered), TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false))
            {
                result.Fail(mode, "the hosts did not all register within 5 fake minutes");
                return;
            }

            lane.Emulator.ResetCounters();
            var elapsed = TimeSpan.Zero;
            while (elapsed < Hour)
            {
                time.Advance(Step);
                elapsed += Step;
                await Task.Delay(2, cancellationToken).ConfigureAwait(false);
            }

            // Let the work of the last tick finish before counting.
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            var total = lane.Emulator.TotalCallCount;
            result.Metric("calls-per-instance-hour", "API calls per instance-hour", string.Empty).Add(mode, total);
            var updates = lane.Emulator.GetCallCount("UpdateInstanceCustomHealthStatus");
            result.AddNote(Format.Invariant($"{mode}, host {rep + 1}: {total} calls in the hour, of which UpdateInstanceCustomHealthStatus {updates}, GetInstance {lane.Emulator.GetCallCount("GetInstance")}, RegisterInstance {lane.Emulator.GetCallCount("RegisterInstance")}, GetOperation {lane.Emulator.GetCallCount("GetOperation")}."));
        }
        finally
        {
            var stopping = hosts.Select(h => h.Host.StopAsync(CancellationToken.None)).ToArray();
            await DriveAsync(time, () => stopping.All(s => s.IsCompleted), TimeSpan.FromMinutes(2), CancellationToken.None).ConfigureAwait(false);
            foreach (var host in hosts)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Advances the fake clock in small steps until <paramref name="done"/> holds or <paramref name="limit"/> of fake time passed.</summary>
    private static async Task<bool> DriveAsync(FakeTimeProvider time, Func<bool> done, TimeSpan limit, CancellationToken cancellationToken)
    {
        var elapsed = TimeSpan.Zero;
        while (!done())
        {
            if (elapsed >= limit)
            {
                return false;
            }

            time.Advance(TimeSpan.FromMilliseconds(250));
            elapsed += TimeSpan.FromMilliseconds(250);
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }
}
