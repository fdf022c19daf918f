// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;

namespace CloudMap.Lifecycle.Scenarios.Reporting;

internal static class Format
{
    public static string Number(double value)
    {
        var abs = Math.Abs(value);
        var format = abs == 0 || abs >= 100 ? "0" : abs >= 10 ? "0.#" : abs >= 1 ? "0.##" : "0.###";
        return value.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>"median [p5–p95]" plus "(min–max, n=…)" when there is a spread.</summary>
    public static string Summary(Summary s, string unit)
    {
        var u = string.IsNullOrEmpty(unit) ? string.Empty : " " + unit;
        if (s.Count == 1)
        {
            return $"{Number(s.Median)}{u} (n=1)";
        }

        return $"{Number(s.Median)}{u} [p5 {Number(s.P5)} – p95 {Number(s.P95)}] (min {Number(s.Min)}, max {Number(s.Max)}, n={s.Count})";
    }

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
