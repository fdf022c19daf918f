// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CloudMap.Lifecycle.Scenarios.Benchmarks;

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>Scenario 7: BenchmarkDotNet (in-process, short job) over one health cycle of each mode.</summary>
internal sealed class OverheadScenario : IScenario
{
    public int Number => 7;

    public string Title => "In-process overhead per health cycle";

    public Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        result.Method = """
            BenchmarkDotNet 0.14.0, in-process emit toolchain, short job (1 launch, 3 warm-up and 10 measured iterations), MemoryDiagnoser. *Library*: `RunHealthCycleAsync` of the library's registration service in steady state (registered, healthy, status already pushed): it runs the app's health checks (one trivial check here), applies the thresholds and sends nothing. *Baseline*: the hand-rolled heartbeat's cycle, one `UpdateInstanceCustomHealthStatus` through the same client over loopback to the in-process emulator (so its figures include the emulator's server-side work in the same process). For reference, the health checks alone (`HealthCheckService.CheckHealthAsync`) are reported in the notes. Time per cycle on one core is a proxy for CPU per cycle; spreads are over BDN's measured iterations. At the default 10 s interval a cycle runs 360 times an hour.
            """;
        var job = Job.ShortRun
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(10);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(Environment.GetEnvironmentVariable("SCENARIOS_DEBUG") == "1" ? ConsoleLogger.Default : NullLogger.Instance)
            .AddColumnProvider(DefaultConfig.Instance.GetColumnProviders().ToArray())
            .AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "cloudmap-scenarios-bdn"))
            .WithOptions(ConfigOptions.DisableLogFile);
        // One BenchmarkDotNet run; its measured iterations are the samples.
        result.Repetitions = 1;
        context.Log("  running BenchmarkDotNet (in-process, short job)");
        var summary = BenchmarkRunner.Run<HealthCycleBenchmarks>(config);
        foreach (var error in summary.ValidationErrors.Where(e => e.IsCritical))
        {
            context.Log("  BenchmarkDotNet: " + error.Message);
            result.AddNote("BenchmarkDotNet validation: " + error.Message);
        }
        foreach (var report in summary.Reports)
        {
            var method = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            if (!report.Success || report.ResultStatistics is null)
            {
                var mode = method == nameof(HealthCycleBenchmarks.BaselineHeartbeat) ? RegistrationMode.Baseline : RegistrationMode.Library;
                result.Fail(mode, $"BenchmarkDotNet could not measure {method}");
                continue;
            }

            var perOp = report.AllMeasurements
                .Where(m => m.IterationMode == IterationMode.Workload && m.IterationStage == IterationStage.Result)
                .Select(m => m.Nanoseconds / m.Operations / 1000)
                .ToList();
            var allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
            if (method == nameof(HealthCycleBenchmarks.HealthChecksAlone))
            {
                result.AddNote(Format.Invariant($"Health checks alone (`HealthCheckService.CheckHealthAsync`, one trivial check): median {Format.Number(report.ResultStatistics.Median / 1000)} µs, {allocated} B allocated per call; the library's cycle runs the same check, selected by its health predicate."));
                continue;
            }

            var target = method == nameof(HealthCycleBenchmarks.LibraryHealthCycle) ? RegistrationMode.Library : RegistrationMode.Baseline;
            var time = result.Metric("time", "Time per health cycle", "µs");
            foreach (var value in perOp)
            {
                time.Add(target, value);
            }

            if (allocated is { } bytes)
            {
                result.Metric("allocated", "Allocated per health cycle", "B").Add(target, bytes);
                result.Metric("allocated-hour", "Allocated per instance-hour (360 cycles)", "KB").Add(target, bytes * 360 / 1024d);
            }
        }

        return Task.CompletedTask;
    }
}
