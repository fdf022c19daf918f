// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using CloudMap.Lifecycle.Testing;

namespace CloudMap.Lifecycle.Emulator;

/// <summary>Measures requests/s on loopback with concurrent plain HttpClients (hand-built AWS JSON 1.1 requests).</summary>
internal static class ThroughputBenchmark
{
    public static async Task<IReadOnlyDictionary<string, double>> RunAsync(TimeSpan duration, int concurrency, TextWriter output, CancellationToken cancellationToken)
    {
        var options = new CloudMapEmulatorOptions { OperationSubmittedDuration = TimeSpan.Zero, OperationPendingDuration = TimeSpan.Zero, RequestLogCapacity = 1000 };
        await using var emulator = await CloudMapEmulator.StartAsync(options, cancellationToken).ConfigureAwait(false);
        var ns = emulator.CreateHttpNamespace("bench");
        var service = emulator.CreateService(ns, "svc");
        for (var i = 0; i < concurrency; i++)
        {
            emulator.RegisterInstance(service, $"i-{i}", new Dictionary<string, string> { ["AWS_INSTANCE_IPV4"] = "10.0.0.1", ["AWS_INSTANCE_PORT"] = "80" });
        }

        var results = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var operation in new[] { "GetInstancesHealthStatus", "RegisterInstance", "DiscoverInstances" })
        {
            var rate = await MeasureAsync(emulator.Endpoint, operation, service, duration, concurrency, cancellationToken).ConfigureAwait(false);
            results[operation] = rate;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{operation,-26} {rate,10:F0} requests/s ({concurrency} concurrent clients, {duration.TotalSeconds:F0} s)")).ConfigureAwait(false);
        }

        return results;
    }

    private static async Task<double> MeasureAsync(Uri endpoint, string operation, string service, TimeSpan duration, int concurrency, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        long completed = 0;
        var start = time.GetTimestamp();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(duration);
        var workers = Enumerable.Range(0, concurrency).Select(async worker =>
        {
            using var http = new HttpClient { BaseAddress = endpoint };
            var body = operation switch
            {
                "RegisterInstance" => $$$"""{"ServiceId":"{{{service}}}","InstanceId":"i-{{{worker}}}","Attributes":{"AWS_INSTANCE_IPV4":"10.0.0.1","AWS_INSTANCE_PORT":"80"}}""",
                "DiscoverInstances" => """{"NamespaceName":"bench","ServiceName":"svc"}""",
                _ => $$"""{"ServiceId":"{{service}}"}""",
            };
            var bytes = Encoding.UTF8.GetBytes(body);
            while (!stop.IsCancellationRequested)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ByteArrayContent(bytes) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
                request.Headers.TryAddWithoutValidation("X-Amz-Target", "Route53AutoNaming_v20170314." + operation);
                try
                {
                    using var response = await http.SendAsync(request, stop.Token).ConfigureAwait(false);
                    await response.Content.ReadAsByteArrayAsync(stop.Token).ConfigureAwait(false);
                    if (!response.IsSuccessStatusCode)
                    {
                        throw new InvalidOperationException($"{operation} answered {(int)response.StatusCode} during the benchmark.");
                    }

                    Interlocked.Increment(ref completed);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
            }
        }).ToList();
        await Task.WhenAll(workers).ConfigureAwait(false);
        return Interlocked.Read(ref completed) / time.GetElapsedTime(start).TotalSeconds;
    }
}
