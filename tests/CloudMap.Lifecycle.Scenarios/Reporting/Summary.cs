// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

namespace CloudMap.Lifecycle.Scenarios.Reporting;

/// <summary>Median, 5th/95th percentiles and extremes of a set of samples (linear interpolation between ranks).</summary>
public sealed record Summary(int Count, double Median, double P5, double P95, double Min, double Max)
{
    public static Summary Of(IEnumerable<double> samples)
    {
        var sorted = samples.Where(s => !double.IsNaN(s)).OrderBy(s => s).ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("At least one sample is required.", nameof(samples));
        }

        return new Summary(sorted.Length, Percentile(sorted, 0.5), Percentile(sorted, 0.05), Percentile(sorted, 0.95), sorted[0], sorted[^1]);
    }

    /// <summary>The percentile <paramref name="p"/> (0..1) of an ascending array, interpolated linearly (the "R-7" definition).</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 1)
        {
            return sorted[0];
        }

        var rank = p * (sorted.Count - 1);
        var lower = (int)Math.Floor(rank);
        var upper = (int)Math.Ceiling(rank);
        return sorted[lower] + ((sorted[upper] - sorted[lower]) * (rank - lower));
    }
}
