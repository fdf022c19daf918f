// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using CloudMap.Lifecycle.Client;

namespace CloudMap.Lifecycle.Janitor;

/// <summary>Parses and checks the command line; every error names the option and the value.</summary>
internal static class JanitorCommandLine
{
    public const string Usage = """
        Usage: cloudmap-janitor (--once | --interval <duration>) (--service <id|arn|name> | --namespace <id|name>)... [options]

        Deregisters the Cloud Map instances whose ECS task or EC2 instance the platform reports gone.

          --once                        sweep once and exit (cron, a scheduled ECS task)
          --interval <duration>         sweep, wait, sweep again until SIGTERM or Ctrl+C (a container worker)
          --service <id|arn|name>       a service to sweep (repeatable); a name needs --namespace
          --namespace <id|name>         sweep every service of this namespace (repeatable; with --service
                                        names, only those services of it)
          --cluster <name>              the ECS cluster of registrations whose id is an ECS task id and that
                                        carry no ECS_CLUSTER_NAME attribute (ECS service discovery, Service Connect)
          --dry-run                     say what would be removed and why; remove nothing
          --max-per-sweep <n>           most deregistrations per sweep, over every service (default 10)
          --confirm-delay <duration>    wait before the confirming second look (default 5s; 0s for none)
          --deregister-unhealthy-tasks  also deregister ECS tasks that ECS reports UNHEALTHY, DEACTIVATING or
                                        STOPPING, in services without any health check (Service Connect)
          --region <name>               AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile)
          --profile <name>              AWS profile (default: AWS_PROFILE, then default)
          --endpoint-url <url>          endpoint of Cloud Map, ECS and EC2 (as AWS_ENDPOINT_URL); the service
                                        variables AWS_ENDPOINT_URL_SERVICEDISCOVERY/_ECS/_EC2 are read too
          --ecs-endpoint-url <url>      ECS endpoint, over --endpoint-url
          --ec2-endpoint-url <url>      EC2 endpoint, over --endpoint-url
          --help                        show this help

        Durations: 30s, 500ms, 5m, 1h, or a number of seconds.
        Exit codes: 0 done (removed what the evidence allowed, or nothing to do; dry run included),
                    1 some calls failed or the sweep did not finish, 2 bad arguments or configuration,
                    3 a safety limit held back removals (never empty a service, more than half at once, the cap).
        """;

    /// <summary>The longest interval or confirm delay: one day.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);

    /// <summary>The most deregistrations one sweep may be allowed: 1000 (the instances of one service).</summary>
    public const int MaxPerSweepLimit = 1000;

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <exception cref="ArgumentException">An option is unknown, lacks its value, or has a bad one; the message names both.</exception>
    public static JanitorSettings Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var settings = new JanitorSettings();
        var once = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value()
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new ArgumentException($"Option '{arg}' needs a value.");
                }

                return args[++i];
            }

            switch (arg)
            {
                case "--once":
                    once = true;
                    break;
                case "--interval":
                    var interval = Value();
                    settings.Interval = Duration(arg, interval) is { } every && every > TimeSpan.Zero
                        ? every
                        : throw new ArgumentException($"Invalid --interval '{interval}': expected a positive duration such as 5m.");
                    break;
                case "--service":
                    settings.Services.Add(Name(arg, Value()));
                    break;
                case "--namespace":
                    settings.Namespaces.Add(Name(arg, Value()));
                    break;
                case "--cluster":
                    settings.Cluster = Name(arg, Value());
                    break;
                case "--dry-run":
                    settings.DryRun = true;
                    break;
                case "--max-per-sweep":
                    var max = Value();
                    settings.MaxPerSweep = int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxPerSweepLimit
                        ? n
                        : throw new ArgumentException($"Invalid --max-per-sweep '{max}': expected a whole number from 1 to {MaxPerSweepLimit}.");
                    break;
                case "--confirm-delay":
                    settings.ConfirmDelay = Duration(arg, Value());
                    break;
                case "--deregister-unhealthy-tasks":
                    settings.DeregisterUnhealthyTasks = true;
                    break;
                case "--region":
                    settings.Region = Name(arg, Value());
                    break;
                case "--profile":
                    settings.Profile = Name(arg, Value());
                    break;
                case "--endpoint-url":
                    settings.EndpointUrl = Url(arg, Value());
                    break;
                case "--ecs-endpoint-url":
                    settings.EcsEndpointUrl = Url(arg, Value());
                    break;
                case "--ec2-endpoint-url":
                    settings.Ec2EndpointUrl = Url(arg, Value());
                    break;
                case "--help" or "-h" or "-?":
                    settings.ShowHelp = true;
                    return settings;
                default:
                    throw new ArgumentException($"Unknown option '{arg}'.");
            }
        }

        if (once == settings.Interval.HasValue)
        {
            throw new ArgumentException(once ? "Options --once and --interval exclude each other: choose one." : "Choose --once (one sweep) or --interval <duration> (a worker).");
        }

        if (settings.Services.Count == 0 && settings.Namespaces.Count == 0)
        {
            throw new ArgumentException("Name what to sweep: --service <id|arn|name> or --namespace <id|name>.");
        }

        if (settings.Namespaces.Count == 0 && settings.Services.FirstOrDefault(s => !IsServiceId(s)) is { } name)
        {
            throw new ArgumentException($"Invalid --service '{name}': a service name needs --namespace (or give the service id srv-… or its ARN).");
        }

        return settings;
    }

    /// <summary>Whether <paramref name="value"/> is a service id or ARN rather than a name.</summary>
    internal static bool IsServiceId(string value) =>
        value.StartsWith("srv-", StringComparison.Ordinal) || value.StartsWith("arn:", StringComparison.Ordinal);

    /// <summary>A duration: <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c> or seconds, from 0 to <see cref="MaxDuration"/>.</summary>
    internal static TimeSpan Duration(string option, string text)
    {
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : text.EndsWith('h') ? (text[..^1], 3600.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value * unit > MaxDuration.TotalSeconds)
        {
            throw new ArgumentException($"Invalid {option} '{text}': expected a duration from 0s to 24h such as 30s, 500ms or 5m.");
        }

        return TimeSpan.FromSeconds(value * unit);
    }

    private static string Name(string option, string text) =>
        text.Trim().Length > 0 && text.All(c => c is > ' ' and <= '~')
            ? text
            : throw new ArgumentException($"Invalid {option} '{text}': expected a non-empty name without spaces.");

    private static Uri Url(string option, string text) =>
        CloudMapServiceUrl.TryParse(text, out var uri)
            ? uri
            : throw new ArgumentException($"Invalid {option} '{text}': expected {CloudMapServiceUrl.Requirement}.");
}
