// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace CloudMap.Lifecycle.IntegrationTests;

/// <summary>
/// One owner per signal, end to end: a real host's whole lifecycle against the emulator, where every request the
/// emulator received is exactly one client span and one <c>cloudmap.client.requests</c> count, per operation.
/// </summary>
public sealed class TelemetryOwnershipTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Lifecycle_EveryCloudMapRequest_IsOneSpanAndOneCount()
    {
        await using var host = await LifecycleTestHost.CreateAsync();
        var port = host.Emulator.Endpoint.Port.ToString(CultureInfo.InvariantCulture);
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "CloudMap.Lifecycle",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                // Other tests run in parallel with emulators of their own: keep only the calls to this one.
                if (activity.Kind == ActivityKind.Client && Convert.ToString(activity.GetTagItem("server.port"), CultureInfo.InvariantCulture) == port)
                {
                    lock (spans)
                    {
                        spans.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var requests = new MetricCollector<long>(host.App.Services.GetRequiredService<IMeterFactory>(), "CloudMap.Lifecycle", "cloudmap.client.requests");

        // Resolve, register, push UNHEALTHY at the threshold, deregister and drain.
        await host.StartRegisteredAsync();
        host.Readiness.IsReady = false;
        await host.AdvanceUntilAsync(host.Logs.WaitForEventAsync("HealthPushed", cancellationToken: Token), LifecycleTestHost.HealthInterval);
        await host.StopAndDrainAsync();

        var received = host.Emulator.GetRequestLog().GroupBy(r => r.Operation).ToDictionary(g => g.Key, g => g.Count());
        Assert.Subset(received.Keys.ToHashSet(), new HashSet<string> { "ListNamespaces", "ListServices", "GetService", "RegisterInstance", "GetOperation", "UpdateInstanceCustomHealthStatus", "GetInstance", "DeregisterInstance" });
        lock (spans)
        {
            Assert.Equal(received, spans.GroupBy(s => (string)s.GetTagItem("rpc.method")!).ToDictionary(g => g.Key, g => g.Count()));
            Assert.All(spans, s => Assert.Equal("ServiceDiscovery." + s.GetTagItem("rpc.method"), s.OperationName));
        }

        var counted = requests.GetMeasurementSnapshot()
            .GroupBy(m => (string)m.Tags["rpc.method"]!)
            .ToDictionary(g => g.Key, g => (int)g.Sum(m => m.Value));
        Assert.Equal(received, counted);
        Assert.Equal(host.Emulator.TotalCallCount, counted.Values.Sum());
    }
}
