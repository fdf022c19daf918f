// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CloudMap.Lifecycle.Scenarios.Benchmarks;

namespace CloudMap.Lifecycle.Scenarios.Scenarios;

/// <summary>Scenario 7: BenchmarkDotNet (in-process, short job) over one health cycle of each mode, and over the pacing step of one attempt.</summary>
internal sealed class OverheadScenario : IScenario
{
    public int Number => 7;

    public string Title => "In-process overhead per health cycle";

    public Task RunAsync(ScenarioContext context, ScenarioResult result, CancellationToken cancellationToken)
    {
        result.Method = """
            BenchmarkDotNet 0.14.0, in-process emit toolchain, short job (1 launch, 3 warm-up and 10 measured iterations), MemoryDiagnoser. *Library*: `RunHealthCycleAsync` of the library's registration service in steady state (registered, healthy, status already pushed): it runs the app's health checks (one trivial check here), applies the thresholds and sends nothing. *Baseline*: the hand-rolled heartbeat's cycle, one `UpdateInstanceCustomHealthStatus` through the same client over loopback to the in-process emulator (so its figures include the emulator's server-side work in the same process). For reference, the health checks alone (`HealthCheckService.CheckHealthAsync`) are reported in the notes. Time per cycle on one core is a proxy for CPU per cycle; spreads are over BDN's measured iterations. At the default 10 s interval a cycle runs 360 times an hour. *Pacing step* (issue 15, `PacingBenchmarks`, same job): the library's pacing step (`CloudMapPacingStrategy`) alone in a Polly pipeline around an attempt that completes at once, per attempt: *Library* = adaptive retry mode (the default: rate limiter + retry quota), before any throttle and, in its own row, after a throttle with the CUBIC token bucket engaged (on a clock that keeps the bucket full, so it measures the bookkeeping, never a wait); *Baseline* = Standard retry mode (retry quota only, no limiter). The same pipeline without the step (the raw call through Polly) is in the notes.
            """;
        var config = Config();

        // One BenchmarkDotNet run per class; its measured iterations are the samples.
        result.Repetitions = 1;
        context.Log("  running BenchmarkDotNet (in-process, short job): health cycle");
        var summary = Run<HealthCycleBenchmarks>(context, result, config);
        foreach (var report in summary.Reports)
        {
            var method = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            if (!report.Success || report.ResultStatistics is null)
            {
                var mode = method == nameof(HealthCycleBenchmarks.BaselineHeartbeat) ? RegistrationMode.Baseline : RegistrationMode.Library;
                result.Fail(mode, $"BenchmarkDotNet could not measure {method}");
                continue;
            }

            var allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
            if (method == nameof(HealthCycleBenchmarks.HealthChecksAlone))
            {
                result.AddNote(Format.Invariant($"Health checks alone (`HealthCheckService.CheckHealthAsync`, one trivial check): median {Format.Number(report.ResultStatistics.Median / 1000)} µs, {allocated} B allocated per call; the library's cycle runs the same check, selected by its health predicate."));
                continue;
            }

            var target = method == nameof(HealthCycleBenchmarks.LibraryHealthCycle) ? RegistrationMode.Library : RegistrationMode.Baseline;
            AddSamples(result.Metric("time", "Time per health cycle", "µs"), target, report);
            if (allocated is { } bytes)
            {
                result.Metric("allocated", "Allocated per health cycle", "B").Add(target, bytes);
                result.Metric("allocated-hour", "Allocated per instance-hour (360 cycles)", "KB").Add(target, bytes * 360 / 1024d);
            }
        }

        context.Log("  running BenchmarkDotNet (in-process, short job): pacing step");
        ReportPacing(result, Run<PacingBenchmarks>(context, result, config));
        return Task.CompletedTask;
    }

    /// <summary>The pacing rows: adaptive (before and after a throttle) against Standard mode; the step-less pipeline as a note.</summary>
    private static void ReportPacing(ScenarioResult result, BenchmarkDotNet.Reports.Summary summary)
    {
        var reports = summary.Reports.ToDictionary(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name, StringComparer.Ordinal);
        BenchmarkDotNet.Reports.BenchmarkReport? Measured(string method) =>
            reports.TryGetValue(method, out var report) && report.Success && report.ResultStatistics is not null ? report : null;
        var standard = Measured(nameof(PacingBenchmarks.StandardStep));
        var rows = new (string Key, string Name, string Method)[]
        {
            ("pacing-step", "Pacing step per attempt, before any throttle (library: adaptive mode; baseline: Standard mode)", nameof(PacingBenchmarks.AdaptiveStep)),
            ("pacing-step-paced", "Pacing step per attempt, after a throttle (library: CUBIC bucket engaged; baseline: Standard mode)", nameof(PacingBenchmarks.AdaptivePacedStep)),
        };
        foreach (var (key, name, method) in rows)
        {
            var metric = result.Metric(key, name, "µs");
            if (Measured(method) is { } library)
            {
                AddSamples(metric, RegistrationMode.Library, library);
                if (library.GcStats.GetBytesAllocatedPerOperation(library.BenchmarkCase) is { } bytes)
                {
                    result.Metric(key + "-allocated", "… allocated per attempt", "B").Add(RegistrationMode.Library, bytes);
                }
            }
            else
            {
                metric.Note(RegistrationMode.Library, $"BenchmarkDotNet could not measure {method}");
            }

            if (standard is not null)
            {
                AddSamples(metric, RegistrationMode.Baseline, standard);
                if (standard.GcStats.GetBytesAllocatedPerOperation(standard.BenchmarkCase) is { } bytes)
                {
                    result.Metric(key + "-allocated", "… allocated per attempt", "B").Add(RegistrationMode.Baseline, bytes);
                }
            }
            else
            {
                metric.Note(RegistrationMode.Baseline, $"BenchmarkDotNet could not measure {nameof(PacingBenchmarks.StandardStep)}");
            }
        }

        if (Measured(nameof(PacingBenchmarks.NoStep)) is { } raw)
        {
            result.AddNote(Format.Invariant($"Pacing: the same Polly pipeline without the pacing step (the raw call around an attempt that completes at once): median {Format.Number(raw.ResultStatistics!.Median / 1000)} µs, {raw.GcStats.GetBytesAllocatedPerOperation(raw.BenchmarkCase)} B allocated per call (Polly's own per-call work; differences of a microsecond between these rows are within the noise of a loaded machine)."));
        }
    }

    /// <summary>Per-operation time of each measured iteration, in µs.</summary>
    private static void AddSamples(Metric metric, RegistrationMode mode, BenchmarkDotNet.Reports.BenchmarkReport report)
    {
        foreach (var measurement in report.AllMeasurements.Where(m => m.IterationMode == IterationMode.Workload && m.IterationStage == IterationStage.Result))
        {
            metric.Add(mode, measurement.Nanoseconds / measurement.Operations / 1000);
        }
    }

    private static BenchmarkDotNet.Reports.Summary Run<T>(ScenarioContext context, ScenarioResult result, ManualConfig config)
    {
        var summary = BenchmarkRunner.Run<T>(config);
        foreach (var error in summary.ValidationErrors.Where(e => e.IsCritical))
        {
            context.Log("  BenchmarkDotNet: " + error.Message);
            result.AddNote("BenchmarkDotNet validation: " + error.Message);
        }

        return summary;
    }

    private static ManualConfig Config()
    {
        var job = Job.ShortRun
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(10);
        return ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(Environment.GetEnvironmentVariable("SCENARIOS_DEBUG") == "1" ? ConsoleLogger.Default : NullLogger.Instance)
            .AddColumnProvider(DefaultConfig.Instance.GetColumnProviders().ToArray())
            .AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "cloudmap-scenarios-bdn"))
            .WithOptions(ConfigOptions.DisableLogFile);
    }
}
