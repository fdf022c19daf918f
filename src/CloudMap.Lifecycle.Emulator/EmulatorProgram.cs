// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Emulator;

/// <summary>The standalone emulator: parse, start, print the endpoint, serve until stopped.</summary>
internal static class EmulatorProgram
{
    public const int ExitOk = 0;
    public const int ExitStartFailed = 1;
    public const int ExitBadArguments = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken stop, Action<CloudMapEmulator>? started = null)
    {
        EmulatorCommandLine command;
        try
        {
            command = EmulatorCommandLine.Parse(args);
        }
        catch (ArgumentException e)
        {
            await stderr.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            await stderr.WriteLineAsync(EmulatorCommandLine.Usage).ConfigureAwait(false);
            return ExitBadArguments;
        }

        if (command.ShowHelp)
        {
            await stdout.WriteLineAsync(EmulatorCommandLine.Usage).ConfigureAwait(false);
            return ExitOk;
        }

        if (command.BenchmarkSeconds is { } seconds)
        {
            await ThroughputBenchmark.RunAsync(TimeSpan.FromSeconds(seconds), command.Concurrency, stdout, stop).ConfigureAwait(false);
            return ExitOk;
        }

        // A relative path is the caller's: resolve it against the working directory now, so an error names the file
        // that was really looked for.
        if (command.Options.SeedFile is { } seedFile)
        {
            command.Options.SeedFile = Path.GetFullPath(seedFile);
        }

        CloudMapEmulator emulator;
        try
        {
            emulator = await CloudMapEmulator.StartAsync(command.Options, stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            await stderr.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return ExitStartFailed;
        }

        await using (emulator.ConfigureAwait(false))
        {
            var endpoint = emulator.Endpoint.ToString().TrimEnd('/');
            var sigv4 = command.Options.SigV4Credentials.Count > 0 ? $", SigV4 verified for {command.Options.SigV4Credentials.Count} key(s)" : string.Empty;
            await stdout.WriteLineAsync($"CloudMap emulator listening on {endpoint} (dashboard: {endpoint}/, region {emulator.Region}{sigv4})").ConfigureAwait(false);
            if (emulator.DnsEndpoint is { } dns)
            {
                var route53 = command.Options.ProbeRoute53HealthChecks ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $", Route 53 health checks probed every {command.Options.Route53CheckInterval.TotalSeconds:0.###} s") : string.Empty;
                await stdout.WriteLineAsync(DnsLine(dns, route53)).ConfigureAwait(false);
            }
            else if (command.Options.ProbeRoute53HealthChecks)
            {
                await stdout.WriteLineAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"CloudMap emulator probes Route 53 health checks every {command.Options.Route53CheckInterval.TotalSeconds:0.###} s")).ConfigureAwait(false);
            }

            await stdout.FlushAsync(stop).ConfigureAwait(false);
            started?.Invoke(emulator);
            try
            {
                await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM.
            }
        }

        return ExitOk;
    }

    /// <summary>
    /// The start line for the DNS server: the address it is bound to, and for a wildcard bind (<c>--bind 0.0.0.0</c> or
    /// <c>::</c>) also the loopback address to query it at from this machine, as the HTTP line gives a reachable URL.
    /// </summary>
    internal static string DnsLine(System.Net.IPEndPoint bound, string route53 = "")
    {
        var reachable = bound.Address.Equals(System.Net.IPAddress.Any) ? System.Net.IPAddress.Loopback
            : bound.Address.Equals(System.Net.IPAddress.IPv6Any) ? System.Net.IPAddress.IPv6Loopback
            : null;
        var where = reachable is null ? string.Empty
            : $"all interfaces; from this machine query {FormatEndpoint(new System.Net.IPEndPoint(reachable, bound.Port))}, ";
        return $"CloudMap emulator DNS on {FormatEndpoint(bound)} ({where}UDP and TCP{route53})";
    }

    private static string FormatEndpoint(System.Net.IPEndPoint endpoint) =>
        endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? "[" + endpoint.Address + "]:" + endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : endpoint.ToString();
}
