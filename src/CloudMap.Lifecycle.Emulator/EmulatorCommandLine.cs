// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net;
using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Emulator;

/// <summary>The parsed command line of the standalone emulator.</summary>
internal sealed class EmulatorCommandLine
{
    public const string Usage = """
        Usage: cloudmap-emulator [options]
           (in a clone of the repository: dotnet run --project src/CloudMap.Lifecycle.Emulator -- [options])

          --port <n>                    TCP port (default 4566; 0 picks a free one)
          --bind <address>              address to bind (default 127.0.0.1; anything else exposes the emulator)
          --allowed-host <name>         a host name, besides localhost and IP addresses, under which the
                                        dashboard and admin API answer (e.g. a container name; repeatable;
                                        '*' for any); other names get 403, against DNS rebinding
          --seed <file>                 JSON seed file with namespaces, services and instances
                                        (a relative path is read from the current directory)
          --region <name>               region the emulator claims (default us-east-1)
          --health-delay <duration>     delay before a custom health change takes effect (default 30s)
          --operation-submitted <dur>   time an operation stays SUBMITTED (default 250ms)
          --operation-pending <dur>     time an operation then stays PENDING (default 750ms)
          --propagation-delay <dur>     time a new instance still answers InstanceNotFound (default 0s)
          --dns-port <n>                serve the DNS namespaces' records on this UDP+TCP port, on the
                                        --bind address (off by default; 0 picks a free one)
          --route53-checks              probe Route 53 health checks (HTTP/HTTPS/TCP against each
                                        instance's address and port; off by default)
          --route53-interval <dur>      interval of the probed checks (default 30s, as Route 53)
          --credentials <key:secret>    verify SigV4 signatures with these credentials (repeatable; off by default)
          --random-seed <n>             seed for ids, discovery order and fault rates
          --benchmark [seconds]         measure requests/s on loopback instead of serving (default 5 s)
          --concurrency <n>             clients used by --benchmark (default 16)
          --help                        show this help

        Durations: 30s, 500ms, 2m, or a number of seconds.
        """;

    public const int DefaultPort = 4566;

    private const string EmulatorServerAnyHost = "*";

    public CloudMapEmulatorOptions Options { get; } = new() { Port = DefaultPort };

    public bool ShowHelp { get; private set; }

    public double? BenchmarkSeconds { get; private set; }

    public int Concurrency { get; private set; } = 16;

    public static EmulatorCommandLine Parse(IReadOnlyList<string> args)
    {
        var result = new EmulatorCommandLine();
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
                case "--port":
                    var port = Value();
                    result.Options.Port = int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p <= IPEndPoint.MaxPort
                        ? p
                        : throw new ArgumentException($"Invalid --port '{port}': expected 0-65535.");
                    break;
                case "--bind":
                    var bind = Value();
                    result.Options.BindAddress = bind == "localhost" ? IPAddress.Loopback
                        : IPAddress.TryParse(bind, out var address) ? address
                        : throw new ArgumentException($"Invalid --bind '{bind}': expected an IP address.");
                    break;
                case "--allowed-host":
                    var allowed = Value();
                    result.Options.AllowedHosts.Add(allowed == EmulatorServerAnyHost || Uri.CheckHostName(allowed) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6
                        ? allowed
                        : throw new ArgumentException($"Invalid --allowed-host '{allowed}': expected a host name without scheme or port (for example 'emulator'), or '*'."));
                    break;
                case "--seed":
                    var seedFile = Value();
                    result.Options.SeedFile = seedFile.Length > 0 ? seedFile : throw new ArgumentException("Invalid --seed '': expected a file path.");
                    break;
                case "--region":
                    result.Options.Region = Value();
                    break;
                case "--health-delay":
                    result.Options.HealthChangeDelay = Duration(arg, Value());
                    break;
                case "--operation-submitted":
                    result.Options.OperationSubmittedDuration = Duration(arg, Value());
                    break;
                case "--operation-pending":
                    result.Options.OperationPendingDuration = Duration(arg, Value());
                    break;
                case "--propagation-delay":
                    result.Options.PropagationDelay = Duration(arg, Value());
                    break;
                case "--dns-port":
                    var dnsPort = Value();
                    result.Options.DnsPort = int.TryParse(dnsPort, NumberStyles.None, CultureInfo.InvariantCulture, out var dp) && dp <= IPEndPoint.MaxPort
                        ? dp
                        : throw new ArgumentException($"Invalid --dns-port '{dnsPort}': expected 0-65535.");
                    break;
                case "--route53-checks":
                    result.Options.ProbeRoute53HealthChecks = true;
                    break;
                case "--route53-interval":
                    var interval = Duration(arg, Value());
                    result.Options.Route53CheckInterval = interval > TimeSpan.Zero
                        ? interval
                        : throw new ArgumentException($"Invalid --route53-interval '{args[i]}': expected a positive duration such as 30s or 500ms.");
                    break;
                case "--credentials":
                    var pair = Value();
                    var colon = pair.IndexOf(':', StringComparison.Ordinal);
                    if (colon <= 0 || colon == pair.Length - 1)
                    {
                        // Never echo the value: it holds a secret.
                        throw new ArgumentException("Invalid --credentials: expected ACCESS_KEY_ID:SECRET_ACCESS_KEY.");
                    }

                    result.Options.SigV4Credentials[pair[..colon]] = pair[(colon + 1)..];
                    break;
                case "--random-seed":
                    var seed = Value();
                    result.Options.RandomSeed = int.TryParse(seed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s)
                        ? s
                        : throw new ArgumentException($"Invalid --random-seed '{seed}'.");
                    break;
                case "--benchmark":
                    result.BenchmarkSeconds = 5;
                    if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        result.BenchmarkSeconds = Duration(arg, args[++i]).TotalSeconds;
                    }

                    break;
                case "--concurrency":
                    var concurrency = Value();
                    result.Concurrency = int.TryParse(concurrency, NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c > 0
                        ? c
                        : throw new ArgumentException($"Invalid --concurrency '{concurrency}'.");
                    break;
                case "--help" or "-h" or "-?":
                    result.ShowHelp = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{arg}'.");
            }
        }

        return result;
    }

    internal static TimeSpan Duration(string option, string text)
    {
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || double.IsInfinity(value))
        {
            throw new ArgumentException($"Invalid {option} '{text}': expected a duration such as 30s, 500ms or 2m.");
        }

        return TimeSpan.FromSeconds(value * unit);
    }
}
