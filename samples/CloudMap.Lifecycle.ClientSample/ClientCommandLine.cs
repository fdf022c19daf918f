// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;

namespace CloudMap.Lifecycle.ClientSample;

/// <summary>
/// The sample's own options: <c>--target &lt;url&gt;</c>, <c>--rate &lt;per second&gt;</c>, <c>--duration &lt;time span or
/// seconds&gt;</c>. Everything else (<c>--AWS:ServiceURL=…</c>, <c>--CloudMapDiscovery:…</c>) is left to configuration.
/// </summary>
internal sealed record ClientCommandLine(Uri Target, double Rate, TimeSpan? Duration, string[] Rest)
{
    public static readonly Uri DefaultTarget = new("http://sample.demo.local/");
    public const double DefaultRate = 20;
    public const double MaxRate = 10_000;

    /// <exception cref="ArgumentException">An option is unknown to its value's format; the message names it and the value.</exception>
    public static ClientCommandLine Parse(IReadOnlyList<string> args)
    {
        var target = DefaultTarget;
        var rate = DefaultRate;
        TimeSpan? duration = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inline) = Split(args[i]);
            switch (name)
            {
                case "--target":
                    var t = Value(args, ref i, name, inline);
                    target = Uri.TryCreate(t, UriKind.Absolute, out var uri) && uri.Host.Length > 0
                        ? uri
                        : throw new ArgumentException($"--target is '{t}'; it must be an absolute URL such as http://sample.demo.local/ (or https+http://_grpc.orders.shop.local/).");
                    break;
                case "--rate":
                    var r = Value(args, ref i, name, inline);
                    rate = double.TryParse(r, NumberStyles.Float, CultureInfo.InvariantCulture, out var perSecond) && perSecond > 0 && perSecond <= MaxRate
                        ? perSecond
                        : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--rate is '{r}'; it must be a number of requests per second above 0 and at most {MaxRate}."));
                    break;
                case "--duration":
                    var d = Value(args, ref i, name, inline);
                    duration = ParseDuration(d) ?? throw new ArgumentException($"--duration is '{d}'; it must be a time span (00:01:30) or seconds (90, 1.5), more than zero.");
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        return new ClientCommandLine(target, rate, duration, [.. rest]);
    }

    internal static TimeSpan? ParseDuration(string text)
    {
        var parsed = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds <= TimeSpan.MaxValue.TotalSeconds / 2
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span : (TimeSpan?)null;
        return parsed > TimeSpan.Zero ? parsed : null;
    }

    private static (string Name, string? Inline) Split(string arg)
    {
        var eq = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && eq > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
    }

    private static string Value(IReadOnlyList<string> args, ref int i, string name, string? inline)
    {
        if (inline is not null)
        {
            return inline;
        }

        if (i + 1 >= args.Count)
        {
            throw new ArgumentException($"{name} needs a value.");
        }

        return args[++i];
    }
}
