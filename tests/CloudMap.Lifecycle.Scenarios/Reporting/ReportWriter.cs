// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Runtime.InteropServices;
using System.Text;

namespace CloudMap.Lifecycle.Scenarios.Reporting;

/// <summary>Writes report.md and one SVG per scenario.</summary>
internal static class ReportWriter
{
    public static string Write(RunReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var scenario in report.Scenarios)
        {
            File.WriteAllText(Path.Combine(directory, ChartFile(scenario)), SvgChart.Render(scenario));
        }

        var path = Path.Combine(directory, "report.md");
        File.WriteAllText(path, Markdown(report));
        return path;
    }

    public static string ChartFile(ScenarioResult scenario) => Format.Invariant($"scenario-{scenario.Number}.svg");

    public static string Markdown(RunReport report)
    {
        var md = new StringBuilder();
        md.AppendLine("# CloudMap.Lifecycle — scenarios and benchmarks");
        md.AppendLine();
        md.AppendLine(Format.Invariant($"Generated {report.StartedAt:yyyy-MM-dd HH:mm} UTC by `{report.Command}` in {report.Elapsed.TotalSeconds:F0} s ({report.Scope}, repeat {report.Repeat})."));
        md.AppendLine();
        md.AppendLine(Format.Invariant($"Machine: {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription.Trim()} {RuntimeInformation.OSArchitecture}, {RuntimeInformation.FrameworkDescription}. Cores are shared with other work: absolute timings are indicative, the comparison between modes is the point."));
        md.AppendLine();
        md.AppendLine("Emulator: scenarios 1–3 and 8 run real sample processes against the standalone emulator process (`src/CloudMap.Lifecycle.Emulator`, one per mode and run, seeded with namespace `demo.local` and service `sample` with custom health; Cloud Map's 30 s health-change delay unless stated; operations 250 ms SUBMITTED + 750 ms PENDING); scenarios 4–7 run real generic hosts in-process against the in-process emulator (`CloudMapEmulator`), which is the same server code. Faults, throttling limits and clocks are stated per scenario. All traffic stays on loopback.");
        md.AppendLine();
        md.AppendLine("Every figure is a median with its spread over all samples (`median [p5 – p95] (min, max, n)`, percentiles by linear interpolation); `n` counts samples (instances × repetitions, or runs). *library* = the sample app with CloudMap.Lifecycle; *baseline* = the same app with the usual hand-rolled integration (RegisterInstance at startup before ready with the default initial health, a timer pushing HEALTHY every 10 s regardless, DeregisterInstance in ApplicationStopped, no drain). A scenario or mode that could not run says **failed** with the reason; nothing unmeasured is written as a number.");
        md.AppendLine();
        md.AppendLine("## Summary");
        md.AppendLine();
        md.AppendLine("| # | Metric | Library goal | Library | Baseline |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var scenario in report.Scenarios)
        {
            if (scenario.Metrics.Count == 0)
            {
                md.AppendLine(Format.Invariant($"| {scenario.Number} | {scenario.Title} | | {Cell(scenario, null, RegistrationMode.Library, brief: true)} | {Cell(scenario, null, RegistrationMode.Baseline, brief: true)} |"));
            }

            foreach (var metric in scenario.Metrics)
            {
                md.AppendLine(Format.Invariant($"| {scenario.Number} | {metric.Name}{UnitSuffix(metric)} | {metric.Goal ?? string.Empty} | {Cell(scenario, metric, RegistrationMode.Library, brief: true)} | {Cell(scenario, metric, RegistrationMode.Baseline, brief: true)} |"));
            }
        }

        md.AppendLine();
        md.AppendLine("(Summary cells: median [min – max]. Details, spreads and how each figure was obtained below.)");
        foreach (var scenario in report.Scenarios)
        {
            md.AppendLine();
            md.AppendLine(Format.Invariant($"## Scenario {scenario.Number}: {scenario.Title}"));
            md.AppendLine();
            md.AppendLine(scenario.Method);
            md.AppendLine();
            md.AppendLine(Format.Invariant($"Repetitions: {scenario.Repetitions}; wall time {scenario.Elapsed.TotalSeconds:F0} s."));
            md.AppendLine();
            foreach (var (mode, reason) in scenario.Failures.OrderBy(f => f.Key))
            {
                md.AppendLine(Format.Invariant($"**{mode} failed:** {reason}"));
                md.AppendLine();
            }

            if (scenario.Metrics.Count > 0)
            {
                md.AppendLine("| Metric | Library goal | Library | Baseline |");
                md.AppendLine("|---|---|---|---|");
                foreach (var metric in scenario.Metrics)
                {
                    md.AppendLine(Format.Invariant($"| {metric.Name}{UnitSuffix(metric)} | {metric.Goal ?? string.Empty} | {Cell(scenario, metric, RegistrationMode.Library, brief: false)} | {Cell(scenario, metric, RegistrationMode.Baseline, brief: false)} |"));
                }

                md.AppendLine();
                md.AppendLine(Format.Invariant($"![Scenario {scenario.Number}]({ChartFile(scenario)})"));
                md.AppendLine();
            }

            foreach (var note in scenario.ScenarioNotes)
            {
                md.AppendLine("- " + note);
            }
        }

        return md.ToString();
    }

    private static string UnitSuffix(Metric metric) => string.IsNullOrEmpty(metric.Unit) ? string.Empty : $" ({metric.Unit})";

    private static string Cell(ScenarioResult scenario, Metric? metric, RegistrationMode mode, bool brief)
    {
        var summary = metric?.Summarize(mode);
        string text;
        if (summary is null)
        {
            var notes = metric?.Notes(mode) ?? [];
            text = scenario.Failures.TryGetValue(mode, out var reason)
                ? (brief ? "**failed**" : "**failed**: " + reason)
                : notes.Count > 0 ? string.Join("; ", notes) : "not measured";
            if (notes.Count > 0 && scenario.Failures.ContainsKey(mode))
            {
                text += "; " + string.Join("; ", notes);
            }

            return text.Replace("|", "\\|", StringComparison.Ordinal);
        }
        else if (brief)
        {
            text = summary.Count == 1 || summary.Min == summary.Max
                ? Format.Number(summary.Median)
                : Format.Invariant($"{Format.Number(summary.Median)} [{Format.Number(summary.Min)} – {Format.Number(summary.Max)}]");
            if (scenario.Failures.ContainsKey(mode))
            {
                text += " (partly failed)";
            }
        }
        else
        {
            text = Format.Summary(summary, string.Empty);
        }

        if (metric is not null && !brief)
        {
            foreach (var note in metric.Notes(mode))
            {
                text += "; " + note;
            }
        }
        else if (metric is not null && metric.Notes(mode).Count > 0)
        {
            text += " ¹";
        }

        return text.Replace("|", "\\|", StringComparison.Ordinal);
    }
}
