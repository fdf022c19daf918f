// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using CloudMap.Lifecycle.ServiceDiscovery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudMap.Lifecycle.ClientSample;

/// <summary>
/// A client of a service registered in Cloud Map: calls <c>--target</c> by name through <see cref="HttpClient"/> and
/// Microsoft.Extensions.ServiceDiscovery with the Cloud Map provider, at <c>--rate</c> requests per second, for
/// <c>--duration</c> (or until Ctrl+C / SIGTERM); prints one line per second and then exactly <c>N sent, N failed</c>.
/// Exit code 0 when nothing failed, 1 otherwise (and for a startup failure).
/// </summary>
internal static class ClientSampleApp
{
    /// <summary>How long one request may take.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(string[] args, TextWriter output, Action<IServiceCollection>? configureServices, CancellationToken cancellationToken)
    {
        ClientCommandLine commandLine;
        IHost host;
        try
        {
            commandLine = ClientCommandLine.Parse(args);
            var builder = Host.CreateApplicationBuilder(commandLine.Rest);
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("System", LogLevel.Warning).AddFilter("CloudMap.Lifecycle.Client", LogLevel.Warning);
            builder.Services.AddServiceDiscovery().AddCloudMapServiceEndpointProvider();

            // The target's namespace is the provider's default unless configured: http://sample.demo.local/ needs no other setting.
            builder.Services.PostConfigure<CloudMapServiceEndpointProviderOptions>(o =>
            {
                var host = commandLine.Target.Host;
                var dot = host.IndexOf('.', StringComparison.Ordinal);
                if (o.DefaultNamespace is null && o.Namespaces.Count == 0 && dot > 0)
                {
                    o.DefaultNamespace = host[(dot + 1)..];
                }
            });
            builder.Services.AddHttpClient("target", c => c.Timeout = RequestTimeout).AddServiceDiscovery();
            configureServices?.Invoke(builder.Services);
            host = builder.Build();
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or OptionsValidationException or InvalidOperationException)
        {
            await output.WriteLineAsync("Startup failed: " + ex.Message).ConfigureAwait(false);
            return 1;
        }

        using (host)
        {
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            var time = host.Services.GetRequiredService<TimeProvider>();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping, cancellationToken);
            if (commandLine.Duration is { } duration)
            {
                stop.CancelAfter(duration);
            }

            await output.WriteLineAsync(FormattableString.Invariant(
                $"Calling {commandLine.Target} {commandLine.Rate} times per second {(commandLine.Duration is { } d ? $"for {d}" : "until Ctrl+C")}.")).ConfigureAwait(false);
            var http = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("target");
            var runner = new LoadRunner(http, commandLine.Target, commandLine.Rate, output, time);
            await runner.RunAsync(stop.Token).ConfigureAwait(false);
            await output.WriteLineAsync(FormattableString.Invariant($"{runner.Sent} sent, {runner.Failed} failed")).ConfigureAwait(false);
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return runner.Failed == 0 ? 0 : 1;
        }
    }
}
