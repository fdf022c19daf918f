// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Net;
using System.Text;

namespace CloudMap.Lifecycle.Scenarios.Reporting;

/// <summary>
/// A hand-written SVG: one small panel per metric, library and baseline side by side; the bar is the median, the
/// whisker spans p5–p95 and the dots mark min and max. Each panel has its own scale (units differ).
/// </summary>
internal static class SvgChart
{
    private const int PanelWidth = 250;
    private const int PanelHeight = 190;
    private const int Columns = 3;
    private const int TitleHeight = 34;
    private const string LibraryColor = "#2b8a3e";
    private const string BaselineColor = "#c92a2a";

    public static string Render(ScenarioResult scenario)
    {
        var metrics = scenario.Metrics;
        var rows = Math.Max(1, (metrics.Count + Columns - 1) / Columns);
        var width = PanelWidth * Math.Min(Columns, Math.Max(1, metrics.Count));
        var height = TitleHeight + (rows * PanelHeight) + 10;
        var svg = new StringBuilder();
        svg.Append(Format.Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">\n"));
        svg.Append(Format.Invariant($"<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\n"));
        svg.Append(Format.Invariant($"<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{Escape($"Scenario {scenario.Number}: {scenario.Title}")}</text>\n"));
        svg.Append(Format.Invariant($"<rect x=\"{width - 170}\" y=\"8\" width=\"10\" height=\"10\" fill=\"{LibraryColor}\"/><text x=\"{width - 156}\" y=\"17\">library</text>\n"));
        svg.Append(Format.Invariant($"<rect x=\"{width - 100}\" y=\"8\" width=\"10\" height=\"10\" fill=\"{BaselineColor}\"/><text x=\"{width - 86}\" y=\"17\">baseline</text>\n"));
        for (var i = 0; i < metrics.Count; i++)
        {
            var x = (i % Columns) * PanelWidth;
            var y = TitleHeight + ((i / Columns) * PanelHeight);
            Panel(svg, scenario, metrics[i], x, y);
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Panel(StringBuilder svg, ScenarioResult scenario, Metric metric, int x, int y)
    {
        const int plotTop = 40;
        const int plotHeight = 110;
        var plotBottom = y + plotTop + plotHeight;
        var title = string.IsNullOrEmpty(metric.Unit) ? metric.Name : $"{metric.Name} ({metric.Unit})";
        svg.Append(Format.Invariant($"<text x=\"{x + (PanelWidth / 2)}\" y=\"{y + 14}\" text-anchor=\"middle\" font-weight=\"bold\">{Escape(Truncate(title, 44))}</text>\n"));
        if (metric.Goal is not null)
        {
            svg.Append(Format.Invariant($"<text x=\"{x + (PanelWidth / 2)}\" y=\"{y + 28}\" text-anchor=\"middle\" fill=\"#555\">library goal: {Escape(metric.Goal)}</text>\n"));
        }

        var library = metric.Summarize(RegistrationMode.Library);
        var baseline = metric.Summarize(RegistrationMode.Baseline);
        var max = new[] { library?.Max ?? 0, baseline?.Max ?? 0 }.Max();
        var scale = max <= 0 ? 1 : max * 1.1;
        svg.Append(Format.Invariant($"<line x1=\"{x + 30}\" y1=\"{plotBottom}\" x2=\"{x + PanelWidth - 20}\" y2=\"{plotBottom}\" stroke=\"#333\"/>\n"));
        Bar(svg, scenario, RegistrationMode.Library, library, metric.Notes(RegistrationMode.Library), x + 55, plotBottom, plotHeight, scale, LibraryColor);
        Bar(svg, scenario, RegistrationMode.Baseline, baseline, metric.Notes(RegistrationMode.Baseline), x + 145, plotBottom, plotHeight, scale, BaselineColor);
    }

    private static void Bar(StringBuilder svg, ScenarioResult scenario, RegistrationMode mode, Summary? summary, IReadOnlyList<string> notes, int x, int bottom, int height, double scale, string color)
    {
        const int barWidth = 60;
        var label = mode == RegistrationMode.Library ? "library" : "baseline";
        svg.Append(Format.Invariant($"<text x=\"{x + (barWidth / 2)}\" y=\"{bottom + 14}\" text-anchor=\"middle\">{label}</text>\n"));
        if (summary is null)
        {
            var text = scenario.Failures.ContainsKey(mode) ? "failed" : notes.Count > 0 ? Truncate(notes[0], 22) : "not measured";
            svg.Append(Format.Invariant($"<text x=\"{x + (barWidth / 2)}\" y=\"{bottom - 10}\" text-anchor=\"middle\" fill=\"#c92a2a\" font-weight=\"bold\">{text}</text>\n"));
            return;
        }

        double Y(double v) => bottom - (v / scale * height);
        var top = Y(summary.Median);
        svg.Append(Format.Invariant($"<rect x=\"{x}\" y=\"{top:F1}\" width=\"{barWidth}\" height=\"{bottom - top:F1}\" fill=\"{color}\" fill-opacity=\"0.8\"/>\n"));
        if (summary.Count > 1)
        {
            var cx = x + (barWidth / 2);
            svg.Append(Format.Invariant($"<line x1=\"{cx}\" y1=\"{Y(summary.P5):F1}\" x2=\"{cx}\" y2=\"{Y(summary.P95):F1}\" stroke=\"#222\" stroke-width=\"1.5\"/>\n"));
            svg.Append(Format.Invariant($"<line x1=\"{cx - 8}\" y1=\"{Y(summary.P95):F1}\" x2=\"{cx + 8}\" y2=\"{Y(summary.P95):F1}\" stroke=\"#222\" stroke-width=\"1.5\"/>\n"));
            svg.Append(Format.Invariant($"<line x1=\"{cx - 8}\" y1=\"{Y(summary.P5):F1}\" x2=\"{cx + 8}\" y2=\"{Y(summary.P5):F1}\" stroke=\"#222\" stroke-width=\"1.5\"/>\n"));
            svg.Append(Format.Invariant($"<circle cx=\"{cx}\" cy=\"{Y(summary.Min):F1}\" r=\"2\" fill=\"#222\"/><circle cx=\"{cx}\" cy=\"{Y(summary.Max):F1}\" r=\"2\" fill=\"#222\"/>\n"));
        }

        var value = Format.Number(summary.Median);
        svg.Append(Format.Invariant($"<text x=\"{x + (barWidth / 2)}\" y=\"{bottom + 28}\" text-anchor=\"middle\" font-weight=\"bold\">{Escape(value)}</text>\n"));
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
