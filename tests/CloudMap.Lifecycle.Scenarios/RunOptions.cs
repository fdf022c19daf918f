// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Reflection;

namespace CloudMap.Lifecycle.Scenarios;

/// <summary>Command line: --smoke | --full (default) | --scenario N (repeatable) | --adversarial, --out DIR, --repeat N.</summary>
public sealed class RunOptions
{
    public const string Usage = """
        Usage: dotnet run -c Release --project tests/CloudMap.Lifecycle.Scenarios -- [--full | --smoke] [--scenario N]... [--adversarial] [--repeat N] [--out DIR]
          --full         every scenario at full size (default); writes results/report.md and results/*.svg
          --smoke        about 2 minutes: scenarios 2 and 6 reduced, both modes, and scenario 8's SIGKILL-while-running case in
                         library mode; exit code 1 if the library mode dropped a request, left a zombie or removed a live instance
          --scenario N   run only scenario N (1-13; 13: the janitor); may be repeated (10: CLOUDMAP_COST_SIZES=3,100,1000 picks the fleet sizes)
          --adversarial  scenario 6's adversarial cases only (hung checks, hung answers at stop, superseded owner,
                         vanished registration; about 100 s); a full run includes them, a smoke run does not
          --repeat N     repetitions of each repeated scenario (default: 2 full, 1 smoke); scenarios 4-7 have their own sample counts
          --out DIR      where to write report.md and the charts (default: results/ for --full, a temp folder otherwise)
        """;

    public bool Smoke { get; set; }

    /// <summary>Gets every scenario, in the order a full run takes them.</summary>
    public static IReadOnlyList<int> AllScenarios { get; } = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];

    public IReadOnlyList<int> Scenarios { get; set; } = AllScenarios;

    public int? Repeat { get; set; }

    /// <summary>Gets or sets a value indicating whether scenario 6 runs only its adversarial cases (--adversarial).</summary>
    public bool AdversarialOnly { get; set; }

    /// <summary>Gets a value indicating whether scenario 6 runs its randomized start/stop trials.</summary>
    public bool RunsRandomTrials => !AdversarialOnly;

    /// <summary>Gets a value indicating whether scenario 6 runs its adversarial cases: in a full run, or when asked for.</summary>
    public bool RunsAdversarialCases => AdversarialOnly || !Smoke;

    public string? OutputDirectory { get; set; }

    public IReadOnlyList<string> Arguments { get; set; } = [];

    /// <summary>Gets or sets where progress is written.</summary>
    public TextWriter Log { get; set; } = Console.Out;

    public int EffectiveRepeat => Repeat ?? (Smoke ? 1 : 2);

    public static string RepoRoot =>
        typeof(RunOptions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "RepoRoot").Value!;

    public static string Configuration =>
        typeof(RunOptions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "Configuration").Value!;

    public string EffectiveOutputDirectory => OutputDirectory
        ?? (Smoke || AdversarialOnly || Scenarios.Count < AllScenarios.Count
            ? Path.Combine(Path.GetTempPath(), "cloudmap-scenarios-" + (Smoke ? "smoke" : "partial"))
            : Path.Combine(RepoRoot, "tests", "CloudMap.Lifecycle.Scenarios", "results"));

    /// <summary>Parses the command line; returns null (and an error) for a bad one.</summary>
    public static RunOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var options = new RunOptions { Arguments = [.. args] };
        var selected = new List<int>();
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--smoke":
                    options.Smoke = true;
                    break;
                case "--full":
                    options.Smoke = false;
                    break;
                case "--adversarial":
                    options.AdversarialOnly = true;
                    selected.Add(6);
                    break;
                case "--scenario" when i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= AllScenarios.Count:
                    selected.Add(n);
                    i++;
                    break;
                case "--repeat" when i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var r) && r is >= 1 and <= 50:
                    options.Repeat = r;
                    i++;
                    break;
                case "--out" when i + 1 < args.Count:
                    options.OutputDirectory = Path.GetFullPath(args[i + 1]);
                    i++;
                    break;
                default:
                    error = $"Unknown or incomplete argument '{args[i]}'.";
                    return null;
            }
        }

        if (selected.Count > 0)
        {
            options.Scenarios = [.. selected.Distinct().Order()];
        }
        else if (options.Smoke)
        {
            options.Scenarios = [2, 6, 8];
        }

        return options;
    }
}
